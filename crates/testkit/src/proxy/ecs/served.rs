//! What ECS answers about service deployments and revisions, which moto
//! lacks: `ListServiceDeployments`, `DescribeServiceDeployments` (each a
//! tick of the deployments it names), `DescribeServiceRevisions`,
//! `StopServiceDeployment`, `ContinueServiceDeployment`; and how a
//! deployment's end reaches its service.

use serde_json::{Value, json};

use super::super::message::{Request, Response};
use super::super::upstream::Upstream;
use super::shift::{self, Ended};
use super::{Ecs, RolloutOutcome};

const JSON: &str = "application/x-amz-json-1.1";

impl Ecs {
    /// A new service revision of the service's task definition and, when
    /// its strategy shifts traffic, the service deployment to it.
    pub(super) fn start_shift(&mut self, arn: &str, upstream: &Upstream) {
        let number = u64::try_from(self.revisions.len()).unwrap_or(0) + 1;
        let Some(sim) = self.services.get_mut(arn) else {
            return;
        };
        let (prefix, path) = arn.split_once(":service/").unwrap_or((arn, ""));
        let revision = format!("{prefix}:service-revision/{path}/{number}");
        self.revisions
            .insert(revision.clone(), sim.task_definition.clone());
        let source = sim.revision.replace(revision.clone());
        let config = &sim.kept["deploymentConfiguration"];
        if matches!(config["strategy"].as_str(), None | Some("ROLLING")) {
            return;
        }
        let advanced = &sim.balancer["advancedConfiguration"];
        let primary = sim.balancer["targetGroupArn"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let alternate = advanced["alternateTargetGroupArn"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let (blue, green) = if sim.serving_alternate {
            (alternate, primary)
        } else {
            (primary, alternate)
        };
        let routing = advanced["productionListenerRule"]
            .as_str()
            .map(|rule| shift::Routing {
                rule: rule.to_owned(),
                test_rule: advanced["testListenerRule"].as_str().map(str::to_owned),
                blue,
                green,
            });
        let polls = sim.deployments[0].polls;
        let outcome = sim.deployments[0].outcome;
        let wall_clock = sim.deployments[0].wall_clock;
        sim.shifting = true;
        let started = shift::Shift::start(
            shift::Start {
                service_arn: arn,
                number: u64::try_from(self.shifts.len()).unwrap_or(0) + 1,
                target_revision: revision,
                source_revision: source,
                config,
                desired: sim.desired,
                polls,
                outcome,
                routing,
                wall_clock,
            },
            upstream,
        );
        self.shifts.push(started);
    }

    /// Its answer to one of the service deployment calls, if `operation`
    /// is one.
    pub(super) fn serve_deployments(
        &mut self,
        operation: &str,
        request: &Request,
        upstream: &Upstream,
    ) -> Option<Response> {
        let body = request.json();
        Some(match operation {
            "ListServiceDeployments" => {
                let service = body["service"].as_str().unwrap_or("");
                let cluster = body["cluster"].as_str().unwrap_or("default");
                let cluster = cluster.rsplit('/').next().unwrap_or(cluster);
                let wanted: Vec<&str> = body["status"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let listed: Vec<Value> = self
                    .shifts
                    .iter()
                    .rev()
                    .filter(|d| {
                        d.service_arn == service
                            || d.service_arn
                                .ends_with(&format!(":service/{cluster}/{service}"))
                    })
                    .filter(|d| wanted.is_empty() || wanted.contains(&d.status))
                    .map(shift::Shift::brief)
                    .collect();
                Response::json(200, JSON, &json!({ "serviceDeployments": listed }))
            }
            "DescribeServiceDeployments" => {
                let mut found = Vec::new();
                let mut failures = Vec::new();
                for arn in body["serviceDeploymentArns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let arn = arn.as_str().unwrap_or("");
                    let Some(i) = self.shifts.iter().position(|d| d.arn == arn) else {
                        failures.push(json!({ "arn": arn, "reason": "MISSING" }));
                        continue;
                    };
                    let minute = self.minute;
                    if let Some(ended) = self.shifts[i].tick(minute, upstream) {
                        self.ended(i, ended);
                    }
                    found.push(self.shifts[i].render());
                }
                Response::json(
                    200,
                    JSON,
                    &json!({ "serviceDeployments": found, "failures": failures }),
                )
            }
            "DescribeServiceRevisions" => {
                let mut found = Vec::new();
                let mut failures = Vec::new();
                for arn in body["serviceRevisionArns"].as_array().into_iter().flatten() {
                    let arn = arn.as_str().unwrap_or("");
                    match self.revisions.get(arn) {
                        Some(td) => found.push(json!({
                            "serviceRevisionArn": arn,
                            "taskDefinition": td,
                            "launchType": "FARGATE",
                        })),
                        None => failures.push(json!({ "arn": arn, "reason": "MISSING" })),
                    }
                }
                Response::json(
                    200,
                    JSON,
                    &json!({ "serviceRevisions": found, "failures": failures }),
                )
            }
            "StopServiceDeployment" => self.stop(request, &body),
            "ContinueServiceDeployment" => self.resume(request, &body),
            _ => return None,
        })
    }

    /// `StopServiceDeployment` (ROLLBACK): a deployment still going rolls
    /// back; one that ended cannot be stopped.
    fn stop(&mut self, request: &Request, body: &Value) -> Response {
        let arn = body["serviceDeploymentArn"].as_str().unwrap_or("");
        let stopped = self
            .shifts
            .iter_mut()
            .find(|d| d.arn == arn)
            .map(|d| (d.stop(), d.status));
        match stopped {
            None => Response::aws_error(
                request,
                "ecs",
                400,
                "ServiceDeploymentNotFoundException",
                &format!("The service deployment {arn} does not exist."),
            ),
            Some((true, _)) => Response::json(200, JSON, &json!({ "serviceDeploymentArn": arn })),
            Some((false, status)) => Response::aws_error(
                request,
                "ecs",
                400,
                "ConflictException",
                &format!("The service deployment is {status} and cannot be stopped."),
            ),
        }
    }

    /// `ContinueServiceDeployment`: the pause a deployment waits at goes
    /// on (CONTINUE, the default) or rolls back (ROLLBACK).
    fn resume(&mut self, request: &Request, body: &Value) -> Response {
        let arn = body["serviceDeploymentArn"].as_str().unwrap_or("");
        let hook = body["hookId"].as_str().unwrap_or("");
        let rollback = body["action"] == "ROLLBACK";
        let Some(d) = self.shifts.iter_mut().find(|d| d.arn == arn) else {
            return Response::aws_error(
                request,
                "ecs",
                400,
                "ServiceDeploymentNotFoundException",
                &format!("The service deployment {arn} does not exist."),
            );
        };
        match d.resume(hook, rollback) {
            Ok(()) => Response::json(200, JSON, &json!({ "serviceDeploymentArn": arn })),
            Err(why) => Response::aws_error(request, "ecs", 400, "InvalidParameterException", &why),
        }
    }

    /// The end of deployment `i` reaches its service: a success makes the
    /// new revision the one serving from the group it moved to; a rollback
    /// brings the previous task definition back.
    fn ended(&mut self, i: usize, ended: Ended) {
        let (service_arn, source, routed) = {
            let d = &self.shifts[i];
            (
                d.service_arn.clone(),
                d.source_revision.clone(),
                d.routing.is_some(),
            )
        };
        let started = self.deployments_started;
        let Some(sim) = self.services.get_mut(&service_arn) else {
            return;
        };
        sim.shifting = false;
        match ended {
            Ended::Succeeded => {
                let primary = &mut sim.deployments[0];
                primary.running = primary.desired;
                primary.rollout_state = "COMPLETED";
                primary.reason = format!("ECS deployment {} completed.", primary.id);
                sim.deployments.truncate(1);
                if routed && source.is_some() {
                    sim.serving_alternate = !sim.serving_alternate;
                }
                let name = sim.name.clone();
                sim.event(&format!("(service {name}) has reached a steady state."));
            }
            Ended::RolledBack => {
                sim.revision = source;
                if sim.deployments.len() >= 2 {
                    sim.deployments[0].outcome = RolloutOutcome::Completes;
                    self.deployments_started +=
                        sim.roll_back(started, "ECS service deployment rollback");
                    if let Some(sim) = self.services.get_mut(&service_arn) {
                        let back = &mut sim.deployments[0];
                        back.running = back.desired;
                        back.rollout_state = "COMPLETED";
                        sim.deployments.truncate(1);
                    }
                }
            }
        }
    }
}
