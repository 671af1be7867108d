//! Calls the proxy makes to the emulator on its own behalf: reading a task
//! definition, writing a simulated task's log lines.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};

use serde_json::Value;

use super::message::{Request, Response};

/// The emulator, as reached for one request's region.
pub(super) struct Upstream {
    pub addr: SocketAddr,
    pub region: String,
}

impl Upstream {
    /// Sends `request` as one `Connection: close` exchange.
    pub fn forward(&self, request: &Request) -> std::io::Result<Vec<u8>> {
        let head: String = request
            .head
            .split("\r\n")
            .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
            .collect::<Vec<_>>()
            .join("\r\n");
        let head = head.trim_end_matches("\r\n").to_owned() + "\r\nConnection: close\r\n\r\n";
        self.exchange(head.as_bytes(), &request.body)
    }

    fn exchange(&self, head: &[u8], body: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut server = TcpStream::connect(self.addr)?;
        server.write_all(head)?;
        server.write_all(body)?;
        let mut response = Vec::new();
        server.read_to_end(&mut response)?;
        Ok(response)
    }

    /// A JSON-protocol call (`X-Amz-Target: {target_prefix}.{operation}`)
    /// to `service`, answered with its status and JSON body. The emulator
    /// takes the region from the credential scope and checks no signature.
    pub fn json(
        &self,
        service: &str,
        target_prefix: &str,
        operation: &str,
        body: &Value,
    ) -> std::io::Result<(u16, Value)> {
        let body = body.to_string();
        let head = format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
             X-Amz-Target: {target_prefix}.{operation}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {length}\r\nConnection: close\r\n\r\n",
            addr = self.addr,
            region = self.region,
            length = body.len(),
        );
        let bytes = self.exchange(head.as_bytes(), body.as_bytes())?;
        let response = Response::parse(&bytes)
            .ok_or_else(|| std::io::Error::other("the emulator's answer is not HTTP"))?;
        let json = serde_json::from_slice(&response.body).unwrap_or_default();
        Ok((response.status, json))
    }

    /// `ecs:DescribeTaskDefinition` of a family, `family:revision` or ARN.
    pub fn task_definition(&self, reference: &str) -> Option<Value> {
        let (status, body) = self
            .json(
                "ecs",
                "AmazonEC2ContainerServiceV20141113",
                "DescribeTaskDefinition",
                &serde_json::json!({ "taskDefinition": reference }),
            )
            .ok()?;
        (status == 200).then(|| body["taskDefinition"].clone())
    }

    /// A `CloudWatch` Logs call; `Err` carries the error's `__type`.
    pub fn logs(&self, operation: &str, body: &Value) -> Result<(), String> {
        match self.json("logs", "Logs_20140328", operation, body) {
            Ok((200, _)) => Ok(()),
            Ok((_, error)) => Err(error["__type"]
                .as_str()
                .unwrap_or("UnknownError")
                .rsplit('#')
                .next()
                .unwrap_or("UnknownError")
                .to_owned()),
            Err(error) => Err(error.to_string()),
        }
    }
}
