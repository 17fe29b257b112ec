//! `crossdup serve`: the wire-feed HTTP/JSON service on a persistent archive.
//!
//! Reads (checks, gets, matches, stats) run in parallel on tokio's blocking
//! pool. Writes (adds, deletes, retention) go through one writer thread that
//! takes whatever is queued (up to `--max-batch` operations), applies it,
//! commits once and only then answers every request of the batch: an
//! acknowledged article is durable (group commit). Articles of one batch are
//! also compared with each other, since the index sees them only after the
//! commit.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use crossdup::matching::{compare, mono_terms, pivot_terms, Profile};
use crossdup::{Added, Archive, ArchiveError, Document, Lang, PairRecord, Prepared, ScanOptions};
use rayon::prelude::*;

/// Arguments of `crossdup serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Index folder (created if missing or empty).
    #[arg(long)]
    index: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:7878")]
    listen: SocketAddr,
    /// Drop articles added more than this many days ago, at start and hourly.
    #[arg(long)]
    keep_days: Option<u64>,
    /// Largest accepted request body, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_body: usize,
    /// Most writes committed together (group commit); 1 commits each alone.
    #[arg(long, default_value_t = 32)]
    max_batch: usize,
}

/// How often the service looks for merged index segments to search.
const REFRESH_EVERY: Duration = Duration::from_secs(1);

/// How long writes pause before the small index segments they left are
/// merged into one (see [`Archive::merge_small_segments`]).
const IDLE_MERGE_AFTER: Duration = Duration::from_secs(5);

/// When the last batch of writes was committed, while the small segments it
/// may have left are not merged yet (`None` once they are).
type LastWrite = Arc<std::sync::Mutex<Option<Instant>>>;

/// Whether writes have paused long enough for the small segments they left
/// to be merged.
fn paused(last: &Option<Instant>) -> bool {
    last.is_some_and(|t| t.elapsed() >= IDLE_MERGE_AFTER)
}

/// How long checks must have paused too before the small segments are
/// merged. That merge rewrites most of the index on one core for seconds,
/// and checks running beside it took twice as long or more (in one
/// serve_bench run, checks of 11-16 ms once the index was idle took 24-42
/// ms beside it): it waits for a gap in the checks.
const CHECKS_QUIET: Duration = Duration::from_secs(1);

/// Writes paused this long, the small segments are merged even if the
/// checks never pause.
const IDLE_MERGE_LATEST: Duration = Duration::from_secs(60);

/// Whether to start merging the small segments, given how long ago the
/// last batch of writes was committed (`None`: merged since) and how long
/// ago the last check arrived.
fn merge_due(since_write: Option<Duration>, since_check: Duration) -> bool {
    since_write.is_some_and(|w| {
        w >= IDLE_MERGE_AFTER && (since_check >= CHECKS_QUIET || w >= IDLE_MERGE_LATEST)
    })
}

/// When the last check arrived, as milliseconds since `since`.
#[derive(Clone)]
struct LastCheck {
    since: Instant,
    ms: Arc<std::sync::atomic::AtomicU64>,
}

impl LastCheck {
    fn new() -> LastCheck {
        LastCheck {
            since: Instant::now(),
            ms: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        }
    }

    /// A check arrives.
    fn arrives(&self) {
        let now = self.since.elapsed().as_millis() as u64;
        self.ms.store(now, std::sync::atomic::Ordering::Relaxed);
    }

    /// Time since the last check arrived (since the start if none has).
    fn elapsed(&self) -> Duration {
        let last = Duration::from_millis(self.ms.load(std::sync::atomic::Ordering::Relaxed));
        self.since.elapsed().saturating_sub(last)
    }
}

/// Longest accepted document id, in bytes.
const MAX_ID: usize = 1024;

/// Runs the service until SIGINT or SIGTERM.
pub fn run(args: ServeArgs) -> Result<u8> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(serve(args))
}

struct AppState {
    archive: Arc<Archive>,
    writer: mpsc::Sender<Op>,
    started: Instant,
    last_check: LastCheck,
}

