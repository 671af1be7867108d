//! Calls the proxy makes to the emulator on its own behalf: reading a task
//! definition, writing a simulated task's log lines.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::message::{Request, Response, all_between, between};

/// Where the proxy sends each service's calls: the emulator (moto), or,
/// in the LocalStack lane, LocalStack for the services it is given
/// ([`crate::localstack::BESIDE_MOTO`], [`crate::localstack::SERVED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routes {
    pub emulator: SocketAddr,
    /// LocalStack's address and the `SigV4` services it answers.
    pub localstack: Option<(SocketAddr, &'static [&'static str])>,
}

impl Routes {
    /// The address that answers `service` (a `SigV4` service name).
    pub fn addr(&self, service: &str) -> SocketAddr {
        match self.localstack {
            Some((localstack, services)) if services.contains(&service) => localstack,
            _ => self.emulator,
        }
    }
}

impl From<SocketAddr> for Routes {
    fn from(emulator: SocketAddr) -> Routes {
        Routes {
            emulator,
            localstack: None,
        }
    }
}

/// The emulators, as reached for one request's region.
pub(super) struct Upstream {
    pub routes: Routes,
    pub region: String,
}

impl Upstream {
    /// Sends `request` as one `Connection: close` exchange, to whichever
    /// emulator answers its service.
    pub fn forward(&self, request: &Request) -> std::io::Result<Vec<u8>> {
        let head: String = request
            .head
            .split("\r\n")
            .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
            .collect::<Vec<_>>()
            .join("\r\n");
        let head = head.trim_end_matches("\r\n").to_owned() + "\r\nConnection: close\r\n\r\n";
        self.exchange(&request.service(), head.as_bytes(), &request.body)
    }

    fn exchange(&self, service: &str, head: &[u8], body: &[u8]) -> std::io::Result<Vec<u8>> {
        let addr = self.routes.addr(service);
        let mut server = TcpStream::connect(addr)?;
        if self.routes.localstack.is_some_and(|(at, _)| at == addr) {
            server.write_all(crate::localstack::as_moto_account(head).as_bytes())?;
        } else {
            server.write_all(head)?;
        }
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
            addr = self.routes.addr(service),
            region = self.region,
            length = body.len(),
        );
        let bytes = self.exchange(service, head.as_bytes(), body.as_bytes())?;
        let response = Response::parse(&bytes)
            .ok_or_else(|| std::io::Error::other("the emulator's answer is not HTTP"))?;
        let json = serde_json::from_slice(&response.body).unwrap_or_default();
        Ok((response.status, json))
    }

    /// A query-protocol call (EC2, `ELBv2`, RDS, IAM): `form` is the body
    /// after `Action=…&Version=…`; answered with the status and the XML.
    pub fn query(&self, service: &str, form: &str) -> std::io::Result<(u16, String)> {
        let head = format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {length}\r\nConnection: close\r\n\r\n",
            addr = self.routes.addr(service),
            region = self.region,
            length = form.len(),
        );
        let bytes = self.exchange(service, head.as_bytes(), form.as_bytes())?;
        let response = Response::parse(&bytes)
            .ok_or_else(|| std::io::Error::other("the emulator's answer is not HTTP"))?;
        Ok((
            response.status,
            String::from_utf8_lossy(&response.body).into_owned(),
        ))
    }

    /// A REST call (Route 53) without a body: the status and the XML.
    pub fn rest_get(&self, service: &str, path: &str) -> std::io::Result<(u16, String)> {
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            addr = self.routes.addr(service),
            region = self.region,
        );
        let bytes = self.exchange(service, head.as_bytes(), &[])?;
        let response = Response::parse(&bytes)
            .ok_or_else(|| std::io::Error::other("the emulator's answer is not HTTP"))?;
        Ok((
            response.status,
            String::from_utf8_lossy(&response.body).into_owned(),
        ))
    }

    /// The availability zone of each of `subnets` that EC2 knows.
    pub fn subnet_zones(&self, subnets: &[String]) -> BTreeMap<String, String> {
        let mut form = "Action=DescribeSubnets&Version=2016-11-15".to_owned();
        for (n, subnet) in subnets.iter().enumerate() {
            let _ = write!(form, "&SubnetId.{}={subnet}", n + 1);
        }
        let Ok((200, xml)) = self.query("ec2", &form) else {
            return BTreeMap::new();
        };
        xml.split("<item>")
            .filter_map(|item| {
                let id = between(item, "<subnetId>", "</subnetId>")?;
                let zone = between(item, "<availabilityZone>", "</availabilityZone>")?;
                Some((id.to_owned(), zone.to_owned()))
            })
            .collect()
    }

    /// Whether a DNS record of `name` (any type) exists in some hosted
    /// zone: what verification of a certificate or domain looks for.
    pub fn dns_record_exists(&self, name: &str) -> bool {
        let wanted = name.trim_end_matches('.').to_ascii_lowercase();
        let Ok((200, zones)) = self.rest_get("route53", "/2013-04-01/hostedzone") else {
            return false;
        };
        for zone in all_between(&zones, "<Id>", "</Id>") {
            let id = zone.rsplit('/').next().unwrap_or(zone);
            let Ok((200, records)) =
                self.rest_get("route53", &format!("/2013-04-01/hostedzone/{id}/rrset"))
            else {
                continue;
            };
            if all_between(&records, "<Name>", "</Name>")
                .iter()
                .any(|n| n.trim_end_matches('.').eq_ignore_ascii_case(&wanted))
            {
                return true;
            }
        }
        false
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
