//! A fault-injecting HTTP proxy between the tool and moto.
//!
//! It forwards every request unchanged (the Host header too, so SigV4
//! signatures still match) and can, per API action, fail chosen calls with
//! an HTTP 500 or 503, a throttling error or a dropped connection, or delay
//! them. It can also make newly created keys look inactive for a while, as
//! IAM's eventual consistency does, and it records every secret that
//! `CreateAccessKey` returned, for the secret-hygiene tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    Status(u16),
    Throttle,
    Drop,
    Delay(Duration),
}

#[derive(Debug, Clone)]
struct Fault {
    action: String,
    first_call: usize,
    persistent: bool,
    kind: FaultKind,
}

#[derive(Default)]
struct State {
    faults: Vec<Fault>,
    calls: HashMap<String, usize>,
    /// (action, region of the signature) of every request, in order.
    log: Vec<(String, String)>,
    inactive_for: Duration,
    new_keys: HashMap<String, Instant>,
    /// For each new key that was refused as inactive: how long after it
    /// became active the first request with it was let through.
    overshoots: Vec<Duration>,
    refused_as_inactive: usize,
    secrets: Vec<String>,
}

pub struct Proxy {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port, forwarding to `upstream`.
    pub fn start(upstream: &str) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let upstream = upstream.to_owned();
        std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(serve(listener, upstream, shared));
        });
        Self { endpoint, state }
    }

    /// Fails only the `nth` call (1-based) of `action`.
    pub fn fail_once(&self, action: &str, nth: usize, kind: FaultKind) {
        self.add(action, nth, false, kind);
    }

    /// Fails the `nth` call of `action` and every later one.
    pub fn fail_always(&self, action: &str, nth: usize, kind: FaultKind) {
        self.add(action, nth, true, kind);
    }

    fn add(&self, action: &str, first_call: usize, persistent: bool, kind: FaultKind) {
        let fault = Fault { action: action.to_owned(), first_call, persistent, kind };
        self.state.lock().unwrap().faults.push(fault);
    }

    /// Keys created through this proxy are refused as unknown for `duration`.
    pub fn keys_inactive_for(&self, duration: Duration) {
        self.state.lock().unwrap().inactive_for = duration;
    }

    /// How late after becoming active each slow key was first let through.
    pub fn activation_overshoots(&self) -> Vec<Duration> {
        self.state.lock().unwrap().overshoots.clone()
    }

    /// How many requests were refused because their key was not active yet.
    pub fn refused_as_inactive(&self) -> usize {
        self.state.lock().unwrap().refused_as_inactive
    }

    /// Every secret `CreateAccessKey` returned, rejected ones included.
    pub fn secrets(&self) -> Vec<String> {
        self.state.lock().unwrap().secrets.clone()
    }

    /// The actions seen, in order.
    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().log.iter().map(|(action, _)| action.clone()).collect()
    }

    /// The regions the calls of `action` were signed for.
    pub fn signed_regions(&self, action: &str) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state.log.iter().filter(|(a, _)| a == action).map(|(_, region)| region.clone()).collect()
    }
}

async fn serve(listener: std::net::TcpListener, upstream: String, state: Arc<Mutex<State>>) {
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (client, upstream, state) = (client.clone(), upstream.clone(), Arc::clone(&state));
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                handle(request, client.clone(), upstream.clone(), Arc::clone(&state))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

type Reply = Response<Full<Bytes>>;

async fn handle(
    request: Request<Incoming>,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    upstream: String,
    state: Arc<Mutex<State>>,
) -> Result<Reply, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let auth = header(&parts.headers, "authorization");
    let service = scope_part(&auth, 3).unwrap_or_default();
    let action = action_of(&parts.method, parts.uri.path(), parts.uri.query().unwrap_or(""), &body);

    let region = scope_part(&auth, 2).unwrap_or_default();
    let fault = decide(&state, &action, &region, scope_part(&auth, 0).as_deref());
    match fault {
        Some(Decision::Inactive) => return Ok(error_reply(&service, 403, "InvalidAccessKeyId")),
        Some(Decision::Fault(FaultKind::Status(status))) => {
            return Ok(error_reply(&service, status, "InternalError"))
        }
        Some(Decision::Fault(FaultKind::Throttle)) => {
            return Ok(error_reply(&service, 400, "Throttling"))
        }
        Some(Decision::Fault(FaultKind::Drop)) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "dropped by the proxy",
            ))
        }
        Some(Decision::Fault(FaultKind::Delay(pause))) => tokio::time::sleep(pause).await,
        None => {}
    }

    let uri = format!("{upstream}{}", parts.uri.path_and_query().map_or("/", |p| p.as_str()));
    let mut forward = Request::builder().method(parts.method).uri(uri);
    *forward.headers_mut().unwrap() = parts.headers;
    let answer = client
        .request(forward.body(Full::new(body)).unwrap())
        .await
        .map_err(std::io::Error::other)?;
    let (parts, body) = answer.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    if action == "CreateAccessKey" {
        remember_key(&state, &String::from_utf8_lossy(&body));
    }
    Ok(Response::from_parts(parts, Full::new(body)))
}

