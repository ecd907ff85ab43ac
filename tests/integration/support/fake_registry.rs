//! A tiny HTTP/1.1 server for error-path tests: one request per connection, answers from a closure.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How to send the body.
pub enum Body {
    /// Exactly these bytes with a matching Content-Length.
    Bytes(Vec<u8>),
    /// Announce `announce` bytes, send `send`, close.
    Short { announce: u64, send: Vec<u8> },
    /// Announce `announce` bytes and send zeros until the client goes away.
    Flood { announce: u64 },
    /// Chunked zeros forever.
    Endless,
}

/// An answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Reply {
    pub fn new(status: u16, body: &[u8]) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Bytes(body.to_vec()),
        }
    }

    pub fn json(status: u16, content_type: &str, body: &[u8]) -> Reply {
        Reply::new(status, body).with("Content-Type", content_type)
    }

    pub fn with(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

/// A running fake registry.
pub struct Fake {
    /// `127.0.0.1:port`.
    pub addr: String,
    hits: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// `METHOD path` of every request, in order.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// Starts a fake answering every request with `handler(request, addr)`.
pub async fn serve<F>(handler: F) -> Fake
where
    F: Fn(&Req, &str) -> Reply + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let hits = Arc::new(AtomicUsize::new(0));
    let log = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(handler);
    let (h, l, a) = (hits.clone(), log.clone(), addr.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (handler, h, l, a) = (handler.clone(), h.clone(), l.clone(), a.clone());
            tokio::spawn(async move {
                if let Some(req) = read_request(&stream).await {
                    h.fetch_add(1, Ordering::SeqCst);
                    l.lock()
                        .unwrap()
                        .push(format!("{} {}", req.method, req.path));
                    let reply = handler(&req, &a);
                    let _ = write_reply(stream, reply).await;
                }
            });
        }
    });
    Fake { addr, hits, log }
}

async fn read_request(stream: &TcpStream) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        stream.readable().await.ok()?;
        match stream.try_read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_string();
            let path = first.next()?.to_string();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            return Some(Req {
                method,
                path,
                headers,
            });
        }
        if buf.len() > 65536 {
            return None;
        }
    }
}

async fn write_reply(mut stream: TcpStream, reply: Reply) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    match reply.body {
        Body::Bytes(bytes) => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&bytes).await?;
        }
        Body::Short { announce, send } => {
            head.push_str(&format!("Content-Length: {announce}\r\n\r\n"));
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&send).await?;
        }
        Body::Flood { announce } => {
            head.push_str(&format!("Content-Length: {announce}\r\n\r\n"));
            stream.write_all(head.as_bytes()).await?;
            let zeros = vec![0u8; 65536];
            loop {
                stream.write_all(&zeros).await?;
            }
        }
        Body::Endless => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            let mut chunk = b"10000\r\n".to_vec();
            chunk.extend(vec![0u8; 65536]);
            chunk.extend(b"\r\n");
            loop {
                stream.write_all(&chunk).await?;
            }
        }
    }
    stream.flush().await?;
    let _ = stream.shutdown().await;
    // Drain what the client may still send, so the close is clean.
    let mut sink = [0u8; 1024];
    let _ =
        tokio::time::timeout(std::time::Duration::from_millis(50), stream.read(&mut sink)).await;
    Ok(())
}
