//! CodeStar Connections, which moto does not have, served here (JSON 1.0,
//! `CodeStar_connections_20191201.*`). As on AWS, a new connection is
//! `PENDING` until the Git host's owner approves it in the console:
//! [`super::SimulationProxy::approve_connection`] plays that click.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::message::{Request, Response};

const ACCOUNT: &str = "123456789012";
const JSON_1_0: &str = "application/x-amz-json-1.0";

#[derive(Debug, Default)]
pub(super) struct Connections {
    /// By ARN.
    items: BTreeMap<String, Connection>,
    made: u64,
}

#[derive(Debug)]
struct Connection {
    name: String,
    provider: String,
    status: &'static str,
    tags: Vec<Value>,
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        JSON_1_0,
        &json!({ "__type": code, "message": message }),
    )
}

impl Connections {
    pub(super) fn handle(&mut self, operation: &str, request: &Request, region: &str) -> Response {
        let body = request.json();
        let arn_of = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
        match operation {
            "CreateConnection" => {
                let name = body["ConnectionName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let provider = body["ProviderType"].as_str().unwrap_or_default().to_owned();
                if name.is_empty() || provider.is_empty() {
                    return error(
                        400,
                        "ValidationException",
                        "ConnectionName and ProviderType are required",
                    );
                }
                self.made += 1;
                let arn = format!(
                    "arn:aws:codestar-connections:{region}:{ACCOUNT}:connection/{:08x}-0000-4000-8000-{:012x}",
                    self.made, self.made
                );
                let tags = body["Tags"].as_array().cloned().unwrap_or_default();
                self.items.insert(
                    arn.clone(),
                    Connection {
                        name,
                        provider,
                        status: "PENDING",
                        tags: tags.clone(),
                    },
                );
                Response::json(
                    200,
                    JSON_1_0,
                    &json!({ "ConnectionArn": arn, "Tags": tags }),
                )
            }
            "ListConnections" => {
                let filter = body["ProviderTypeFilter"].as_str();
                let connections: Vec<Value> = self
                    .items
                    .iter()
                    .filter(|(_, c)| filter.is_none_or(|f| f == c.provider))
                    .map(|(arn, c)| describe(arn, c))
                    .collect();
                Response::json(200, JSON_1_0, &json!({ "Connections": connections }))
            }
            "GetConnection" => match self.items.get(&arn_of("ConnectionArn")) {
                Some(c) => Response::json(
                    200,
                    JSON_1_0,
                    &json!({ "Connection": describe(&arn_of("ConnectionArn"), c) }),
                ),
                None => error(400, "ResourceNotFoundException", "no such connection"),
            },
            "ListTagsForResource" => match self.items.get(&arn_of("ResourceArn")) {
                Some(c) => Response::json(200, JSON_1_0, &json!({ "Tags": c.tags })),
                None => error(400, "ResourceNotFoundException", "no such connection"),
            },
            "TagResource" => match self.items.get_mut(&arn_of("ResourceArn")) {
                Some(c) => {
                    for tag in body["Tags"].as_array().into_iter().flatten() {
                        c.tags.retain(|t| t["Key"] != tag["Key"]);
                        c.tags.push(tag.clone());
                    }
                    Response::json(200, JSON_1_0, &json!({}))
                }
                None => error(400, "ResourceNotFoundException", "no such connection"),
            },
            "DeleteConnection" => match self.items.remove(&arn_of("ConnectionArn")) {
                Some(_) => Response::json(200, JSON_1_0, &json!({})),
                None => error(400, "ResourceNotFoundException", "no such connection"),
            },
            other => error(
                400,
                "InvalidAction",
                &format!("the simulation does not serve CodeStar Connections' {other}"),
            ),
        }
    }

    /// The owner's approval in the console: `PENDING` becomes `AVAILABLE`.
    pub(super) fn approve(&mut self, name: &str) -> bool {
        let mut found = false;
        for connection in self.items.values_mut().filter(|c| c.name == name) {
            connection.status = "AVAILABLE";
            found = true;
        }
        found
    }
}

fn describe(arn: &str, c: &Connection) -> Value {
    json!({
        "ConnectionName": c.name,
        "ConnectionArn": arn,
        "ProviderType": c.provider,
        "OwnerAccountId": ACCOUNT,
        "ConnectionStatus": c.status,
    })
}

impl super::simulated::Simulated for Connections {
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "codestar-connections"
    }

    fn serve(&mut self, call: &super::simulated::Call<'_>) -> Option<std::io::Result<Response>> {
        Some(Ok(self.handle(
            call.name(),
            call.request,
            &call.upstream.region,
        )))
    }
}