enum Decision {
    Inactive,
    Fault(FaultKind),
}

fn decide(
    state: &Mutex<State>,
    action: &str,
    region: &str,
    key_id: Option<&str>,
) -> Option<Decision> {
    let mut state = state.lock().unwrap();
    state.log.push((action.to_owned(), region.to_owned()));
    let count = state.calls.entry(action.to_owned()).or_default();
    *count += 1;
    let count = *count;
    let fault = state.faults.iter().find(|f| {
        f.action == action && (count == f.first_call || (f.persistent && count > f.first_call))
    });
    if let Some(fault) = fault {
        return Some(Decision::Fault(fault.kind));
    }
    let id = key_id?;
    let age = state.new_keys.get(id)?.elapsed();
    if age < state.inactive_for {
        state.refused_as_inactive += 1;
        return Some(Decision::Inactive);
    }
    let overshoot = age - state.inactive_for;
    if !state.inactive_for.is_zero() {
        state.new_keys.remove(id);
        state.overshoots.push(overshoot);
    }
    None
}

fn remember_key(state: &Mutex<State>, body: &str) {
    let (Some(id), Some(secret)) = (
        between(body, "<AccessKeyId>", "</AccessKeyId>"),
        between(body, "<SecretAccessKey>", "</SecretAccessKey>"),
    ) else {
        return;
    };
    let mut state = state.lock().unwrap();
    state.new_keys.insert(id.to_owned(), Instant::now());
    state.secrets.push(secret.to_owned());
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    Some(&text[from..from + text[from..].find(end)?])
}

fn header(headers: &hyper::HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// A part of the SigV4 credential scope: 0 the key id, 2 the region, 3 the service.
fn scope_part(authorization: &str, index: usize) -> Option<String> {
    let scope = between(authorization, "Credential=", ",")?;
    scope.split('/').nth(index).map(str::to_owned)
}

/// The API action of a request: `Action=` of a query-protocol form body
/// (IAM, STS), or the S3 operation its method and path stand for.
fn action_of(method: &hyper::Method, path: &str, query: &str, body: &[u8]) -> String {
    let form = String::from_utf8_lossy(body);
    if let Some(action) = form.split('&').find_map(|pair| pair.strip_prefix("Action=")) {
        return action.to_owned();
    }
    let segments = path.trim_start_matches('/').splitn(2, '/').filter(|s| !s.is_empty()).count();
    let name = match (method.as_str(), segments) {
        ("GET", 0) => "ListBuckets",
        ("HEAD", 1) => "HeadBucket",
        ("GET", 1) if query.contains("list-type=2") => "ListObjectsV2",
        ("GET", 1) => "ListObjects",
        ("PUT", 1) => "CreateBucket",
        ("GET", _) => "GetObject",
        ("PUT", _) => "PutObject",
        ("DELETE", _) => "DeleteObject",
        ("HEAD", _) => "HeadObject",
        _ => "Unknown",
    };
    name.to_owned()
}

/// An error in the shape each protocol uses: S3's `<Error>`, or the query
/// protocol's `<ErrorResponse>` for IAM and STS.
fn error_reply(service: &str, status: u16, code: &str) -> Reply {
    let code = match (service, code) {
        ("s3", "Throttling") => "SlowDown",
        (_, "InvalidAccessKeyId") if service != "s3" => "InvalidClientTokenId",
        (_, code) => code,
    };
    let status = if (service, code) == ("s3", "SlowDown") { 503 } else { status };
    let body = if service == "s3" {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error>")
    } else {
        format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected by the test proxy</Message></Error><RequestId>proxy</RequestId></ErrorResponse>")
    };
    Response::builder()
        .status(status)
        .header("content-type", "text/xml")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}
