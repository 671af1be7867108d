//! HTTP/1.1 messages as the proxy sees them: one request and one answer per
//! connection.

use std::fmt::Write as _;
use std::io::Read as _;
use std::net::TcpStream;

/// One request: its head (as sent) and body.
pub(super) struct Request {
    pub head: String,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    pub fn method(&self) -> &str {
        self.head.split_whitespace().next().unwrap_or("")
    }

    /// The request target, query string included.
    pub fn target(&self) -> &str {
        self.head.split_whitespace().nth(1).unwrap_or("")
    }

    pub fn path(&self) -> &str {
        self.target().split('?').next().unwrap_or("")
    }

    /// The values of query parameter `name`, percent-decoded.
    pub fn query(&self, name: &str) -> Vec<String> {
        self.target()
            .split_once('?')
            .map_or("", |(_, query)| query)
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(key, _)| *key == name)
            .map(|(_, value)| percent_decode(value))
            .collect()
    }

    /// Field `index` of the `SigV4` credential scope,
    /// `Credential=AKID/date/region/service/aws4_request`.
    fn scope(&self, index: usize) -> Option<&str> {
        self.header("authorization")
            .and_then(|auth| auth.split("Credential=").nth(1))
            .and_then(|credential| credential.split(['/', ',']).nth(index))
    }

    pub fn service(&self) -> String {
        self.scope(3).unwrap_or("unknown").to_owned()
    }

    pub fn region(&self) -> String {
        self.scope(2).unwrap_or("us-east-1").to_owned()
    }

    /// The operation of a JSON (`X-Amz-Target`) or query (`Action=`) call,
    /// or of a Route 53 REST call (by its HTTP binding); for other REST
    /// calls, the method and path.
    pub fn operation(&self) -> String {
        if let Some(target) = self.header("x-amz-target") {
            return target.rsplit('.').next().unwrap_or(target).to_owned();
        }
        let form = String::from_utf8_lossy(&self.body);
        if let Some(action) = form
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
        {
            return action.to_owned();
        }
        let path = self.path().split('?').next().unwrap_or_default().to_owned();
        if self.service() == "route53"
            && let Some(operation) = route53_operation(self.method(), &path)
        {
            return operation.to_owned();
        }
        if self.service() == "s3" {
            return s3_operation(self.method(), &path, self.target()).to_owned();
        }
        format!("{} {path}", self.method())
    }

    /// The body as JSON, or `null`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// A field of a form-encoded (query protocol) body.
    pub fn form(&self, name: &str) -> Option<String> {
        String::from_utf8_lossy(&self.body)
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| percent_decode(value))
    }

    /// Every field of a form-encoded body, decoded; empty when the body is
    /// not a form.
    pub fn form_fields(&self) -> serde_json::Map<String, serde_json::Value> {
        if !self
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
        {
            return serde_json::Map::new();
        }
        String::from_utf8_lossy(&self.body)
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(key, value)| {
                (
                    percent_decode(key),
                    serde_json::Value::from(percent_decode(value)),
                )
            })
            .collect()
    }

    pub fn read(stream: &mut TcpStream) -> std::io::Result<Request> {
        let mut buffer = Vec::new();
        let mut chunk = [0_u8; 8192];
        let head_end = loop {
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buffer.extend_from_slice(&chunk[..n]);
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut request = Request {
            head,
            body: buffer[head_end..].to_vec(),
        };
        let length: usize = request
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while request.body.len() < length {
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            request.body.extend_from_slice(&chunk[..n]);
        }
        Ok(request)
    }
}

