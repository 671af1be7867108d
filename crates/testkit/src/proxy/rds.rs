//! RDS instance creation: moto makes an instance `available` at once; AWS
//! takes minutes through `creating` and `backing-up`.

use std::collections::BTreeMap;

use super::message::{Request, Response, between};

/// RDS instance states in the order AWS goes through them on creation.
const CREATION_STATES: [&str; 3] = ["creating", "backing-up", "available"];

#[derive(Debug, Default)]
pub(super) struct Rds {
    /// Describes per state, when simulated.
    pub polls: Option<usize>,
    /// Instances created through the proxy → describes answered since.
    instances: BTreeMap<String, usize>,
}

impl Rds {
    pub fn on_answer(&mut self, operation: &str, request: &Request, response: &mut Response) {
        let Some(polls) = self.polls else { return };
        if response.status != 200 {
            return;
        }
        match operation {
            "CreateDBInstance" => {
                if let Some(id) = request.form("DBInstanceIdentifier") {
                    self.instances.insert(id, 0);
                }
                rewrite_states(response, |_| Some(CREATION_STATES[0]));
            }
            "DescribeDBInstances" => rewrite_states(response, |id| {
                let seen = self.instances.get_mut(id)?;
                let index = (*seen / polls).min(CREATION_STATES.len() - 1);
                *seen += 1;
                Some(CREATION_STATES[index])
            }),
            _ => {}
        }
    }
}

/// Replaces `<DBInstanceStatus>` in each `<DBInstance>` of an RDS answer
/// with what `state_of(identifier)` says.
fn rewrite_states(response: &mut Response, mut state_of: impl FnMut(&str) -> Option<&'static str>) {
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(start) = rest.find("<DBInstance>") {
        let end = rest[start..]
            .find("</DBInstance>")
            .map_or(rest.len(), |e| start + e);
        let (before, instance, after) = (&rest[..start], &rest[start..end], &rest[end..]);
        out.push_str(before);
        let id = between(
            instance,
            "<DBInstanceIdentifier>",
            "</DBInstanceIdentifier>",
        );
        match (
            id.and_then(&mut state_of),
            between(instance, "<DBInstanceStatus>", "</DBInstanceStatus>"),
        ) {
            (Some(simulated), Some(current)) => out.push_str(&instance.replacen(
                &format!("<DBInstanceStatus>{current}</DBInstanceStatus>"),
                &format!("<DBInstanceStatus>{simulated}</DBInstanceStatus>"),
                1,
            )),
            _ => out.push_str(instance),
        }
        rest = after;
    }
    out.push_str(rest);
    response.set_body(out);
}

impl super::simulated::Simulated for Rds {
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "rds"
    }

    fn on_answer(&mut self, call: &super::simulated::Call<'_>, response: &mut Response) -> bool {
        Rds::on_answer(self, call.name(), call.request, response);
        true
    }
}