type Shared = Arc<AppState>;

/// Why a write failed.
enum WriteError {
    /// Refused by the archive (duplicate, invalid, index error).
    Archive(ArchiveError),
    /// The commit failed or the writer hit a bug: nothing was acknowledged.
    Internal(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Archive(e) => write!(f, "{e}"),
            WriteError::Internal(m) => f.write_str(m),
        }
    }
}

impl From<ArchiveError> for WriteError {
    fn from(e: ArchiveError) -> WriteError {
        WriteError::Archive(e)
    }
}

fn write_error(e: &WriteError) -> Response {
    match e {
        WriteError::Archive(e) => archive_error(e),
        WriteError::Internal(m) => internal(m),
    }
}

type Reply<T> = oneshot::Sender<Result<T, WriteError>>;

/// A write, with where to send its outcome.
enum Op {
    Add(Document, Reply<Added>),
    Delete(String, Reply<bool>),
    Expire(u64),
}

/// Asks Linux not to back this process's memory with transparent huge
/// pages (mimalloc asks for them). With them, the first touch of each new
/// 2 MB of the heap clears all of it at once: on the project's 2-core VM a
/// check that grew a cache waited tens of milliseconds in such a fault (a
/// 375 kB manual page took 205-290 ms right after 20,000 adds, 80-110 ms
/// without). Returns whether it was set; elsewhere than Linux, false.
fn no_huge_pages() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl with PR_SET_THP_DISABLE only reads its integer
        // arguments and sets a flag of this process.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

async fn serve(args: ServeArgs) -> Result<u8> {
    // Steady latency matters more to a service than the few percent huge
    // pages save elsewhere.
    no_huge_pages();
    let archive = Arc::new(
        Archive::open(&args.index)
            .with_context(|| format!("opening index {}", args.index.display()))?,
    );
    if let Some(days) = args.keep_days {
        archive.expire_older_than(days)?;
        archive.commit()?;
    }
    // The first checks in each language should not wait for its data.
    let t = Instant::now();
    let langs = archive.preload()?;
    eprintln!(
        "crossdup: language data for {} loaded in {:.1} s",
        langs
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join(", "),
        t.elapsed().as_secs_f64()
    );
    let (tx, rx) = mpsc::channel::<Op>(1024);
    // Written before this start, maybe: the first pause merges what is small.
    let last_write: LastWrite = Arc::new(std::sync::Mutex::new(Some(Instant::now())));
    let last_check = LastCheck::new();
    let writer = {
        let archive = archive.clone();
        let max_batch = args.max_batch.max(1);
        let last_write = last_write.clone();
        std::thread::Builder::new()
            .name("crossdup-writer".into())
            .spawn(move || writer_loop(&archive, rx, max_batch, &last_write))
            .context("starting the writer thread")?
    };
    let retention = args.keep_days.map(|days| {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            every.tick().await; // the first tick is immediate; expired at start already
            loop {
                every.tick().await;
                if tx.send(Op::Expire(days)).await.is_err() {
                    break;
                }
            }
        })
    });
    // Merges end after the commit that started them; searches see their
    // (fewer, larger) segments once the reader is refreshed. Once writes
    // pause, and checks too (see [`merge_due`]), the small segments they
    // left are merged.
    let refresher = {
        let archive = archive.clone();
        let last_check = last_check.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(REFRESH_EVERY);
            let mut failed = false;
            loop {
                every.tick().await;
                let since_write = last_write
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .map(|t| t.elapsed());
                if merge_due(since_write, last_check.elapsed()) {
                    let a = archive.clone();
                    let r = tokio::task::spawn_blocking(move || a.merge_small_segments()).await;
                    // Started (or refused while another merge runs): look
                    // again at the next tick. Nothing to do, or failed: done
                    // until the next write.
                    if !matches!(r, Ok(Ok(n)) if n > 0) {
                        if let Ok(Err(e)) = &r {
                            eprintln!("crossdup: merging small index segments failed: {e}");
                        }
                        let mut lw = last_write.lock().unwrap_or_else(|e| e.into_inner());
                        if paused(&lw) {
                            *lw = None;
                        }
                    }
                }
                let a = archive.clone();
                let r = tokio::task::spawn_blocking(move || a.refresh()).await;
                if let Ok(Err(e)) = r {
                    // Said once, not every second; the next commit reloads.
                    if !failed {
                        eprintln!("crossdup: refreshing the index reader failed: {e}");
                    }
                    failed = true;
                } else {
                    failed = false;
                }
            }
        })
    };
    let state = Arc::new(AppState {
        archive: archive.clone(),
        writer: tx,
        started: Instant::now(),
        last_check,
    });
    let app = router(state, args.max_body);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    eprintln!(
        "crossdup: index {} ({} documents)",
        args.index.display(),
        archive.len()
    );
    eprintln!("crossdup: listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    // The router (and its sender) is gone; stop retention so the writer
    // sees the channel close, finishes what is queued and exits.
    if let Some(r) = retention {
        r.abort();
        let _ = r.await;
    }
    refresher.abort();
    let _ = refresher.await;
    tokio::task::spawn_blocking(move || writer.join())
        .await
        .ok()
        .and_then(|r| r.ok())
        .context("the writer thread failed")?;
    eprintln!("crossdup: stopped ({} documents)", archive.len());
    Ok(0)
}

