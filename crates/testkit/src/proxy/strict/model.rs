//! Request validation against the official service models.
//!
//! botocore (installed with moto in the emulator's virtualenv) ships the
//! JSON model of every AWS service: each operation's input shape, its
//! required members, string lengths and patterns, enums, numeric ranges and
//! list sizes. AWS checks every request against these constraints before it
//! does anything and answers a violation with a validation error naming the
//! member and the rule; moto checks almost none of them. Here a request is
//! read into the shape of its operation's input (JSON body; query and EC2
//! form fields; REST URI labels, query string and JSON body) and checked:
//!
//! 1. find the model: `botocore/data/<service>/<newest version>/service-2.json.gz`;
//! 2. read the request into a JSON value shaped like the input structure;
//! 3. walk shape and value together, collecting every violation;
//! 4. answer the first few in the service's own error shape and wording
//!    ("1 validation error detected: Value 'x' at 'name' failed to satisfy
//!    constraint: Member must …").

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::{Map, Value};

use super::super::message::{Request, Response, percent_decode};

/// Where botocore's models are, found from the moto server's virtualenv
/// (`AWSDEPLOY_BOTOCORE_DATA` overrides).
pub fn models_dir(moto_server: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("AWSDEPLOY_BOTOCORE_DATA") {
        return Some(PathBuf::from(dir));
    }
    let venv = moto_server?.parent()?.parent()?;
    let lib = venv.join("lib");
    std::fs::read_dir(&lib).ok()?.flatten().find_map(|entry| {
        let data = entry.path().join("site-packages/botocore/data");
        data.is_dir().then_some(data)
    })
}

/// The models read so far, per service directory.
#[derive(Debug)]
pub struct Models {
    dir: PathBuf,
    loaded: Mutex<BTreeMap<String, Option<Arc<Value>>>>,
}

impl Models {
    pub fn new(dir: PathBuf) -> Models {
        Models {
            dir,
            loaded: Mutex::new(BTreeMap::new()),
        }
    }

    /// botocore's directory for a `SigV4` service name, when the testkit
    /// validates that service.
    fn directory(service: &str, request: &Request) -> Option<&'static str> {
        Some(match service {
            "ec2" => "ec2",
            "ecs" => "ecs",
            "ecr" => "ecr",
            "logs" => "logs",
            "dynamodb" => "dynamodb",
            "secretsmanager" => "secretsmanager",
            "acm" => "acm",
            "application-autoscaling" => "application-autoscaling",
            "rds" => "rds",
            "iam" => "iam",
            "sts" => "sts",
            "amplify" => "amplify",
            "route53" => "route53",
            "monitoring" => "cloudwatch",
            "sns" => "sns",
            // Classic load balancers share the signing name; awsdeploy
            // speaks version 2015-12-01, elbv2.
            "elasticloadbalancing" if request.form("Version").as_deref() == Some("2015-12-01") => {
                "elbv2"
            }
            _ => return None,
        })
    }

    /// The model of the service a request is signed for, when the testkit
    /// knows it.
    pub fn of(&self, service: &str, request: &Request) -> Option<Arc<Value>> {
        self.model(Models::directory(service, request)?)
    }

    fn model(&self, directory: &str) -> Option<Arc<Value>> {
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        loaded
            .entry(directory.to_owned())
            .or_insert_with(|| read_model(&self.dir.join(directory)).map(Arc::new))
            .clone()
    }

    /// The validation error AWS would answer `request` with, if any.
    pub fn check(&self, service: &str, operation: &str, request: &Request) -> Option<Response> {
        let directory = Models::directory(service, request)?;
        let model = self.model(directory)?;
        let op = &model["operations"][operation];
        let input = op["input"]["shape"].as_str()?;
        let protocol = model["metadata"]["protocol"].as_str().unwrap_or("");
        let shapes = &model["shapes"];
        let value = match protocol {
            // RPC v2 CBOR requests are JSON ones by now (`proxy::cbor`).
            "json" | "smithy-rpc-v2-cbor" => request.json(),
            "query" | "ec2" => {
                let form = form_fields(&request.body);
                from_form(shapes, input, "", &form, protocol == "ec2").unwrap_or_default()
            }
            "rest-json" | "rest-xml" => from_rest(shapes, input, op, request, protocol),
            _ => return None,
        };
        let mut problems = Vec::new();
        Checker {
            shapes,
            problems: &mut problems,
            skip_body: protocol == "rest-xml",
        }
        .check(input, &value, "");
        if problems.is_empty() {
            return None;
        }
        let (code, status) = match (protocol, service) {
            ("ec2", _) | ("query", "rds") => ("InvalidParameterValue", 400),
            ("query" | "rest-xml", _) => ("ValidationError", 400),
            // API Gateway-fronted services answer their own shape.
            ("rest-json", "amplify") => ("BadRequestException", 400),
            _ => ("ValidationException", 400),
        };
        let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
        let message = format!(
            "{} validation error{} detected: {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            shown.join("; ")
        );
        Some(Response::aws_error(
            request, service, status, code, &message,
        ))
    }
}

