//! Check latency against an existing archive, without HTTP: opens the
//! archive, checks every document of the given inputs one at a time (twice:
//! a first pass to warm the profile cache, as a running service has it, then
//! the timed pass) and prints percentiles and the slowest checks.
//!
//!     cargo run --release --example check_latency -- [--unseen | --best-of N] INDEX INPUT...
//!
//! With `--best-of N`, each document is timed N times and its fastest time
//! kept: less noise from a busy machine when comparing two builds.
//!
//! With `--unseen`, the first pass checks only every other document, and the
//! timed pass the others, each once: the index has never been asked for
//! their terms, as with a new article in a service (the warmed documents'
//! terms are all remembered, which the default passes time). Three seconds of
//! rest after opening lets the index's background work settle.

use std::time::Instant;

// The allocator of the `crossdup` binary, so that the figures are its own.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crossdup::text::analyze::{analyze, AnalyzeOptions};
use crossdup::{matching::profile, read_inputs, Archive, ReadOptions};

fn pct(xs: &[f64], q: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)]
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut best_of = 1;
    let unseen = args.first().map(String::as_str) == Some("--unseen");
    if unseen {
        args.remove(0);
    }
    if args.first().map(String::as_str) == Some("--best-of") {
        if unseen {
            eprintln!("check_latency: --unseen times each document once, not the best of N");
            std::process::exit(2);
        }
        best_of = match args.get(1).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n > 0 => n,
            _ => {
                eprintln!("check_latency: --best-of takes a positive number");
                std::process::exit(2);
            }
        };
        args.drain(..2);
    }
    if args.len() < 2 {
        eprintln!("usage: check_latency [--unseen | --best-of N] INDEX INPUT...");
        std::process::exit(2);
    }
    let archive = match Archive::open_existing(&args[0]) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("check_latency: {e}");
            std::process::exit(1);
        }
    };
    let mut docs = read_inputs(&args[1..], &ReadOptions::default()).documents;
    if unseen {
        std::thread::sleep(std::time::Duration::from_secs(3));
        let (warm, timed): (Vec<_>, Vec<_>) =
            docs.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
        for (_, d) in &warm {
            let _ = archive.check(d);
        }
        docs = timed.into_iter().map(|(_, d)| d).collect();
    } else {
        for d in &docs {
            let _ = archive.check(d);
        }
    }
    let (mut total, mut own) = (Vec::new(), Vec::new());
    let mut slow = Vec::new();
    for d in &docs {
        let (mut ms, mut analysis, mut n) = (f64::MAX, f64::MAX, 0);
        for _ in 0..best_of {
            let t = Instant::now();
            let _ = analyze(d.clone(), &AnalyzeOptions::default(), None).map(|a| profile(&a));
            analysis = analysis.min(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            n = archive.check(d).map(|m| m.len()).unwrap_or(0);
            ms = ms.min(t.elapsed().as_secs_f64() * 1e3);
        }
        own.push(analysis);
        total.push(ms);
        slow.push((ms, d.id.clone(), d.text.len(), n, *own.last().unwrap()));
    }
    println!(
        "{} checks against {} documents: mean {:.2} ms, p50 {:.1} ms, p90 {:.1} ms, p96 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        total.len(),
        archive.len(),
        total.iter().sum::<f64>() / total.len().max(1) as f64,
        pct(&total, 0.5),
        pct(&total, 0.9),
        pct(&total, 0.96),
        pct(&total, 0.99),
        pct(&total, 1.0)
    );
    println!(
        "of which analysing the query: p50 {:.1} ms, p99 {:.1} ms",
        pct(&own, 0.5),
        pct(&own, 0.99)
    );
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, id, len, n, o) in slow.iter().take(16) {
        println!("  {ms:7.1} ms  {id} ({len} bytes, {n} matches) analysis {o:.1}");
    }
}
