//! A tiny HTTP/1.1 server on 127.0.0.1:0 that plays scripted replies byte for byte and records the
//! requests it received. Each connection gets the next reply; bodies go out with chunked transfer
//! encoding, one chunk per write, as the providers' own servers send them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// One piece of a reply body.
#[derive(Debug, Clone)]
pub enum Part {
    /// Written as one chunk, then flushed.
    Bytes(Vec<u8>),
    /// A pause between writes.
    Delay(Duration),
    /// The connection is dropped here, without the chunked terminator.
    Cut,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub head_delay: Duration,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub parts: Vec<Part>,
}

impl Reply {
    /// A 200 event stream of `body` written in pieces of `piece` bytes, a millisecond apart.
    pub fn sse(body: &str, piece: usize) -> Self {
        let mut parts = Vec::new();
        for bytes in body.as_bytes().chunks(piece) {
            parts.push(Part::Bytes(bytes.to_vec()));
            parts.push(Part::Delay(Duration::from_millis(1)));
        }
        Self {
            head_delay: Duration::ZERO,
            status: 200,
            headers: vec![header("content-type", "text/event-stream")],
            parts,
        }
    }

    /// A plain reply with `status` and a JSON body.
    pub fn status(status: u16, body: &str) -> Self {
        Self {
            head_delay: Duration::ZERO,
            status,
            headers: vec![header("content-type", "application/json")],
            parts: vec![Part::Bytes(body.as_bytes().to_vec())],
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push(header(name, value));
        self
    }

    /// Waits before anything of the body.
    pub fn body_delayed(mut self, wait: Duration) -> Self {
        self.parts.insert(0, Part::Delay(wait));
        self
    }

    /// Waits before even the status line.
    pub fn head_delayed(mut self, wait: Duration) -> Self {
        self.head_delay = wait;
        self
    }

    pub fn then(mut self, part: Part) -> Self {
        self.parts.push(part);
        self
    }
}

fn header(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: HashMap<String, String>,
    pub body: serde_json::Value,
    pub at: Instant,
}

#[derive(Debug)]
pub struct TestServer {
    pub base: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    pub async fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
        let base = format!("http://{}", listener.local_addr().expect("bound address"));
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let replies = Arc::new(Mutex::new(VecDeque::from(replies)));
        let log = Arc::clone(&recorded);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let reply = replies.lock().expect("replies").pop_front();
                let reply = reply.unwrap_or_else(|| Reply::status(599, r#"{"error":"no reply scripted"}"#));
                tokio::spawn(serve(socket, reply, Arc::clone(&log)));
            }
        });
        Self { base, recorded }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().expect("log").clone()
    }
}

async fn serve(mut socket: TcpStream, reply: Reply, log: Arc<Mutex<Vec<Recorded>>>) {
    socket.set_nodelay(true).expect("nodelay");
    let Some(request) = read_request(&mut socket).await else { return };
    log.lock().expect("log").push(request);
    tokio::time::sleep(reply.head_delay).await;
    let mut head = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    for part in reply.parts {
        match part {
            Part::Bytes(bytes) => {
                let mut frame = format!("{:x}\r\n", bytes.len()).into_bytes();
                frame.extend_from_slice(&bytes);
                frame.extend_from_slice(b"\r\n");
                // The client may hang up early (a timeout, a fallback); that ends this reply.
                if socket.write_all(&frame).await.is_err() || socket.flush().await.is_err() {
                    return;
                }
            }
            Part::Delay(wait) => tokio::time::sleep(wait).await,
            Part::Cut => return,
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let _ = socket.shutdown().await;
}

async fn read_request(socket: &mut TcpStream) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let mut piece = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let read = socket.read(&mut piece).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&piece[..read]);
    };
    let at = Instant::now();
    let head = String::from_utf8(buffer[..head_end].to_vec()).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = socket.read(&mut piece).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&piece[..read]);
    }
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    Some(Recorded { method, target, headers, body, at })
}