/// The newest `service-2.json(.gz)` under a service's directory.
fn read_model(service_dir: &Path) -> Option<Value> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir(service_dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    versions.sort();
    let newest = versions.pop()?;
    let plain = newest.join("service-2.json");
    let bytes = if plain.exists() {
        std::fs::read(plain).ok()?
    } else {
        let file = std::fs::File::open(newest.join("service-2.json.gz")).ok()?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut bytes)
            .ok()?;
        bytes
    };
    serde_json::from_slice(&bytes).ok()
}

fn form_fields(body: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The form fields under `prefix` read as `shape` (query protocol:
/// `Name.member.N` lists unless flattened, `Name.entry.N.key` maps; EC2:
/// `Name.N` lists, names from `queryName` or the capitalised
/// `locationName`). `None` when nothing is there.
fn from_form(
    shapes: &Value,
    shape: &str,
    prefix: &str,
    form: &BTreeMap<String, String>,
    ec2: bool,
) -> Option<Value> {
    let definition = &shapes[shape];
    match definition["type"].as_str().unwrap_or("") {
        "structure" => {
            let mut out = Map::new();
            for (name, member) in definition["members"].as_object()? {
                let key = if ec2 {
                    member["queryName"].as_str().map_or_else(
                        || capitalize(member["locationName"].as_str().unwrap_or(name)),
                        str::to_owned,
                    )
                } else {
                    member["locationName"].as_str().unwrap_or(name).to_owned()
                };
                let target = member["shape"].as_str().unwrap_or("");
                if let Some(value) = from_form(shapes, target, &join(prefix, &key), form, ec2) {
                    out.insert(name.clone(), value);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        "list" => {
            let member = &definition["member"];
            let item_prefix = if ec2 || definition["flattened"] == Value::Bool(true) {
                prefix.to_owned()
            } else {
                join(prefix, member["locationName"].as_str().unwrap_or("member"))
            };
            let target = member["shape"].as_str().unwrap_or("");
            let mut items = Vec::new();
            for n in 1.. {
                match from_form(shapes, target, &format!("{item_prefix}.{n}"), form, ec2) {
                    Some(item) => items.push(item),
                    None => break,
                }
            }
            if items.is_empty() && form.get(prefix).is_none_or(|v| !v.is_empty()) {
                return None;
            }
            Some(Value::Array(items))
        }
        "map" => {
            let mut out = Map::new();
            let key_name = definition["key"]["locationName"].as_str().unwrap_or("key");
            let value_name = definition["value"]["locationName"]
                .as_str()
                .unwrap_or("value");
            let value_shape = definition["value"]["shape"].as_str().unwrap_or("");
            for n in 1.. {
                let entry = join(prefix, &format!("entry.{n}"));
                let Some(key) = form.get(&join(&entry, key_name)) else {
                    break;
                };
                let value = from_form(shapes, value_shape, &join(&entry, value_name), form, ec2);
                out.insert(key.clone(), value.unwrap_or(Value::Null));
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        kind => form.get(prefix).map(|text| scalar(kind, text)),
    }
}

/// A form or URI value as its shape's JSON type.
fn scalar(kind: &str, text: &str) -> Value {
    match kind {
        "integer" | "long" => text
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.to_owned()), Value::from),
        "boolean" => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_owned()),
        },
        _ => Value::String(text.to_owned()),
    }
}

/// A REST request read into its input shape: URI labels by the
/// operation's `requestUri`, query-string members, and (REST-JSON) the
/// JSON body's members.
fn from_rest(shapes: &Value, input: &str, op: &Value, request: &Request, protocol: &str) -> Value {
    let template = op["http"]["requestUri"].as_str().unwrap_or("");
    let template_path = template.split('?').next().unwrap_or("");
    let mut labels = BTreeMap::new();
    let actual: Vec<&str> = request.path().trim_matches('/').split('/').collect();
    for (index, part) in template_path.trim_matches('/').split('/').enumerate() {
        if let Some(label) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            let label = label.trim_end_matches('+');
            if let Some(value) = actual.get(index) {
                labels.insert(label.to_owned(), percent_decode(value));
            }
        }
    }
    let body = if protocol == "rest-json" {
        request.json()
    } else {
        Value::Null
    };
    let mut out = Map::new();
    for (name, member) in shapes[input]["members"].as_object().into_iter().flatten() {
        let location_name = member["locationName"].as_str().unwrap_or(name);
        let kind = shapes[member["shape"].as_str().unwrap_or("")]["type"]
            .as_str()
            .unwrap_or("");
        let value = match member["location"].as_str() {
            Some("uri") => labels.get(location_name).map(|v| scalar(kind, v)),
            Some("querystring") => request
                .query(location_name)
                .into_iter()
                .next()
                .map(|v| scalar(kind, &v)),
            Some("header") => request.header(location_name).map(|v| scalar(kind, v)),
            _ => body.get(location_name).cloned(),
        };
        if let Some(value) = value {
            out.insert(name.clone(), value);
        }
    }
    Value::Object(out)
}

/// Patterns compiled once; `None` for one the regex crate cannot read.
fn pattern(text: &str) -> Option<regex::Regex> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(text.to_owned())
        .or_insert_with(|| regex::Regex::new(&format!("^(?:{text})$")).ok())
        .clone()
}

struct Checker<'a> {
    shapes: &'a Value,
    problems: &'a mut Vec<String>,
    /// REST-XML bodies are not read: their members are not checked.
    skip_body: bool,
}

