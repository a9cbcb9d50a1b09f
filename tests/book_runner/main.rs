//! `d2l-rnn book-runner` refuses what a web page must not do and runs the book's cells:
//! a wrong `Host` (DNS rebinding), a foreign or missing `Origin`, a non-JSON content type,
//! other methods, large or broken bodies and edited cells are refused; a real cell runs; a
//! cell past the time limit is stopped; output is capped; one cell runs at a time; a running
//! cell can be cancelled. (The browser side is `book/tests/runner_browser_test.py`.)

mod client;

use client::*;
use std::time::{Duration, Instant};

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