fn router(state: Shared, max_body: usize) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/stats", get(stats))
        .route("/check", post(check))
        .route("/documents", post(add))
        .route("/documents/{*rest}", get(get_document).delete(delete))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed here")
        })
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    eprintln!("crossdup: shutting down");
}

// ---------------------------------------------------------------- responses

fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(v) => (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            v,
        )
            .into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("serialising the answer: {e}"),
        ),
    }
}

fn error(status: StatusCode, msg: &str) -> Response {
    let body = serde_json::to_vec(&json!({ "error": msg })).unwrap_or_default();
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn archive_error(e: &ArchiveError) -> Response {
    let status = match e {
        ArchiveError::Duplicate(_) => StatusCode::CONFLICT,
        ArchiveError::Analyze(_) | ArchiveError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        ArchiveError::Index(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, &e.to_string())
}

fn internal(what: &str) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, what)
}

// ------------------------------------------------------------------- input

/// Parses and validates a document body; the error is the status and message to answer.
fn parse_doc(body: Result<Bytes, BytesRejection>) -> Result<Document, (StatusCode, String)> {
    let bytes = body.map_err(|r| {
        let status = r.status();
        let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "request body too large".to_string()
        } else {
            r.body_text()
        };
        (status, msg)
    })?;
    let doc: Document = serde_json::from_slice(&bytes).map_err(|e| {
        let status = match e.classify() {
            serde_json::error::Category::Data => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, format!("invalid document JSON: {e}"))
    })?;
    let bad = |msg: String| Err((StatusCode::UNPROCESSABLE_ENTITY, msg));
    if doc.id.is_empty() {
        return bad("empty id".into());
    }
    if doc.id.len() > MAX_ID {
        return bad(format!("id longer than {MAX_ID} bytes"));
    }
    if doc.text.trim().is_empty() {
        return bad(format!("document {:?}: no text", doc.id));
    }
    if let Some(l) = &doc.lang {
        if Lang::from_code(l).is_none() {
            let e = l.parse::<Lang>().err().map(|e| e.to_string());
            return bad(format!(
                "document {:?}: {}",
                doc.id,
                e.unwrap_or_else(|| format!("unsupported language {l:?}"))
            ));
        }
    }
    Ok(doc)
}

