//! The test's client side: starting `d2l-rnn book-runner` on a free port,
//! raw HTTP requests with chosen headers, and waiting for it to listen.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const BOOK: &str = "http://localhost:3000";

/// An HTTP answer: status, headers (lower-case names) and body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

/// A request the runner must refuse.
pub(crate) struct Refused<'a> {
    pub(crate) what: &'a str,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) host: &'a str,
    pub(crate) origin: Option<&'a str>,
    pub(crate) content_type: &'a str,
    pub(crate) body: &'a str,
    pub(crate) status: u16,
}

pub(crate) struct Runner {
    pub(crate) child: Child,
    pub(crate) port: u16,
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts a runner and waits until it answers (the first start builds the cells' crate).
pub(crate) fn start(extra: &[&str]) -> Runner {
    let port = free_port();
    let root = env!("CARGO_MANIFEST_DIR");
    let child = Command::new(env!("CARGO_BIN_EXE_d2l-rnn"))
        .current_dir(root)
        .args(["book-runner", "--port", &port.to_string()])
        .args(["--work-dir", "target/book-runner-test"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let runner = Runner { child, port };
    let deadline = Instant::now() + Duration::from_secs(900);
    while Instant::now() < deadline {
        if runner
            .try_post("/status.json", BOOK, "{}")
            .is_ok_and(|r| r.status == 200)
        {
            return runner;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("the runner did not answer within 15 minutes");
}

impl Runner {
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Sends a raw request; returns the status, the headers (lower-case names) and the body.
    pub(crate) fn raw(&self, request: &str) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(300)))?;
        stream.write_all(request.as_bytes())?;
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Ok(Reply {
            status,
            headers,
            body: body.to_string(),
        })
    }

    pub(crate) fn request(&self, r: &Refused<'_>) -> Reply {
        let origin = r
            .origin
            .map_or(String::new(), |o| format!("Origin: {o}\r\n"));
        let request = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\n{origin}Content-Type: {}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{}",
            r.method,
            r.path,
            r.host,
            r.content_type,
            r.body.len(),
            r.body
        );
        self.raw(&request).expect("the runner answers")
    }

    pub(crate) fn try_post(&self, path: &str, origin: &str, body: &str) -> std::io::Result<Reply> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {origin}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host(),
            body.len()
        );
        self.raw(&request)
    }

    /// POSTs JSON from the book's origin; returns the status and the parsed answer.
    pub(crate) fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let reply = self
            .try_post(path, BOOK, &body.to_string())
            .expect("the runner answers");
        let answer = serde_json::from_str(&reply.body)
            .unwrap_or_else(|_| panic!("JSON answer: {}", reply.body));
        (reply.status, answer)
    }
}

pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Polls `/progress.json` until the running cell has printed "started".
pub(crate) fn wait_until_started(runner: &Runner) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, progress) = runner.post("/progress.json", &serde_json::json!({}));
        if progress["output"]
            .as_str()
            .is_some_and(|o| o.contains("started"))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the slow cell never started: {progress}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The book's first cell of `rnn-structure.md` (the parameter count), as a page shows it.
pub(crate) fn book_cell() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/book/src/rnn-structure.md"
    ))
    .unwrap();
    let start = text.find("```rust\n").expect("a Rust cell") + "```rust\n".len();
    let end = start + text[start..].find("```").expect("its end");
    text[start..end].to_string()
}
