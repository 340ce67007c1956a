//! Headless Chromium, driven over the DevTools protocol (a WebSocket), to
//! test the static site in a real browser: the DOM after a click, console
//! errors, and every request the pages make.
//!
//! The browser comes from the distribution's packages (`chromium`); `.ci/run`
//! installs it when missing. `TACOMETER_CHROMIUM` names another binary.
//! Without one, a test says it was skipped, except under `CI=true`, where it
//! fails.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// The browser binary: `TACOMETER_CHROMIUM`, else the first of the usual
/// names on `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TACOMETER_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The browser, or `None` after saying why the test is skipped (a failure
/// under `CI=true`).
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(path) => Some(path),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "{test}: no Chromium (install the `chromium` package, or set TACOMETER_CHROMIUM)"
            )
        }
        None => {
            eprintln!(
                "note: {test} SKIPPED: no Chromium on PATH (install the `chromium` package, \
                 or set TACOMETER_CHROMIUM)"
            );
            None
        }
    }
}

/// A headless browser with one page, and what the page reported.
pub struct Browser {
    child: Child,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Console errors and uncaught exceptions, as text.
    pub errors: Vec<String>,
    /// Every URL the page requested.
    pub requests: Vec<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `binary` headless at 1280 x 900 and attaches to its page, with
    /// the console, the log and the network watched.
    pub fn launch(binary: &Path) -> Self {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        // Chromium prints where its DevTools endpoint listens; the rest of
        // its stderr is drained so it never blocks on a full pipe.
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("DevTools listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let browser_url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("Chromium printed its DevTools address within 60 s");
        let host = browser_url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("host:port")
            .to_string();
        let page_url = page_target(&host);
        let (ws, _) = tungstenite::connect(page_url.as_str()).expect("attach to the page");
        // A read never waits for ever: a silent browser fails the test.
        if let MaybeTlsStream::Plain(stream) = ws.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_secs(60)))
                .expect("read timeout");
        }
        let mut b = Self {
            child,
            ws,
            next_id: 0,
            errors: Vec::new(),
            requests: Vec::new(),
            _profile: profile,
        };
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            b.call(domain, json!({}));
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    /// Notes an event: console errors, exceptions, requests.
    fn event(&mut self, msg: &Value) {
        let params = &msg["params"];
        match msg["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled" if params["type"] == "error" => {
                self.errors
                    .push(format!("console.error: {}", params["args"]));
            }
            "Runtime.exceptionThrown" => {
                self.errors
                    .push(format!("exception: {}", params["exceptionDetails"]));
            }
            "Log.entryAdded" if params["entry"]["level"] == "error" => {
                self.errors.push(format!(
                    "log: {} {}",
                    params["entry"]["text"], params["entry"]["url"]
                ));
            }
            "Network.requestWillBeSent" => {
                if let Some(url) = params["request"]["url"].as_str() {
                    self.requests.push(url.to_string());
                }
            }
            _ => {}
        }
    }

    /// The next message, within `limit`.
    fn read(&mut self, limit: Instant) -> Value {
        loop {
            assert!(Instant::now() < limit, "Chromium did not answer in time");
            match self.ws.read().expect("read from Chromium") {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("DevTools JSON");
                }
                Message::Close(_) => panic!("Chromium closed the connection"),
                _ => {}
            }
        }
    }

    /// Calls a DevTools method and returns its result (panics on an error).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let text = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws
            .send(Message::Text(text.into()))
            .expect("send to Chromium");
        let limit = Instant::now() + Duration::from_secs(60);
        loop {
            let msg = self.read(limit);
            if msg["id"].as_u64() == Some(id) {
                assert!(msg.get("error").is_none(), "{method}: {}", msg["error"]);
                return msg["result"].clone();
            }
            self.event(&msg);
        }
    }

    /// Opens `url` and waits for its load event.
    pub fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        let limit = Instant::now() + Duration::from_secs(60);
        loop {
            let msg = self.read(limit);
            self.event(&msg);
            if msg["method"] == "Page.loadEventFired" {
                return;
            }
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value
    /// (an exception in it fails the test).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{expression}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// A PNG of the whole page, 1280 px wide.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64_decode(r["data"].as_str().expect("screenshot data"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The WebSocket address of the browser's page, from `/json/list`.
fn page_target(host: &str) -> String {
    let limit = Instant::now() + Duration::from_secs(30);
    loop {
        let mut stream = TcpStream::connect(host).expect("DevTools HTTP endpoint");
        let request =
            format!("GET /json/list HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .expect("ask for the targets");
        // The endpoint keeps the connection open: read the head, then
        // exactly the body its Content-Length announces.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("read timeout");
        let mut reader = BufReader::new(stream);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("a header line");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("a length");
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("the targets");
        let body = String::from_utf8_lossy(&body).into_owned();
        let targets: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let page = targets.as_array().and_then(|list| {
            list.iter()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["webSocketDebuggerUrl"].as_str())
                .map(String::from)
        });
        if let Some(url) = page {
            return url;
        }
        assert!(Instant::now() < limit, "no page target: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Standard base64 (the screenshot's encoding).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=' && c != b'\n').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        let keep = chunk.len() - 1;
        for i in 0..keep {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}