/// The document id named by a `/documents/...` path (percent-decoded), and
/// whether the path asks for its matches (a literal `/matches` suffix).
fn path_id(uri: &Uri) -> Option<(String, bool)> {
    let rest = uri.path().strip_prefix("/documents/")?;
    let (raw, matches) = match rest.strip_suffix("/matches") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let id = percent_decode(raw)?;
    (!id.is_empty()).then_some((id, matches))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = b.get(i + 1..i + 3)?;
            if !h.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(h).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

// ---------------------------------------------------------------- handlers

async fn health() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

async fn stats(State(st): State<Shared>) -> Response {
    let archive = st.archive.clone();
    let uptime = st.started.elapsed().as_secs();
    let r = tokio::task::spawn_blocking(move || {
        archive.languages().map(|langs| {
            json!({
                "documents": archive.len(),
                "languages": langs,
                "size_bytes": archive.index().size_bytes(),
                "segments": archive.index().segments(),
                "uptime_seconds": uptime,
            })
        })
    })
    .await;
    match r {
        Ok(Ok(v)) => json_response(StatusCode::OK, &v),
        Ok(Err(e)) => archive_error(&e),
        Err(_) => internal("reading statistics failed"),
    }
}

#[derive(Serialize)]
struct MatchesOut<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    matches: &'a [PairRecord],
}

async fn check(State(st): State<Shared>, body: Result<Bytes, BytesRejection>) -> Response {
    let doc = match parse_doc(body) {
        Ok(d) => d,
        Err((status, msg)) => return error(status, &msg),
    };
    st.last_check.arrives();
    let archive = st.archive.clone();
    let r = tokio::task::spawn_blocking(move || {
        let m = archive.check(&doc);
        (doc.id, m)
    })
    .await;
    match r {
        Ok((id, Ok(matches))) => json_response(
            StatusCode::OK,
            &MatchesOut {
                id: &id,
                lang: None,
                matches: &matches,
            },
        ),
        Ok((_, Err(e))) => archive_error(&e),
        Err(_) => internal("checking the document failed"),
    }
}

async fn add(State(st): State<Shared>, body: Result<Bytes, BytesRejection>) -> Response {
    let doc = match parse_doc(body) {
        Ok(d) => d,
        Err((status, msg)) => return error(status, &msg),
    };
    let (tx, rx) = oneshot::channel();
    if st.writer.send(Op::Add(doc, tx)).await.is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    match rx.await {
        Ok(Ok(added)) => json_response(
            StatusCode::CREATED,
            &MatchesOut {
                id: &added.doc.id,
                lang: Some(&added.doc.lang),
                matches: &added.matches,
            },
        ),
        Ok(Err(e)) => write_error(&e),
        Err(_) => internal("adding the document failed"),
    }
}

async fn get_document(State(st): State<Shared>, uri: Uri) -> Response {
    let Some((id, want_matches)) = path_id(&uri) else {
        return error(StatusCode::NOT_FOUND, "no such document");
    };
    if want_matches {
        st.last_check.arrives();
    }
    let archive = st.archive.clone();
    let r = tokio::task::spawn_blocking(move || {
        if want_matches {
            archive.matches(&id).map(|m| {
                m.map(|m| {
                    serde_json::to_vec(&MatchesOut {
                        id: &id,
                        lang: None,
                        matches: &m,
                    })
                })
            })
        } else {
            archive.get(&id).map(|d| d.map(|d| serde_json::to_vec(&d)))
        }
    })
    .await;
    match r {
        Ok(Ok(Some(Ok(v)))) => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            v,
        )
            .into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "no such document"),
        Ok(Ok(Some(Err(e)))) => internal(&format!("serialising the answer: {e}")),
        Ok(Err(e)) => archive_error(&e),
        Err(_) => internal("reading the document failed"),
    }
}

async fn delete(State(st): State<Shared>, uri: Uri) -> Response {
    let Some((id, false)) = path_id(&uri) else {
        return error(StatusCode::NOT_FOUND, "no such document");
    };
    let (tx, rx) = oneshot::channel();
    if st.writer.send(Op::Delete(id, tx)).await.is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    match rx.await {
        Ok(Ok(true)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Ok(false)) => error(StatusCode::NOT_FOUND, "no such document"),
        Ok(Err(e)) => write_error(&e),
        Err(_) => internal("deleting the document failed"),
    }
}

