//! S3 answers where moto's differ from AWS's: `GetBucketVersioning`'s
//! document is a `VersioningConfiguration` on AWS (S3 API reference,
//! `GetBucketVersioning`, response syntax); moto 5.2.5 names its root
//! `GetBucketVersioningResponse`, which the SDK refuses.

use super::message::Response;

pub(super) fn on_answer(operation: &str, response: &mut Response) {
    if operation == "GetBucketVersioning" && response.status == 200 {
        let body = String::from_utf8_lossy(&response.body)
            .replace("<GetBucketVersioningResponse", "<VersioningConfiguration")
            .replace(
                "</GetBucketVersioningResponse>",
                "</VersioningConfiguration>",
            );
        response.set_body(body.into_bytes());
    }
}

/// S3, as mended here.
#[derive(Debug, Default)]
pub(super) struct S3;

impl super::simulated::Simulated for S3 {
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "s3"
    }

    fn on_answer(&mut self, call: &super::simulated::Call<'_>, response: &mut Response) -> bool {
        on_answer(call.name(), response);
        true
    }
}
