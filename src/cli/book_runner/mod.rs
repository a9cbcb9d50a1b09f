//! `d2l-rnn book-runner`: runs the book's Rust cells for its Run buttons.
//!
//! It answers on `127.0.0.1` only. Any web page a person visits can send requests to
//! localhost, so every request must name the runner itself as `Host` (no DNS rebinding) and
//! the book as `Origin` (`http://localhost:3000`, `http://127.0.0.1:3000`, or `--origin`),
//! else 403; a POST must be `Content-Type: application/json` (a form cannot send that without
//! the preflight we refuse), else 415. Responses allow the one origin that asked, never `*`.
//! Only code that is one of the book's cells runs, unless `--allow-edited`; one cell at a time;
//! a cell is stopped past `--timeout` and its output is cut at `--max-output` bytes.
//!
//! - `POST /evaluate.json` `{"code": "..."}` → `{"result": "...", "error": null}` or
//!   `{"result": "", "error": "..."}` (mdBook's playground shape);
//! - `POST /status.json` `{}` → `{"ready": true, "cells": N, "allow_edited": false}`;
//! - `POST /progress.json` `{}` → `{"running": true, "seconds": 3.2, "output": "..."}`;
//! - `POST /cancel.json` `{}` → `{"cancelled": true}` when a cell was running.

pub mod cells;
pub mod job;

use cells::BookCells;
use d2l_rnn::{Error, Result};
use job::{Limits, Outcome, Progress, Workspace};
use serde_json::{json, Value};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tiny_http::{Header, Method, Request, Response, Server};

/// The largest request body read.
const MAX_BODY: usize = 1 << 20;

/// `book-runner`'s settings.
#[derive(Clone, Debug)]
pub struct RunnerOptions {
    pub port: u16,
    pub book: PathBuf,
    pub work_dir: PathBuf,
    pub origins: Vec<String>,
    pub allow_edited: bool,
    pub timeout: Duration,
    pub max_output: usize,
}

/// What the handlers share.
struct Runner {
    options: RunnerOptions,
    hosts: [String; 2],
    origins: Vec<String>,
    cells: BookCells,
    workspace: Workspace,
    /// `Some(start)` while a cell runs.
    running: Mutex<Option<Instant>>,
    progress: Progress,
}

/// Builds the cells' crate, then serves until killed.
pub fn book_runner(options: RunnerOptions) -> Result<()> {
    let crate_dir = options
        .book
        .canonicalize()
        .ok()
        .and_then(|b| b.parent().map(PathBuf::from))
        .ok_or_else(|| Error::InvalidArgument {
            name: "book",
            value: options.book.display().to_string(),
            hint: "name the book's folder (the one with book.toml), inside this crate".into(),
        })?;
    let cells = BookCells::read(&options.book)?;
    let workspace = Workspace::create(&options.work_dir, &crate_dir)?;
    eprintln!(
        "book-runner: {} cells in {}; building the cells' crate in {} once",
        cells.len(),
        options.book.display(),
        options.work_dir.display()
    );
    let took = workspace.prepare()?;
    eprintln!("book-runner: built in {:.1} s", took.as_secs_f64());
    let mut origins = vec![
        "http://localhost:3000".to_string(),
        "http://127.0.0.1:3000".to_string(),
    ];
    origins.extend(options.origins.iter().cloned());
    let address = format!("127.0.0.1:{}", options.port);
    let server = Server::http(&address).map_err(|e| Error::InvalidArgument {
        name: "port",
        value: options.port.to_string(),
        hint: format!("cannot listen on {address}: {e}; is another runner running?"),
    })?;
    let runner = Arc::new(Runner {
        hosts: [
            format!("127.0.0.1:{}", options.port),
            format!("localhost:{}", options.port),
        ],
        origins,
        cells,
        workspace,
        running: Mutex::new(None),
        progress: Progress::default(),
        options,
    });
    eprintln!(
        "book-runner: listening on http://{address} for pages from {}{}",
        runner.origins.join(", "),
        if runner.options.allow_edited {
            " (edited cells allowed)"
        } else {
            ""
        }
    );
    for request in server.incoming_requests() {
        let runner = Arc::clone(&runner);
        std::thread::spawn(move || runner.handle(request));
    }
    Ok(())
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_string())
}

fn with(
    response: Response<std::io::Cursor<Vec<u8>>>,
    name: &str,
    value: &str,
) -> Response<std::io::Cursor<Vec<u8>>> {
    match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(h) => response.with_header(h),
        Err(()) => response,
    }
}

fn json_response(status: u16, body: &Value) -> Response<std::io::Cursor<Vec<u8>>> {
    with(
        Response::from_string(body.to_string()).with_status_code(status),
        "Content-Type",
        "application/json",
    )
}

/// `{"result": "", "error": message}` with `status`.
fn refusal(status: u16, message: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    json_response(status, &json!({"result": "", "error": message}))
}