// ------------------------------------------------------------------ writer

/// An applied write waiting for the batch's commit before it is answered.
enum Pending {
    Add(Result<Added, WriteError>, Reply<Added>),
    Delete(Result<bool, WriteError>, Reply<bool>),
}

fn cosine(a: &[(u64, u32)], b: &[(u64, u32)]) -> f32 {
    let norm = |v: &[(u64, u32)]| v.iter().map(|&(_, c)| (c as f64).powi(2)).sum::<f64>();
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let map: std::collections::HashMap<u64, u32> = a.iter().copied().collect();
    let dot: f64 = b
        .iter()
        .filter_map(|&(t, c)| map.get(&t).map(|&ca| ca as f64 * c as f64))
        .sum();
    (dot / (na.sqrt() * nb.sqrt())) as f32
}

/// The pairs of `p` with the articles added earlier in the same batch
/// (which the index does not show before the commit).
fn batch_matches(p: &Profile, earlier: &[Arc<Profile>]) -> Vec<PairRecord> {
    let opts = ScanOptions::default();
    let (mono, pivot) = (mono_terms(p), pivot_terms(p));
    let mut out = Vec::new();
    for q in earlier {
        let sim = if q.lang == p.lang {
            cosine(&mono, &mono_terms(q))
        } else {
            cosine(&pivot, &pivot_terms(q))
        };
        if sim < opts.min_candidate {
            continue;
        }
        if let Some(m) = compare(p, q, &opts.verdict) {
            if m.score >= opts.min_score {
                out.push(PairRecord::new(p, q, &m));
            }
        }
    }
    out
}

fn panicked<T>(what: &str) -> Result<T, WriteError> {
    Err(WriteError::Internal(format!(
        "internal error while processing {what:?}"
    )))
}

/// The outcome to send once the batch's commit is known.
fn settle<T>(
    committed: &Result<(), WriteError>,
    r: Result<T, WriteError>,
) -> Result<T, WriteError> {
    match (committed, r) {
        (Ok(()), r) => r,
        (Err(e), Ok(_)) => Err(WriteError::Internal(match e {
            WriteError::Archive(e) => format!("commit failed: {e}"),
            WriteError::Internal(m) => m.clone(),
        })),
        (Err(_), Err(e)) => Err(e),
    }
}

