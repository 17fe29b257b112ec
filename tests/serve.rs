//! Tests of `crossdup serve`, the HTTP/JSON service, through the binary only.
//!
//! Registered in `crates/crossdup-cli/Cargo.toml` as the `serve` test. Every
//! server listens on loopback on a port the system picks, every request has a
//! timeout, and every child process is killed when its guard drops.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running `crossdup serve`, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(index: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crossdup"))
            .arg("serve")
            .arg("--index")
            .arg(index)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting crossdup serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let lines = log.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(a) = line.strip_prefix("crossdup: listening on http://") {
                    let _ = tx.send(a.trim().to_string());
                }
                lines.lock().unwrap().push(line);
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => Server {
                child,
                addr: a.parse().expect("a socket address"),
                log,
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("server did not start: {:?}", log.lock().unwrap());
            }
        }
    }

    fn req(&self, method: &str, path: &str, body: Option<&[u8]>) -> Resp {
        http(self.addr, method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}; log: {:?}", self.log()))
    }

    fn post(&self, path: &str, v: &Value) -> Resp {
        self.req("POST", path, Some(v.to_string().as_bytes()))
    }

    fn get(&self, path: &str) -> Resp {
        self.req("GET", path, None)
    }

    fn count(&self) -> u64 {
        let r = self.get("/stats");
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["documents"].as_u64().expect("documents count")
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn assert_no_panic(&self) {
        let log = self.log();
        assert!(
            !log.iter().any(|l| l.contains("panicked")),
            "server panicked: {log:?}"
        );
    }

    /// SIGKILL (what `Child::kill` sends on Unix).
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Resp {
    status: u16,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// A 4xx with a JSON `{"error": "..."}` body.
    fn assert_client_error(&self, status: Option<u16>) {
        match status {
            Some(s) => assert_eq!(self.status, s, "{}", self.body),
            None => assert!((400..500).contains(&self.status), "{}", self.body),
        }
        let e = self.json();
        assert!(
            e["error"].as_str().is_some_and(|m| !m.is_empty()),
            "error body: {}",
            self.body
        );
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&[u8]>) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.set_write_timeout(Some(Duration::from_secs(60)))?;
    let body = body.unwrap_or(b"");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    // The server may answer (413) and close before reading a large body.
    let wrote = s.write_all(body);
    let mut buf = Vec::new();
    let read = s.read_to_end(&mut buf);
    if buf.is_empty() {
        read?;
        wrote?;
        return Err(std::io::Error::other("empty response"));
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no header end: {text:?}")))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head:?}")))?;
    let len = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    let body = match len {
        Some(n) if n <= rest.len() => rest[..n].to_string(),
        _ => rest.to_string(),
    };
    Ok(Resp { status, body })
}

fn doc(id: &str, text: &str) -> Value {
    json!({ "id": id, "text": text })
}

fn matches(r: &Resp) -> Vec<Value> {
    r.json()["matches"]
        .as_array()
        .unwrap_or_else(|| panic!("no matches array: {}", r.body))
        .clone()
}

