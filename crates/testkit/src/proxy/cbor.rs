//! Smithy RPC v2 CBOR, translated to and from the JSON protocol moto
//! speaks.
//!
//! `CloudWatch`'s SDKs (the Rust one included) send `POST
//! /service/{Service}/operation/{Operation}` with a CBOR body and a
//! `smithy-protocol: rpc-v2-cbor` header, and read CBOR answers: botocore's
//! model lists `smithy-rpc-v2-cbor` first, then `json`, then `query`. moto
//! has no CBOR, but serves the same operations over `awsJson1_0`
//! (`X-Amz-Target: {Service}.{Operation}`). So the proxy turns the request
//! into that JSON one before anything else sees it (counts, faults, strict
//! rules, the emulator), and turns whatever answer comes back (the
//! emulator's, a rule's refusal, a fault) into CBOR last.
//!
//! Requests translate without the model (CBOR says what each value is).
//! Answers need it: JSON has one kind of number, CBOR several, and the SDK
//! reads a `double` only from a CBOR float and a `timestamp` only from tag
//! 1 (`aws-smithy-cbor`'s decoder). The output shape (botocore's model,
//! read as the request validation reads it) says which. See
//! <https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html>.

use std::fmt::Write as _;

use minicbor::data::{Tag, Type};
use serde_json::{Map, Number, Value};

use super::message::{Request, Response};

const PROTOCOL_HEADER: &str = "smithy-protocol";
const PROTOCOL: &str = "rpc-v2-cbor";

/// The operation a CBOR request names, with its service's name
/// (`/service/{Service}/operation/{Operation}`), when it is one.
fn route(request: &Request) -> Option<(String, String)> {
    if request.header(PROTOCOL_HEADER) != Some(PROTOCOL) {
        return None;
    }
    let path = request.path().trim_matches('/');
    let mut parts = path.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("service"), Some(service), Some("operation"), Some(operation)) => {
            Some((service.to_owned(), operation.to_owned()))
        }
        _ => None,
    }
}

/// The JSON-protocol request for a CBOR one, and the operation it calls;
/// `None` for any other request.
pub(super) fn to_json(request: &Request) -> Option<(Request, String)> {
    let (service, operation) = route(request)?;
    let body = if request.body.is_empty() {
        Value::Object(Map::new())
    } else {
        decode(&mut minicbor::Decoder::new(&request.body)).unwrap_or(Value::Null)
    }
    .to_string();
    let mut head = "POST / HTTP/1.1\r\n".to_owned();
    for line in request.head.split("\r\n").skip(1) {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if line.is_empty()
            || matches!(
                name.as_str(),
                "content-type" | "content-length" | "accept" | PROTOCOL_HEADER
            )
        {
            continue;
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    let _ = write!(
        head,
        "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: {service}.{operation}\r\nContent-Length: {}\r\n",
        body.len()
    );
    Some((
        Request {
            head,
            body: body.into_bytes(),
        },
        operation,
    ))
}

/// A JSON-protocol answer to `operation`, as CBOR: a success in the shape
/// of its output (`model`: the service's botocore model, when found), an
/// error as a map with `__type` and `message`. Bodiless answers (a 5xx)
/// stay bodiless.
pub(super) fn to_cbor(bytes: &[u8], operation: &str, model: Option<&Value>) -> Vec<u8> {
    let Some(response) = Response::parse(bytes) else {
        return bytes.to_vec();
    };
    let mut headers: Vec<(String, String)> = response
        .headers()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase();
            name.starts_with("x-amzn-") || name == "date"
        })
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    headers.push((PROTOCOL_HEADER.to_owned(), PROTOCOL.to_owned()));
    let body = if response.body.is_empty() {
        Vec::new()
    } else {
        headers.push(("Content-Type".to_owned(), "application/cbor".to_owned()));
        let json: Value = serde_json::from_slice(&response.body).unwrap_or_else(
            |_| serde_json::json!({ "message": String::from_utf8_lossy(&response.body) }),
        );
        let shapes = model.map(|m| &m["shapes"]);
        let shape = (response.status == 200)
            .then(|| model.and_then(|m| m["operations"][operation]["output"]["shape"].as_str()))
            .flatten();
        let mut encoder = minicbor::Encoder::new(Vec::new());
        encode(&mut encoder, shapes, shape, &json);
        encoder.into_writer()
    };
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    Response::new(response.status, &headers, body).into_bytes()
}

/// One CBOR data item as JSON: timestamps (tag 1) as epoch seconds, byte
/// strings as base64, null and undefined map entries left out.
fn decode(d: &mut minicbor::Decoder<'_>) -> Option<Value> {
    Some(match d.datatype().ok()? {
        Type::Bool => Value::Bool(d.bool().ok()?),
        Type::Null | Type::Undefined => {
            d.skip().ok()?;
            Value::Null
        }
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => Value::from(d.u64().ok()?),
        Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Int => Value::from(d.i64().ok()?),
        Type::F16 | Type::F32 | Type::F64 => Number::from_f64(d.f64().ok()?).map(Value::Number)?,
        Type::Tag => {
            d.tag().ok()?;
            decode(d)?
        }
        Type::String | Type::StringIndef => {
            let mut text = String::new();
            for part in d.str_iter().ok()? {
                text.push_str(part.ok()?);
            }
            Value::String(text)
        }
        Type::Bytes | Type::BytesIndef => {
            let mut bytes = Vec::new();
            for part in d.bytes_iter().ok()? {
                bytes.extend_from_slice(part.ok()?);
            }
            Value::String(base64(&bytes))
        }
        Type::Array | Type::ArrayIndef => {
            let length = d.array().ok()?;
            let mut items = Vec::new();
            while length.is_none_or(|n| items.len() < usize::try_from(n).unwrap_or(0)) {
                if length.is_none() && d.datatype().ok()? == Type::Break {
                    d.skip().ok()?;
                    break;
                }
                items.push(decode(d)?);
            }
            Value::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let length = d.map().ok()?;
            let mut fields = Map::new();
            let mut read = 0;
            while length.is_none_or(|n| read < n) {
                if length.is_none() && d.datatype().ok()? == Type::Break {
                    d.skip().ok()?;
                    break;
                }
                let key = match decode(d)? {
                    Value::String(key) => key,
                    other => other.to_string(),
                };
                let value = decode(d)?;
                if !value.is_null() {
                    fields.insert(key, value);
                }
                read += 1;
            }
            Value::Object(fields)
        }
        _ => return None,
    })
}