fn writer_loop(
    archive: &Archive,
    mut rx: mpsc::Receiver<Op>,
    max_batch: usize,
    last_write: &LastWrite,
) {
    let mut carry: Option<Op> = None;
    loop {
        let first = match carry.take() {
            Some(op) => op,
            None => match rx.blocking_recv() {
                Some(op) => op,
                None => return,
            },
        };
        // Gather a batch: whatever is queued, one write per id (two writes
        // of one id go to different batches, so each sees the other
        // committed); retention ends a batch.
        let mut ops: Vec<Op> = Vec::new();
        let mut touched: HashSet<String> = HashSet::new();
        let mut next = Some(first);
        while let Some(op) = next.take() {
            let id = match &op {
                Op::Add(d, _) => Some(d.id.clone()),
                Op::Delete(id, _) => Some(id.clone()),
                Op::Expire(_) => None,
            };
            let fresh = id.as_ref().is_some_and(|id| !touched.contains(id));
            if !ops.is_empty() && !fresh {
                carry = Some(op);
                break;
            }
            touched.extend(id);
            let expire = matches!(op, Op::Expire(_));
            ops.push(op);
            if expire {
                break;
            }
            if ops.len() < max_batch {
                next = rx.try_recv().ok();
            }
        }
        // The read-only work of the adds (analysis, matching against the
        // index) runs in parallel; the writes then follow in arrival order.
        let docs: Vec<Option<&Document>> = ops
            .iter()
            .map(|op| match op {
                Op::Add(d, _) => Some(d),
                _ => None,
            })
            .collect();
        let mut prepared: Vec<Option<Result<Prepared, WriteError>>> = docs
            .par_iter()
            .map(|d| {
                d.map(|d| {
                    catch_unwind(AssertUnwindSafe(|| {
                        archive.prepare_new(d.clone()).map_err(WriteError::from)
                    }))
                    .unwrap_or_else(|_| panicked(&d.id))
                })
            })
            .collect();
        let mut pending: Vec<Pending> = Vec::new();
        let mut batch: Vec<Arc<Profile>> = Vec::new();
        for (op, prep) in ops.into_iter().zip(prepared.iter_mut()) {
            match op {
                Op::Add(doc, tx) => {
                    let prep = prep.take().unwrap_or_else(|| panicked(&doc.id));
                    let r = prep.and_then(|mut p| {
                        catch_unwind(AssertUnwindSafe(|| {
                            let extra = batch_matches(p.profile(), &batch);
                            if !extra.is_empty() {
                                p.matches.extend(extra);
                                p.matches.sort_by(|x, y| {
                                    y.score.total_cmp(&x.score).then_with(|| x.b.cmp(&y.b))
                                });
                            }
                            let profile = p.profile().clone();
                            let r = archive.insert(p).map_err(WriteError::from);
                            if r.is_ok() {
                                batch.push(profile);
                            }
                            r
                        }))
                        .unwrap_or_else(|_| panicked(&doc.id))
                    });
                    pending.push(Pending::Add(r, tx));
                }
                Op::Delete(id, tx) => {
                    let r = catch_unwind(AssertUnwindSafe(|| {
                        archive.delete(&id).map_err(WriteError::from)
                    }))
                    .unwrap_or_else(|_| panicked(&id));
                    pending.push(Pending::Delete(r, tx));
                }
                Op::Expire(days) => {
                    if let Err(e) = archive.expire_older_than(days) {
                        eprintln!("crossdup: retention failed: {e}");
                    }
                }
            }
        }
        let committed = catch_unwind(AssertUnwindSafe(|| {
            archive.commit().map_err(WriteError::from)
        }))
        .unwrap_or_else(|_| panicked("commit"));
        if let Err(e) = &committed {
            eprintln!("crossdup: commit failed: {e}");
            let _ = archive.index().rollback();
        }
        *last_write.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        for p in pending {
            match p {
                Pending::Add(r, tx) => {
                    let _ = tx.send(settle(&committed, r));
                }
                Pending::Delete(r, tx) => {
                    let _ = tx.send(settle(&committed, r));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_merge_waits_for_a_pause_in_writes_and_in_checks() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        // Merged already, or writes too recent.
        assert!(!merge_due(None, s(3600)));
        assert!(!merge_due(Some(ms(4900)), s(3600)));
        // Writes paused, checks quiet: due.
        assert!(merge_due(Some(s(5)), s(1)));
        // Writes paused, but checks are coming: not yet...
        assert!(!merge_due(Some(s(6)), ms(200)));
        assert!(!merge_due(Some(ms(59_900)), ms(0)));
        // ...unless writes have paused for a minute.
        assert!(merge_due(Some(s(60)), ms(0)));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_service_runs_without_transparent_huge_pages() {
        assert!(no_huge_pages());
        // SAFETY: PR_GET_THP_DISABLE only reads this process's flag.
        assert_eq!(
            unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) },
            1
        );
    }

    #[test]
    fn last_check_tells_the_time_since_the_last_arrival() {
        let ms = Duration::from_millis;
        let l = LastCheck::new();
        std::thread::sleep(ms(30));
        assert!(l.elapsed() >= ms(30));
        // Milliseconds are stored: at most one more than the truth.
        let t = Instant::now();
        l.arrives();
        assert!(l.elapsed() <= t.elapsed() + ms(1));
        // Clones share the arrivals.
        let c = l.clone();
        std::thread::sleep(ms(30));
        assert!(l.elapsed() >= ms(30));
        let t = Instant::now();
        c.arrives();
        assert!(l.elapsed() <= t.elapsed() + ms(1));
    }
}
