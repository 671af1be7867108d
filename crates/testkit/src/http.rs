//! A minimal HTTP/1.1 client for the emulator's admin endpoints and for
//! upload URLs, so the testkit needs no HTTP library.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::time::Duration;

/// Sends `method path` with an empty body and returns the status code.
pub fn request(addr: SocketAddr, method: &str, path: &str) -> std::io::Result<u16> {
    send(addr, method, path, &[])
}

fn send(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let head = String::from_utf8_lossy(&response);
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {head:.80}")))
}

/// `PUT`s `body` to an `http://host:port/path` URL (an upload URL the
/// simulated Amplify handed out, say) and returns the status code.
pub fn put(url: &str, body: &[u8]) -> std::io::Result<u16> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("not an http:// URL: {url}"),
        )
    })?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let addr = authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("{authority} resolves to nothing")))?;
    send(addr, "PUT", if path.is_empty() { "/" } else { path }, body)
}

/// Decodes `%XX` escapes (URL paths, query strings, IAM's policy
/// documents); anything else is kept as it is.
pub fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}
