//! `CloudWatch` Logs where moto is more lenient than AWS: `FilterLogEvents`
//! honours `logStreamNamePrefix` (moto answers from every stream).

use super::message::{Request, Response};

/// Drops the events (and searched streams) outside the request's
/// `logStreamNamePrefix`, as `CloudWatch` Logs does.
pub(super) fn on_answer(operation: &str, request: &Request, response: &mut Response) {
    if operation != "FilterLogEvents" || response.status != 200 {
        return;
    }
    let Some(prefix) = request.json()["logStreamNamePrefix"]
        .as_str()
        .map(str::to_owned)
    else {
        return;
    };
    let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return;
    };
    for list in ["events", "searchedLogStreams"] {
        if let Some(items) = body[list].as_array_mut() {
            items.retain(|item| {
                item["logStreamName"]
                    .as_str()
                    .is_some_and(|name| name.starts_with(&prefix))
            });
        }
    }
    response.set_body(body.to_string());
}

/// `CloudWatch` Logs, as mended here.
#[derive(Debug, Default)]
pub(super) struct Logs;

impl super::simulated::Simulated for Logs {
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "logs"
    }

    fn on_answer(&mut self, call: &super::simulated::Call<'_>, response: &mut Response) -> bool {
        on_answer(call.name(), call.request, response);
        true
    }
}