impl Runner {
    fn handle(&self, mut request: Request) {
        let origin = header(&request, "Origin");
        let response = self.respond(&mut request, origin.as_deref());
        let response = match origin.filter(|o| self.origins.contains(o)) {
            Some(o) => with(
                with(response, "Access-Control-Allow-Origin", &o),
                "Vary",
                "Origin",
            ),
            None => with(response, "Vary", "Origin"),
        };
        let _ = request.respond(response);
    }

    fn respond(
        &self,
        request: &mut Request,
        origin: Option<&str>,
    ) -> Response<std::io::Cursor<Vec<u8>>> {
        let host = header(request, "Host").unwrap_or_default();
        if !self.hosts.contains(&host) {
            return refusal(
                403,
                &format!("Host {host:?} is not this runner ({})", self.hosts[0]),
            );
        }
        match origin {
            Some(o) if self.origins.iter().any(|a| a == o) => {}
            Some(o) => {
                return refusal(
                    403,
                    &format!(
                    "Origin {o:?} is not the book; start the runner with --origin {o} to allow it"
                ),
                )
            }
            None => {
                return refusal(
                    403,
                    "no Origin header: only the book's pages may call the runner",
                )
            }
        }
        let path = request.url().split('?').next().unwrap_or("").to_string();
        let known = [
            "/evaluate.json",
            "/status.json",
            "/progress.json",
            "/cancel.json",
        ];
        if !known.contains(&path.as_str()) {
            return refusal(404, &format!("no such endpoint {path}"));
        }
        match request.method() {
            Method::Options => {
                let mut r = with(
                    Response::from_string("").with_status_code(204),
                    "Access-Control-Allow-Methods",
                    "POST",
                );
                r = with(r, "Access-Control-Allow-Headers", "Content-Type");
                r = with(r, "Access-Control-Max-Age", "600");
                if header(request, "Access-Control-Request-Private-Network").is_some() {
                    r = with(r, "Access-Control-Allow-Private-Network", "true");
                }
                return r;
            }
            Method::Post => {}
            other => return refusal(405, &format!("{other} is not allowed: use POST")),
        }
        let content_type = header(request, "Content-Type").unwrap_or_default();
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/json") {
            return refusal(
                415,
                &format!("Content-Type {content_type:?}: send application/json"),
            );
        }
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut body);
        if read.is_err() || body.len() > MAX_BODY {
            return refusal(
                413,
                &format!("the request body must be valid and at most {MAX_BODY} bytes"),
            );
        }
        let Ok(value) = serde_json::from_slice::<Value>(&body) else {
            return refusal(400, "the body is not JSON");
        };
        match path.as_str() {
            "/status.json" => json_response(
                200,
                &json!({"ready": true, "cells": self.cells.len(), "allow_edited": self.options.allow_edited}),
            ),
            "/progress.json" => self.progress(),
            "/cancel.json" => self.cancel(),
            _ => match value.get("code").and_then(Value::as_str) {
                Some(code) => self.evaluate(code),
                None => refusal(400, "expected {\"code\": \"...\"}"),
            },
        }
    }

    fn progress(&self) -> Response<std::io::Cursor<Vec<u8>>> {
        let started = self.running.lock().ok().and_then(|r| *r);
        let output = self
            .progress
            .output
            .lock()
            .map(|o| o.clone())
            .unwrap_or_default();
        json_response(
            200,
            &json!({
                "running": started.is_some(),
                "seconds": started.map_or(0.0, |s| s.elapsed().as_secs_f64()),
                "output": if started.is_some() { output } else { String::new() },
            }),
        )
    }

    fn cancel(&self) -> Response<std::io::Cursor<Vec<u8>>> {
        let running = self.running.lock().map(|r| r.is_some()).unwrap_or(false);
        if running {
            self.progress.cancel.store(true, Ordering::SeqCst);
        }
        json_response(200, &json!({"cancelled": running}))
    }

    fn evaluate(&self, code: &str) -> Response<std::io::Cursor<Vec<u8>>> {
        if !self.options.allow_edited && !self.cells.contains(code) {
            return refusal(
                403,
                "this code is not one of the book's cells (was it edited?); start the runner with --allow-edited to run edited cells",
            );
        }
        {
            let Ok(mut running) = self.running.lock() else {
                return refusal(500, "the runner's state is broken; restart it");
            };
            if running.is_some() {
                return refusal(409, "another cell is running: wait for it or cancel it");
            }
            *running = Some(Instant::now());
        }
        self.progress.cancel.store(false, Ordering::SeqCst);
        if let Ok(mut output) = self.progress.output.lock() {
            output.clear();
        }
        let limits = Limits {
            timeout: self.options.timeout,
            max_output: self.options.max_output,
        };
        let started = Instant::now();
        let outcome = self.workspace.run(code, limits, &self.progress);
        if let Ok(mut running) = self.running.lock() {
            *running = None;
        }
        let seconds = started.elapsed().as_secs_f64();
        match outcome {
            Outcome::Ok(result) => {
                eprintln!("book-runner: a cell ran in {seconds:.2} s");
                json_response(200, &json!({"result": result, "error": null}))
            }
            Outcome::Failed(error) => {
                eprintln!("book-runner: a cell failed after {seconds:.2} s");
                json_response(200, &json!({"result": "", "error": error}))
            }
        }
    }
}
