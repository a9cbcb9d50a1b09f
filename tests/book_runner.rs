//! `d2l-rnn book-runner` refuses what a web page must not do and runs the book's cells:
//! a wrong `Host` (DNS rebinding), a foreign or missing `Origin`, a non-JSON content type,
//! other methods, large or broken bodies and edited cells are refused; a real cell runs; a
//! cell past the time limit is stopped; output is capped; one cell runs at a time; a running
//! cell can be cancelled. (The browser side is `book/tests/runner_browser_test.py`.)

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BOOK: &str = "http://localhost:3000";

/// An HTTP answer: status, headers (lower-case names) and body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// A request the runner must refuse.
struct Refused<'a> {
    what: &'a str,
    method: &'a str,
    path: &'a str,
    host: &'a str,
    origin: Option<&'a str>,
    content_type: &'a str,
    body: &'a str,
    status: u16,
}

struct Runner {
    child: Child,
    port: u16,
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts a runner and waits until it answers (the first start builds the cells' crate).
fn start(extra: &[&str]) -> Runner {
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
    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Sends a raw request; returns the status, the headers (lower-case names) and the body.
    fn raw(&self, request: &str) -> std::io::Result<Reply> {
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

    fn request(&self, r: &Refused<'_>) -> Reply {
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

    fn try_post(&self, path: &str, origin: &str, body: &str) -> std::io::Result<Reply> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {origin}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host(),
            body.len()
        );
        self.raw(&request)
    }

    /// POSTs JSON from the book's origin; returns the status and the parsed answer.
    fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let reply = self
            .try_post(path, BOOK, &body.to_string())
            .expect("the runner answers");
        let answer = serde_json::from_str(&reply.body)
            .unwrap_or_else(|_| panic!("JSON answer: {}", reply.body));
        (reply.status, answer)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Polls `/progress.json` until the running cell has printed "started".
fn wait_until_started(runner: &Runner) {
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
fn book_cell() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/book/src/rnn-structure.md"
    ))
    .unwrap();
    let start = text.find("```rust\n").expect("a Rust cell") + "```rust\n".len();
    let end = start + text[start..].find("```").expect("its end");
    text[start..end].to_string()
}

#[test]
fn the_runner_refuses_what_a_page_must_not_do_and_runs_the_books_cells() {
    let runner = start(&[]);
    let host = runner.host();
    let json = "application/json";
    let code = serde_json::json!({"code": "fn main() { println!(\"edited\"); }"}).to_string();

    // Refusals, each with its status and no blanket CORS.
    let refused = |what, method, path, host, origin, content_type, body, status| Refused {
        what,
        method,
        path,
        host,
        origin,
        content_type,
        body,
        status,
    };
    let big = format!("{{\"code\": \"{}\"}}", "x".repeat(2 << 20));
    let cases = [
        refused(
            "rebinding Host",
            "POST",
            "/status.json",
            "evil.example:3001",
            Some(BOOK),
            json,
            "{}",
            403,
        ),
        refused(
            "foreign Origin",
            "POST",
            "/status.json",
            &host,
            Some("http://evil.example"),
            json,
            "{}",
            403,
        ),
        refused(
            "no Origin",
            "POST",
            "/status.json",
            &host,
            None,
            json,
            "{}",
            403,
        ),
        refused(
            "form content type",
            "POST",
            "/evaluate.json",
            &host,
            Some(BOOK),
            "text/plain",
            &code,
            415,
        ),
        refused(
            "GET",
            "GET",
            "/status.json",
            &host,
            Some(BOOK),
            json,
            "",
            405,
        ),
        refused(
            "unknown path",
            "POST",
            "/shell.json",
            &host,
            Some(BOOK),
            json,
            "{}",
            404,
        ),
        refused(
            "broken JSON",
            "POST",
            "/evaluate.json",
            &host,
            Some(BOOK),
            json,
            "{code",
            400,
        ),
        refused(
            "edited cell",
            "POST",
            "/evaluate.json",
            &host,
            Some(BOOK),
            json,
            &code,
            403,
        ),
        refused(
            "a 2 MiB body",
            "POST",
            "/evaluate.json",
            &host,
            Some(BOOK),
            json,
            &big,
            413,
        ),
        refused(
            "preflight, foreign Origin",
            "OPTIONS",
            "/evaluate.json",
            &host,
            Some("http://evil.example"),
            json,
            "",
            403,
        ),
        refused(
            "preflight, rebinding Host",
            "OPTIONS",
            "/evaluate.json",
            "evil.example:3001",
            Some(BOOK),
            json,
            "",
            403,
        ),
    ];
    for case in &cases {
        let reply = runner.request(case);
        let what = case.what;
        assert_eq!(reply.status, case.status, "{what}: {}", reply.body);
        let allow = header(&reply.headers, "access-control-allow-origin");
        assert_ne!(allow, Some("*"), "{what}");
        if case.origin != Some(BOOK) {
            assert_eq!(
                allow, None,
                "{what}: a foreign page must not read the answer"
            );
        }
        if case.method == "POST" {
            let answer: serde_json::Value =
                serde_json::from_str(&reply.body).expect("a JSON refusal");
            assert_eq!(answer["result"], "", "{what}");
            assert!(
                answer["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{what}: {}",
                reply.body
            );
        }
        eprintln!(
            "refused {what}: {} {}",
            reply.status,
            reply.body.chars().take(120).collect::<String>()
        );
    }

    // The book's preflight is answered for its origin only.
    let preflight = refused(
        "preflight",
        "OPTIONS",
        "/evaluate.json",
        &host,
        Some(BOOK),
        json,
        "",
        204,
    );
    let reply = runner.request(&preflight);
    assert_eq!(reply.status, 204);
    assert_eq!(
        header(&reply.headers, "access-control-allow-origin"),
        Some(BOOK)
    );
    assert_eq!(
        header(&reply.headers, "access-control-allow-headers"),
        Some("Content-Type")
    );

    // A real cell, as the page posts it.
    let started = Instant::now();
    let (status, answer) = runner.post("/evaluate.json", &serde_json::json!({"code": book_cell()}));
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(status, 200);
    assert_eq!(answer["error"], serde_json::Value::Null, "{answer}");
    assert_eq!(
        answer["result"],
        "592643 parameters, whatever the number of time steps\n"
    );
    eprintln!("a short book cell answered in {seconds:.2} s");
    drop(runner);

    // Limits, on a runner that also runs edited cells.
    let runner = start(&["--allow-edited", "--timeout", "3", "--max-output", "4096"]);
    let (_, answer) = runner.post(
        "/evaluate.json",
        &serde_json::json!({"code": "fn main() { println!(\"edited\"); }"}),
    );
    assert_eq!(answer["result"], "edited\n", "{answer}");
    let (_, answer) = runner.post(
        "/evaluate.json",
        &serde_json::json!({"code": "for i in 0..100_000 { println!(\"line {i}\"); }"}),
    );
    let result = answer["result"].as_str().expect("a result");
    assert!(
        result.ends_with("output cut at 4096 bytes (--max-output)"),
        "{}",
        &result[result.len() - 80..]
    );
    assert!(result.len() < 4096 + 100);
    let (_, answer) = runner.post(
        "/evaluate.json",
        &serde_json::json!({"code": "let x: u32 = \"not a number\";"}),
    );
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("does not compile") && e.contains("mismatched types")),
        "{answer}"
    );

    // A long cell: the second request is refused while it runs, progress shows it, and the
    // time limit stops it.
    let slow = serde_json::json!({"code": "println!(\"started\");\nstd::thread::sleep(std::time::Duration::from_secs(30));"});
    std::thread::scope(|scope| {
        let long = scope.spawn(|| runner.post("/evaluate.json", &slow));
        wait_until_started(&runner);
        let (status, answer) = runner.post(
            "/evaluate.json",
            &serde_json::json!({"code": "fn main() {}"}),
        );
        assert_eq!(status, 409, "{answer}");
        let started = Instant::now();
        let (_, answer) = long.join().expect("the slow request");
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|e| e.contains("time limit of 3 s")),
            "{answer}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    });

    // Cancelling a running cell.
    std::thread::scope(|scope| {
        let long = scope.spawn(|| runner.post("/evaluate.json", &slow));
        wait_until_started(&runner);
        let (_, answer) = runner.post("/cancel.json", &serde_json::json!({}));
        assert_eq!(answer["cancelled"], true);
        let (_, answer) = long.join().expect("the cancelled request");
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|e| e.ends_with("cancelled")),
            "{answer}"
        );
    });
}