/// An answer: status, head lines (status line excluded) and body.
#[derive(Debug, Clone)]
pub(super) struct Response {
    pub status: u16,
    status_line: String,
    headers: Vec<String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            status_line: format!("HTTP/1.1 {status} {}", reason(status)),
            headers: headers.iter().map(|(k, v)| format!("{k}: {v}")).collect(),
            body: body.into(),
        }
    }

    /// A JSON answer with `content_type`.
    pub fn json(status: u16, content_type: &str, body: &serde_json::Value) -> Response {
        Response::new(status, &[("Content-Type", content_type)], body.to_string())
    }

    /// Parses an answer read to the end of its connection. A chunked answer
    /// is kept as it came (nothing here rewrites one).
    pub fn parse(bytes: &[u8]) -> Option<Response> {
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&bytes[..split]);
        let mut lines = head.split("\r\n");
        let status_line = lines.next()?.to_owned();
        let status = status_line.split_whitespace().nth(1)?.parse().ok()?;
        Some(Response {
            status,
            status_line,
            headers: lines.map(str::to_owned).collect(),
            body: bytes[split + 4..].to_vec(),
        })
    }

    /// Each header as (name, value).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim(), value.trim()))
        })
    }

    pub fn is_chunked(&self) -> bool {
        self.headers.iter().any(|line| {
            let line = line.to_ascii_lowercase();
            line.starts_with("transfer-encoding:") && line.contains("chunked")
        })
    }

    /// The body as JSON, when the answer is a 200 with a JSON body.
    pub fn ok_json(&self) -> Option<serde_json::Value> {
        if self.status != 200 || self.is_chunked() {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }

    pub fn set_body(&mut self, body: impl Into<Vec<u8>>) {
        self.body = body.into();
    }

    /// An error in the protocol `service` speaks, as AWS sends it: EC2's
    /// `<Response><Errors>` XML, the query services' `<ErrorResponse>`,
    /// the JSON services' `__type`, and REST-JSON's `x-amzn-ErrorType`.
    pub fn aws_error(
        request: &Request,
        service: &str,
        status: u16,
        code: &str,
        message: &str,
    ) -> Response {
        let request_id = ("x-amzn-RequestId", "simulated");
        let message = xml_escape(message);
        if service == "ec2" {
            return Response::new(
                status,
                &[("Content-Type", "text/xml")],
                format!(
                    "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>simulated</RequestID></Response>"
                ),
            );
        }
        if request.header("x-amz-target").is_some() {
            return Response::json(
                status,
                "application/x-amz-json-1.1",
                &serde_json::json!({ "__type": code, "message": xml_unescape(&message) }),
            );
        }
        let form = request
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        if form || service == "route53" {
            return Response::new(
                status,
                &[("Content-Type", "text/xml"), request_id],
                format!(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>simulated</RequestId></ErrorResponse>"
                ),
            );
        }
        Response::new(
            status,
            &[
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", code),
                request_id,
            ],
            serde_json::json!({ "message": xml_unescape(&message) }).to_string(),
        )
    }

    /// The bytes to send: `Content-Length` fits the body and the connection
    /// closes after it.
    pub fn into_bytes(self) -> Vec<u8> {
        let mut out = self.status_line.clone();
        out.push_str("\r\n");
        for line in &self.headers {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-length:") || lower.starts_with("connection:") {
                continue;
            }
            let _ = write!(out, "{line}\r\n");
        }
        if !self.is_chunked() {
            let _ = write!(out, "Content-Length: {}\r\n", self.body.len());
        }
        out.push_str("Connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// XML-escaped text back to plain text, for the JSON forms of an error.
pub(super) fn xml_unescape(escaped: &str) -> String {
    escaped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

pub(super) use crate::http::percent_decode;

/// The text between `open` and `close` in `text`.
pub(crate) fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// Every text between `open` and `close` in `text`.
pub(crate) fn all_between<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else { break };
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// Route 53's operations by HTTP binding (the API's REST-XML model), for
/// the ones awsdeploy and its tests call.
/// An S3 REST call's operation, from its method, whether it names an
/// object, and its subresource (`?versioning`, `?tagging`…): the calls
/// awsdeploy makes on its buckets, and `PutObject`/`GetObject`.
fn s3_operation(method: &str, path: &str, full: &str) -> &'static str {
    let query = full.split_once('?').map_or("", |(_, q)| q);
    let has = |name: &str| {
        query
            .split('&')
            .any(|pair| pair == name || pair.starts_with(&format!("{name}=")))
    };
    let object = path.trim_matches('/').contains('/');
    let sub = [
        ("encryption", "BucketEncryption"),
        ("publicAccessBlock", "PublicAccessBlock"),
        ("versioning", "BucketVersioning"),
        ("lifecycle", "BucketLifecycleConfiguration"),
        ("tagging", "BucketTagging"),
    ]
    .into_iter()
    .find(|(key, _)| has(key));
    match (method, sub, object) {
        ("GET", _, _) if has("versions") => "ListObjectVersions",
        ("POST", _, _) if has("delete") => "DeleteObjects",
        ("PUT", Some((_, "BucketEncryption")), false) => "PutBucketEncryption",
        ("PUT", Some((_, "PublicAccessBlock")), false) => "PutPublicAccessBlock",
        ("PUT", Some((_, "BucketVersioning")), false) => "PutBucketVersioning",
        ("PUT", Some((_, "BucketLifecycleConfiguration")), false) => {
            "PutBucketLifecycleConfiguration"
        }
        ("PUT", Some((_, "BucketTagging")), false) => "PutBucketTagging",
        ("GET", Some((_, "BucketEncryption")), false) => "GetBucketEncryption",
        ("GET", Some((_, "PublicAccessBlock")), false) => "GetPublicAccessBlock",
        ("GET", Some((_, "BucketVersioning")), false) => "GetBucketVersioning",
        ("GET", Some((_, "BucketLifecycleConfiguration")), false) => {
            "GetBucketLifecycleConfiguration"
        }
        ("GET", Some((_, "BucketTagging")), false) => "GetBucketTagging",
        ("PUT", None, false) => "CreateBucket",
        ("DELETE", None, false) => "DeleteBucket",
        ("HEAD", None, false) => "HeadBucket",
        ("GET", None, false) => "ListObjectsV2",
        ("PUT", _, true) => "PutObject",
        ("GET", _, true) => "GetObject",
        ("DELETE", _, true) => "DeleteObject",
        _ => "Unknown",
    }
}

fn route53_operation(method: &str, path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    Some(match (method, parts.as_slice()) {
        ("GET", ["2013-04-01", "hostedzonesbyname"]) => "ListHostedZonesByName",
        ("GET", ["2013-04-01", "hostedzone"]) => "ListHostedZones",
        ("POST", ["2013-04-01", "hostedzone"]) => "CreateHostedZone",
        ("GET", ["2013-04-01", "hostedzone", _]) => "GetHostedZone",
        ("DELETE", ["2013-04-01", "hostedzone", _]) => "DeleteHostedZone",
        ("GET", ["2013-04-01", "hostedzone", _, "rrset"]) => "ListResourceRecordSets",
        ("POST", ["2013-04-01", "hostedzone", _, "rrset"]) => "ChangeResourceRecordSets",
        ("GET", ["2013-04-01", "change", _]) => "GetChange",
        _ => return None,
    })
}