#[test]
fn seeds_then_samples_match_as_they_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = repo_root().join("../shared/seeds");
    if seeds.is_dir() {
        let server = Server::start(&dir.path().join("seeds"));
        let mut files: Vec<PathBuf> = fs::read_dir(&seeds)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        assert_eq!(files.len(), 5, "{files:?}");
        let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
        let first = name(&files[0]);
        for f in &files {
            let id = name(f);
            let r = server.post("/documents", &doc(&id, &fs::read_to_string(f).unwrap()));
            assert_eq!(r.status, 201, "{id}: {}", r.body);
            assert_eq!(r.json()["id"], id.as_str());
            let m = matches(&r);
            if id.starts_with("002_") {
                assert_eq!(m.len(), 1, "{id}: {m:?}");
                assert_eq!(m[0]["type"], "pair");
                assert_eq!(m[0]["a"], id.as_str());
                assert_eq!(m[0]["b"], first.as_str());
                assert_eq!(m[0]["relation"], "translation");
                assert!(
                    m[0]["alignment"].as_array().is_some_and(|a| !a.is_empty()),
                    "{m:?}"
                );
            } else {
                assert!(m.is_empty(), "unexpected pairs at {id}: {m:?}");
            }
        }
        assert_eq!(server.count(), 5);
        server.assert_no_panic();
    } else {
        eprintln!("skipped seeds: {} not found", seeds.display());
    }

    let samples = repo_root().join("data/samples");
    if !samples.is_dir() {
        eprintln!("skipped samples: {} not found", samples.display());
        return;
    }
    let server = Server::start(&dir.path().join("samples"));
    let mut files = Vec::new();
    for lang in ["en", "it"] {
        for e in fs::read_dir(samples.join(lang)).unwrap() {
            let p = e.unwrap().path();
            files.push(format!(
                "{lang}/{}",
                p.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    files.sort();
    let text = |id: &str| fs::read_to_string(samples.join(id)).unwrap();
    let mut pairs = Vec::new();
    for id in &files {
        let r = server.post("/documents", &doc(id, &text(id)));
        assert_eq!(r.status, 201, "{id}: {}", r.body);
        for m in matches(&r) {
            assert_eq!(m["a"], id.as_str());
            pairs.push((
                m["b"].as_str().unwrap().to_string(),
                id.clone(),
                m["relation"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert!(
        pairs.contains(&(
            "en/harbour-fire.txt".into(),
            "it/harbour-fire.txt".into(),
            "translation".into()
        )),
        "{pairs:?}"
    );
    assert_eq!(pairs.len(), 2, "only the two real pairs: {pairs:?}");
    let n = server.count();
    assert_eq!(n, files.len() as u64);

    // Check without adding: the English article's copy finds both versions.
    let r = server.post(
        "/check",
        &json!({ "id": "probe", "text": text("en/harbour-fire.txt"), "lang": "en" }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let found: Vec<(String, String)> = matches(&r)
        .iter()
        .map(|m| {
            (
                m["b"].as_str().unwrap().to_string(),
                m["relation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        found.contains(&("en/harbour-fire.txt".into(), "exact".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("it/harbour-fire.txt".into(), "translation".into())),
        "{found:?}"
    );
    assert_eq!(server.count(), n, "check must not add");

    // Get, matches and delete, with ids holding slashes (plain or encoded).
    let r = server.get("/documents/it%2Fharbour-fire.txt");
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json();
    assert_eq!(d["id"], "it/harbour-fire.txt");
    assert_eq!(d["text"], text("it/harbour-fire.txt").as_str());
    assert_eq!(d["lang"], "it");
    assert!(d["added"].as_u64().is_some_and(|t| t > 0));
    let r = server.get("/documents/en/harbour-fire.txt/matches");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        matches(&r).iter().any(|m| m["b"] == "it/harbour-fire.txt"),
        "{}",
        r.body
    );
    let r = server.get("/documents/it/harbour-fire.txt/matches");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["id"], "it/harbour-fire.txt");
    assert_eq!(server.get("/documents/nope.txt").status, 404);
    assert_eq!(server.get("/documents/nope.txt/matches").status, 404);
    let r = server.req("DELETE", "/documents/it/harbour-fire.txt", None);
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(server.get("/documents/it/harbour-fire.txt").status, 404);
    let r = server.req("DELETE", "/documents/it/harbour-fire.txt", None);
    r.assert_client_error(Some(404));
    assert_eq!(server.count(), n - 1);

    // Each write above was committed alone, leaving small index segments,
    // which the merge policy joins 4 at a time: if they happen to be one
    // now, one more write leaves two. Once writes pause for a few seconds
    // they are merged into one, and checks search that one.
    let segments = || server.get("/stats").json()["segments"].as_u64();
    let mut n = n - 1;
    if segments() == Some(1) {
        let extra = "A ferry company added two evening crossings to the islands.\n";
        let r = server.post("/documents", &doc("en/ferries.txt", extra));
        assert_eq!(r.status, 201, "{}", r.body);
        n += 1;
    }
    assert!(segments().is_some_and(|s| s > 1), "{:?}", segments());
    let t = Instant::now();
    while segments() != Some(1) {
        assert!(t.elapsed() < Duration::from_secs(60), "{:?}", segments());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(server.count(), n);
    let r = server.get("/documents/en/harbour-fire.txt/matches");
    assert_eq!(r.status, 200, "{}", r.body);
    server.assert_no_panic();
}

#[test]
fn the_idle_merge_waits_until_checks_pause() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("ix"));
    // Two adds, one after the other: two commits, two segments, which the
    // merge policy leaves alone (it joins 4 of a level).
    let texts = [
        "The port authority closed the northern harbour after a fire on Tuesday night.\n",
        "A ferry company added two evening crossings to the islands for the summer.\n",
    ];
    for (i, t) in texts.iter().enumerate() {
        let r = server.post("/documents", &doc(&format!("wire/{i}"), t));
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let segments = || server.get("/stats").json()["segments"].as_u64();
    assert_eq!(segments(), Some(2));
    // The service runs without transparent huge pages (Linux; kernels that
    // tell).
    if let Ok(status) = fs::read_to_string(format!("/proc/{}/status", server.child.id())) {
        if let Some(l) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
            assert_eq!(l.split_whitespace().nth(1), Some("0"), "{l}");
        }
    }
    // Checks keep coming for longer than the pause in writes that starts
    // the merge of the small segments (5 s): it waits.
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(7) {
        let r = server.post("/check", &doc("probe", texts[0]));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(segments(), Some(2));
        thread::sleep(Duration::from_millis(100));
    }
    // Once they pause, the segments are merged into one.
    let t = Instant::now();
    while segments() != Some(1) {
        assert!(t.elapsed() < Duration::from_secs(30), "{:?}", segments());
        thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(server.count(), 2);
    server.assert_no_panic();
}

#[test]
fn bad_requests_get_json_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("ix"));
    let text = "The port authority closed the northern harbour after a fire on Tuesday night.\n\
                Firefighters needed six hours to bring the blaze under control, officials said.\n";
    let r = server.post("/documents", &doc("wire/1", text));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(server.count(), 1);

    let bad = |path: &str, body: &[u8], status: Option<u16>| {
        let r = server.req("POST", path, Some(body));
        r.assert_client_error(status);
    };
    for path in ["/documents", "/check"] {
        bad(path, b"{\"id\": \"x\", \"text\": ", Some(400));
        bad(path, b"not json at all", Some(400));
        bad(path, b"", Some(400));
        bad(path, br#"{"id": "x"}"#, None);
        bad(path, br#"{"text": "Some words here."}"#, None);
        bad(path, br#"{"id": "x", "text": 7}"#, None);
        bad(path, br#"{"id": "x", "text": "   \n "}"#, None);
        bad(path, br#"{"id": "", "text": "Some words here."}"#, None);
        bad(
            path,
            format!(r#"{{"id": "x", "text": {text:?}, "lang": "xx"}}"#).as_bytes(),
            None,
        );
        bad(path, b"[1, 2, 3]", None);
    }
    // Duplicate id.
    let r = server.post(
        "/documents",
        &doc("wire/1", "Another text entirely, about trams.\n"),
    );
    r.assert_client_error(Some(409));
    // Over the body limit (10 MB).
    let big = format!(
        r#"{{"id": "big", "text": "{}"}}"#,
        "word ".repeat(2_200_000)
    );
    let r = server.req("POST", "/documents", Some(big.as_bytes()));
    r.assert_client_error(Some(413));
    // Unknown endpoints and methods.
    server.get("/nowhere").assert_client_error(Some(404));
    server
        .req("PUT", "/documents", Some(b"{}"))
        .assert_client_error(Some(405));

    assert_eq!(server.count(), 1, "bad requests must change nothing");
    assert_eq!(server.get("/documents/big").status, 404);
    let r = server.get("/health");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    let s = server.get("/stats").json();
    assert_eq!(s["languages"]["en"], 1, "{s}");
    assert!(s["size_bytes"].as_u64().is_some_and(|b| b > 0), "{s}");
    assert!(s["segments"].as_u64().is_some_and(|n| n >= 1), "{s}");
    assert!(s["uptime_seconds"].as_u64().is_some(), "{s}");
    server.assert_no_panic();

    // SIGTERM: a clean stop, and the index opens again with its article.
    #[cfg(unix)]
    {
        let pid = server.child.id().to_string();
        let st = Command::new("kill").args(["-TERM", &pid]).status();
        if st.is_ok_and(|s| s.success()) {
            let t = Instant::now();
            let code = loop {
                if let Some(s) = server.child.try_wait().unwrap() {
                    break s.code();
                }
                assert!(t.elapsed() < Duration::from_secs(20), "no exit on SIGTERM");
                thread::sleep(Duration::from_millis(50));
            };
            assert_eq!(code, Some(0), "{:?}", server.log());
        }
    }
    server.kill();
    let server = Server::start(&dir.path().join("ix"));
    assert_eq!(server.count(), 1);
}

const WORDS: &[&str] = &[
    "harbour",
    "council",
    "vote",
    "tram",
    "line",
    "fire",
    "station",
    "minister",
    "budget",
    "school",
    "river",
    "bridge",
    "police",
    "market",
    "farmer",
    "election",
    "mayor",
    "court",
    "hospital",
    "storm",
    "train",
    "airport",
    "museum",
    "festival",
    "strike",
    "union",
    "factory",
    "bank",
    "price",
    "oil",
    "water",
    "road",
    "city",
    "village",
    "island",
    "coast",
    "mountain",
    "forest",
    "report",
    "officials",
    "said",
    "workers",
    "residents",
    "children",
    "teachers",
    "doctors",
    "engineers",
    "plans",
    "project",
    "funding",
    "delay",
    "protest",
    "agreement",
    "talks",
    "government",
    "parliament",
    "night",
    "morning",
    "week",
    "after",
    "before",
    "during",
];

/// A small English article, different for every `i`.
fn generated(i: u64) -> Value {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut text = String::new();
    for s in 0..4 {
        let n = 8 + (next() % 7) as usize;
        let words: Vec<&str> = (0..n)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect();
        let mut sent = words.join(" ");
        sent[..1].make_ascii_uppercase();
        text.push_str(&format!("{sent} in district {i} ({s}).\n"));
    }
    json!({ "id": format!("gen/{i:05}"), "text": text, "lang": "en", "source": "test" })
}

#[test]
fn acknowledged_articles_survive_kill_9() {
    const TOTAL: u64 = 2_000;
    const KILL_AFTER: usize = 1_000;
    const THREADS: u64 = 4;
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let mut server = Server::start(&index);
    let addr = server.addr;
    let acked: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(Vec::new()));
    let refused: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (acked, refused, stop) = (acked.clone(), refused.clone(), stop.clone());
            thread::spawn(move || {
                let mut i = t;
                while i < TOTAL && !stop.load(Ordering::SeqCst) {
                    let body = generated(i).to_string();
                    match http(addr, "POST", "/documents", Some(body.as_bytes())) {
                        Ok(r) if r.status == 201 => acked.lock().unwrap().push(i),
                        Ok(r) => refused.lock().unwrap().push(format!("{i}: {}", r.body)),
                        Err(_) => break, // the server is gone
                    }
                    i += THREADS;
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(150);
    while acked.lock().unwrap().len() < KILL_AFTER {
        assert!(Instant::now() < deadline, "too slow to acknowledge");
        if workers.iter().all(|w| w.is_finished()) {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    server.kill();
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    let refused = refused.lock().unwrap().clone();
    assert!(refused.is_empty(), "valid articles refused: {refused:?}");
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= KILL_AFTER,
        "only {} acknowledged",
        acked.len()
    );
    let posting = started.elapsed();

    let server = Server::start(&index);
    for &i in &acked {
        let want = generated(i);
        let id = want["id"].as_str().unwrap();
        let r = server.get(&format!("/documents/{id}"));
        assert_eq!(r.status, 200, "acknowledged {id} lost: {}", r.body);
        let d = r.json();
        assert_eq!(d["text"], want["text"]);
        assert_eq!(d["source"], "test");
    }
    let n = server.count();
    assert!(n >= acked.len() as u64, "{n} < {}", acked.len());
    server.assert_no_panic();
    eprintln!(
        "{} acknowledged ({} in the index after kill -9) in {:.1} s, all found; total {:.1} s",
        acked.len(),
        n,
        posting.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
