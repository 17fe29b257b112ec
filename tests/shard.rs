//! `crossdup shard`: the stages of a scan, run as separate processes over
//! shards with the in-memory engine (`crossdup shard engine`) between them,
//! must print exactly what one `crossdup scan` prints.
//!
//! Registered in `crates/crossdup-cli/Cargo.toml` as the `shard` test.
//! `benches/shard_sim.py` runs the same pipeline with DataFusion as the engine.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_crossdup"))
        .args(args)
        .output()
        .expect("running crossdup");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "crossdup panicked:\n{err}");
    o
}

fn ok(args: &[&str]) -> Output {
    let o = run(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "crossdup {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// W/<name>/<shard>.jsonl
fn t(w: &Path, name: &str, s: usize) -> String {
    w.join(name)
        .join(format!("{s}.jsonl"))
        .display()
        .to_string()
}

fn all(w: &Path, name: &str, n: usize) -> Vec<String> {
    (0..n).map(|s| t(w, name, s)).collect()
}

/// Runs every stage over `n` shards of `input` in work folder `w`; returns
/// the final JSON Lines.
fn sharded_scan(input: &Path, w: &Path, n: usize) -> String {
    let (wd, ns, input) = (
        w.display().to_string(),
        n.to_string(),
        input.display().to_string(),
    );
    let engine = |step: &str| ok(&["shard", "engine", step, "--dir", &wd, "--shards", &ns]);
    ok(&["shard", "split", &input, "--shards", &ns, "--dir", &wd]);
    let split: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(w.join("split.json")).unwrap()).unwrap();
    let docs = split["documents"].to_string();
    // The collection's main language, as split found it, for every analysis.
    let prefer: Vec<String> = split["prefer"]
        .as_str()
        .map(|l| vec!["--prefer-lang".to_string(), l.to_string()])
        .unwrap_or_default();
    for s in 0..n {
        ok(&[
            "shard",
            "lines",
            "--docs",
            &t(w, "docs", s),
            "--out",
            &t(w, "lines", s),
        ]);
    }
    engine("line-df");
    for s in 0..n {
        ok(&[
            "shard",
            "analyze",
            "--docs",
            &t(w, "docs", s),
            "--line-df",
            &t(w, "linedf", s),
            "--documents",
            &docs,
            "--meta",
            &t(w, "meta", s),
            "--terms",
            &t(w, "terms", s),
        ]
        .into_iter()
        .chain(prefer.iter().map(String::as_str))
        .collect::<Vec<_>>());
    }
    engine("term-df");
    let plan = w.join("plan.json").display().to_string();
    for s in 0..n {
        ok(&[
            "shard",
            "norms",
            "--term-df",
            &t(w, "termdf", s),
            "--plan",
            &plan,
            "--out",
            &t(w, "norms", s),
        ]);
    }
    engine("evidence");
    for s in 0..n {
        ok(&[
            "shard",
            "candidates",
            "--evidence",
            &t(w, "evidence", s),
            "--plan",
            &plan,
            "--out",
            &t(w, "cands", s),
        ]);
    }
    let verify = |round: &str, out: &str| {
        let base = w.join(round);
        for s in 0..n {
            ok(&[
                "shard",
                "verify",
                "--tasks",
                &t(&base, "tasks", s),
                "--docs",
                &t(&base, "docs", s),
                "--line-df",
                &t(&base, "linedf", s),
                "--documents",
                &docs,
                "--out",
                &t(w, out, s),
            ]
            .into_iter()
            .chain(prefer.iter().map(String::as_str))
            .collect::<Vec<_>>());
        }
    };
    engine("verify-tasks");
    verify("verify", "pairs");
    let (kept, bridge) = (w.join("kept.jsonl"), w.join("bridge.jsonl"));
    let (kept, bridge) = (kept.display().to_string(), bridge.display().to_string());
    let mut args = vec!["shard", "bridge", "--kept", &kept, "--tasks", &bridge];
    let (pairs, meta) = (all(w, "pairs", n), all(w, "meta", n));
    args.push("--pairs");
    args.extend(pairs.iter().map(String::as_str));
    args.push("--meta");
    args.extend(meta.iter().map(String::as_str));
    ok(&args);
    engine("bridge-tasks");
    verify("bridge", "extra");
    let extra = all(w, "extra", n);
    let mut args = vec!["shard", "finish", "--clusters", "--quiet", "--pairs", &kept];
    args.push("--extra");
    args.extend(extra.iter().map(String::as_str));
    args.push("--meta");
    args.extend(meta.iter().map(String::as_str));
    String::from_utf8(ok(&args).stdout).expect("UTF-8 output")
}

fn assert_same_as_scan(input: &Path, shards: usize) {
    let reference = ok(&[
        "scan",
        &input.display().to_string(),
        "--format",
        "jsonl",
        "--clusters",
        "--quiet",
    ]);
    let reference = String::from_utf8(reference.stdout).unwrap();
    assert!(
        reference.contains("\"type\":\"pair\""),
        "no pairs to compare"
    );
    let w = tempfile::tempdir().unwrap();
    let got = sharded_scan(input, w.path(), shards);
    let (r, g): (Vec<&str>, Vec<&str>) = (reference.lines().collect(), got.lines().collect());
    for (k, (x, y)) in r.iter().zip(&g).enumerate() {
        assert_eq!(x, y, "record {k} differs ({} shards)", shards);
    }
    assert_eq!(r.len(), g.len(), "record counts differ ({shards} shards)");
}

#[test]
fn sharded_scan_of_the_samples_equals_scan() {
    assert_same_as_scan(&repo_root().join("data/samples"), 2);
}

#[test]
fn sharded_scan_of_the_seeds_equals_scan() {
    let seeds = repo_root().join("../shared/seeds");
    if !seeds.is_dir() {
        eprintln!("skipped: {} not found", seeds.display());
        return;
    }
    assert_same_as_scan(&seeds, 3);
}

#[test]
fn more_shards_than_documents_still_equals_scan() {
    let w = tempfile::tempdir().unwrap();
    let dir = w.path().join("in");
    fs::create_dir_all(&dir).unwrap();
    let text = "The port authority closed the harbour after a fire broke out in a warehouse on Monday night.\nFirefighters needed six hours to bring the blaze under control, officials said.\n";
    fs::write(dir.join("a.txt"), text).unwrap();
    fs::write(dir.join("b.txt"), text).unwrap();
    assert_same_as_scan(&dir, 4);
}

#[test]
fn missing_and_malformed_inputs_are_clear_errors() {
    let w = tempfile::tempdir().unwrap();
    let missing = w.path().join("nope.jsonl").display().to_string();
    let out = w.path().join("out.jsonl").display().to_string();
    let o = run(&["shard", "lines", "--docs", &missing, "--out", &out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.jsonl"));

    let bad = w.path().join("docs.jsonl");
    fs::write(
        &bad,
        "{\"seq\": 0, \"id\": \"a\", \"text\": \"x\"}\n{\"seq\": \"one\"}\n",
    )
    .unwrap();
    let o = run(&[
        "shard",
        "lines",
        "--docs",
        &bad.display().to_string(),
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 2: bad row"), "{err}");

    // Evidence naming a document with itself is refused, not trusted.
    let plan = w.path().join("plan.json");
    fs::write(
        &plan,
        String::from_utf8(ok(&["shard", "plan", "--profiles", "10"]).stdout).unwrap(),
    )
    .unwrap();
    let ev = w.path().join("evidence.jsonl");
    fs::write(&ev, "{\"index\":\"mono\",\"i\":1,\"d\":1,\"lang_i\":\"en\",\"lang_d\":\"en\",\"norm_i\":1.0,\"norm_d\":1.0,\"approx\":0.0,\"terms\":[],\"ci\":[],\"cd\":[],\"df\":[]}\n").unwrap();
    let o = run(&[
        "shard",
        "candidates",
        "--evidence",
        &ev.display().to_string(),
        "--plan",
        &plan.display().to_string(),
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("with itself"));
}

#[test]
fn sharded_scan_sees_other_documents_headlines_as_scan_does() {
    // A page whose link lines are the headlines of documents in other shards.
    let w = tempfile::tempdir().unwrap();
    let dir = w.path().join("in");
    fs::create_dir_all(&dir).unwrap();
    let b = "Floods close three schools in the valley";
    let c = "The central bank holds its rate again";
    let body = "The port authority closed the harbour after a fire broke out in a warehouse on Monday night.\n\nFirefighters needed six hours to bring the blaze under control, officials said.\n";
    let page = format!("Harbour closed after warehouse fire\n\n{body}\n{b}\n{c}\n");
    fs::write(dir.join("a.txt"), &page).unwrap();
    fs::write(
        dir.join("a-copy.txt"),
        format!("Fire shuts the harbour\n\n{body}"),
    )
    .unwrap();
    fs::write(
        dir.join("b.txt"),
        format!("{b}\n\nThree schools stayed shut on Tuesday as the river rose again.\n"),
    )
    .unwrap();
    fs::write(
        dir.join("c.txt"),
        format!("{c}\n\nThe bank left its main rate unchanged for a third month.\n"),
    )
    .unwrap();
    let out = String::from_utf8(
        ok(&[
            "scan",
            &dir.display().to_string(),
            "--format",
            "jsonl",
            "--quiet",
        ])
        .stdout,
    )
    .unwrap();
    let a = out
        .lines()
        .find(|l| l.contains("\"type\":\"doc\"") && l.contains("\"id\":\"a.txt\""))
        .expect("doc record of a.txt");
    assert!(
        a.contains("\"lines\":[7,8]") && a.contains("related_links"),
        "{a}"
    );
    assert_same_as_scan(&dir, 3);
}