/// `value` as CBOR, shaped by `shape` (a botocore shape name) where the
/// model is known, by the JSON value's own kind where it is not.
fn encode(
    e: &mut minicbor::Encoder<Vec<u8>>,
    shapes: Option<&Value>,
    shape: Option<&str>,
    value: &Value,
) {
    let definition = shapes.zip(shape).map(|(s, name)| &s[name]);
    let kind = definition.and_then(|d| d["type"].as_str()).unwrap_or("");
    // Writes to a Vec cannot fail.
    let _ = match (kind, value) {
        (_, Value::Null) => e.null().map(|_| ()),
        ("timestamp", Value::Number(n)) => e
            .tag(Tag::new(1))
            .and_then(|e| e.f64(n.as_f64().unwrap_or(0.0)))
            .map(|_| ()),
        ("double" | "float", Value::Number(n)) => e.f64(n.as_f64().unwrap_or(0.0)).map(|_| ()),
        (_, Value::Number(n)) => match n.as_i64() {
            Some(i) => e.i64(i).map(|_| ()),
            None => e.f64(n.as_f64().unwrap_or(0.0)).map(|_| ()),
        },
        (_, Value::Bool(b)) => e.bool(*b).map(|_| ()),
        (_, Value::String(s)) => e.str(s).map(|_| ()),
        (_, Value::Array(items)) => {
            let member = definition.and_then(|d| d["member"]["shape"].as_str());
            let _ = e.array(items.len() as u64);
            for item in items {
                encode(e, shapes, member, item);
            }
            Ok(())
        }
        (_, Value::Object(fields)) => {
            let _ = e.map(fields.len() as u64);
            for (key, item) in fields {
                let member = match kind {
                    "map" => definition.and_then(|d| d["value"]["shape"].as_str()),
                    _ => definition.and_then(|d| d["members"][key]["shape"].as_str()),
                };
                let _ = e.str(key);
                encode(e, shapes, member, item);
            }
            Ok(())
        }
    };
}

/// Standard base64 with padding, as JSON protocols carry blobs.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_becomes_the_json_one_and_an_answer_cbor_in_its_shape() {
        let mut e = minicbor::Encoder::new(Vec::new());
        e.begin_map().unwrap();
        e.str("AlarmNames").unwrap().begin_array().unwrap();
        e.str("a").unwrap().end().unwrap();
        e.str("Threshold").unwrap().f64(80.0).unwrap();
        e.str("StartTime")
            .unwrap()
            .tag(Tag::new(1))
            .unwrap()
            .f64(1.5)
            .unwrap();
        e.str("Blob").unwrap().bytes(b"hi!").unwrap();
        e.end().unwrap();
        let body = e.into_writer();
        let request = Request {
            head: "POST /service/GraniteServiceVersion20100801/operation/DescribeAlarms HTTP/1.1\r\nsmithy-protocol: rpc-v2-cbor\r\nContent-Type: application/cbor\r\nContent-Length: 9\r\nHost: x\r\n".to_owned(),
            body,
        };
        let (json, operation) = to_json(&request).unwrap();
        assert_eq!(operation, "DescribeAlarms");
        assert_eq!(
            json.header("x-amz-target"),
            Some("GraniteServiceVersion20100801.DescribeAlarms")
        );
        assert_eq!(json.header("host"), Some("x"));
        assert_eq!(
            json.json(),
            serde_json::json!({"AlarmNames": ["a"], "Threshold": 80.0, "StartTime": 1.5, "Blob": "aGkh"})
        );

        let model = serde_json::json!({
            "operations": {"DescribeAlarms": {"output": {"shape": "Out"}}},
            "shapes": {
                "Out": {"type": "structure", "members": {
                    "Threshold": {"shape": "D"}, "When": {"shape": "T"}, "Period": {"shape": "I"}
                }},
                "D": {"type": "double"}, "T": {"type": "timestamp"}, "I": {"type": "integer"}
            }
        });
        let answer = b"HTTP/1.1 200 OK\r\nx-amzn-requestid: r\r\nContent-Type: text\r\n\r\n{\"Threshold\": 80, \"When\": 10, \"Period\": 60}";
        let cbor = Response::parse(&to_cbor(answer, "DescribeAlarms", Some(&model))).unwrap();
        let mut d = minicbor::Decoder::new(&cbor.body);
        assert_eq!(d.map().unwrap(), Some(3));
        assert_eq!(d.str().unwrap(), "Period");
        assert_eq!(d.datatype().unwrap(), Type::U8);
        d.skip().unwrap();
        assert_eq!(d.str().unwrap(), "Threshold");
        assert!(
            (d.f64().unwrap() - 80.0).abs() < f64::EPSILON,
            "a double is a float, even when JSON wrote 80"
        );
        assert_eq!(d.str().unwrap(), "When");
        assert_eq!(d.tag().unwrap(), Tag::new(1), "a timestamp is tag 1");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