impl Checker<'_> {
    fn fail(&mut self, value: &Value, path: &str, rule: &str) {
        let shown = match value {
            Value::Null => "null".to_owned(),
            Value::String(s) => format!("'{s}'"),
            other => format!("'{other}'"),
        };
        self.problems.push(format!(
            "Value {shown} at '{path}' failed to satisfy constraint: Member must {rule}"
        ));
    }

    fn check(&mut self, shape: &str, value: &Value, path: &str) {
        let definition = &self.shapes[shape];
        let kind = definition["type"].as_str().unwrap_or("");
        match (kind, value) {
            ("structure", Value::Object(fields)) => self.structure(definition, fields, path),
            ("list", Value::Array(items)) => {
                self.size(definition, value, items.len(), path);
                let member = definition["member"]["shape"].as_str().unwrap_or("");
                for (index, item) in items.iter().enumerate() {
                    self.check(member, item, &format!("{path}.{}.member", index + 1));
                }
            }
            ("map", Value::Object(entries)) => {
                self.size(definition, value, entries.len(), path);
                let key_shape = definition["key"]["shape"].as_str().unwrap_or("");
                let value_shape = definition["value"]["shape"].as_str().unwrap_or("");
                for (key, item) in entries {
                    self.check(
                        key_shape,
                        &Value::String(key.clone()),
                        &format!("{path}.key"),
                    );
                    self.check(value_shape, item, &format!("{path}.{key}.value"));
                }
            }
            ("string", Value::String(text)) => self.string(definition, value, text, path),
            ("integer" | "long", Value::Number(number)) => {
                let Some(number) = number.as_f64() else {
                    return;
                };
                if let Some(min) = definition["min"].as_f64()
                    && number < min
                {
                    self.fail(
                        value,
                        path,
                        &format!("have value greater than or equal to {min}"),
                    );
                }
                if let Some(max) = definition["max"].as_f64()
                    && number > max
                {
                    self.fail(
                        value,
                        path,
                        &format!("have value less than or equal to {max}"),
                    );
                }
            }
            _ => {}
        }
    }

    fn structure(&mut self, definition: &Value, fields: &Map<String, Value>, path: &str) {
        let members = &definition["members"];
        for required in definition["required"].as_array().into_iter().flatten() {
            let Some(name) = required.as_str() else {
                continue;
            };
            let in_body = members[name]["location"].is_null();
            if self.skip_body && in_body {
                continue;
            }
            if fields.get(name).is_none_or(Value::is_null) {
                self.fail(&Value::Null, &join(path, &lower_first(name)), "not be null");
            }
        }
        for (name, value) in fields {
            let member = &members[name.as_str()];
            let Some(shape) = member["shape"].as_str() else {
                continue;
            };
            if self.skip_body && member["location"].is_null() {
                continue;
            }
            self.check(shape, value, &join(path, &lower_first(name)));
        }
    }

    fn size(&mut self, definition: &Value, value: &Value, size: usize, path: &str) {
        let size = f64::from(u32::try_from(size).unwrap_or(u32::MAX));
        if let Some(min) = definition["min"].as_f64()
            && size < min
        {
            self.fail(
                value,
                path,
                &format!("have length greater than or equal to {min}"),
            );
        }
        if let Some(max) = definition["max"].as_f64()
            && size > max
        {
            self.fail(
                value,
                path,
                &format!("have length less than or equal to {max}"),
            );
        }
    }

    fn string(&mut self, definition: &Value, value: &Value, text: &str, path: &str) {
        self.size(definition, value, text.chars().count(), path);
        if let Some(allowed) = definition["enum"].as_array() {
            if !allowed.iter().any(|a| a.as_str() == Some(text)) {
                let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                self.fail(
                    value,
                    path,
                    &format!("satisfy enum value set: [{}]", names.join(", ")),
                );
            }
        }
        if let Some(source) = definition["pattern"].as_str()
            && let Some(regex) = pattern(source)
            && !regex.is_match(text)
        {
            self.fail(
                value,
                path,
                &format!("satisfy regular expression pattern: {source}"),
            );
        }
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}
