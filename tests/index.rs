//! End-to-end tests of the persistent index: incremental adds give the same
//! pairs as one scan, and damaged or foreign folders are refused cleanly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crossdup"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    let out = bin().args(args).output().expect("crossdup runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "crossdup panicked: {err}");
    out
}

/// (a, b, relation, score) of every pair record, sorted.
fn pairs(stdout: &[u8]) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["type"] == "pair")
        .map(|r| {
            let (a, b) = (
                r["a"].as_str().unwrap().to_string(),
                r["b"].as_str().unwrap().to_string(),
            );
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            (
                a,
                b,
                r["relation"].as_str().unwrap().to_string(),
                r["score"].to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else if p.extension().is_some_and(|x| x == "txt") {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Splits a collection into two folders, adds them to an index one after the
/// other, and checks `scan --index` against one scan of both folders.
fn incremental_equals_batch(first: &[&Path], second: &[&Path]) {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (dst, srcs) in [(&a, first), (&b, second)] {
        for s in srcs {
            if s.is_dir() {
                copy_dir(s, &dst.join(s.file_name().unwrap()));
            } else {
                std::fs::create_dir_all(dst).unwrap();
                std::fs::copy(s, dst.join(s.file_name().unwrap())).unwrap();
            }
        }
    }
    let ix = tmp.path().join("ix");
    let (a, b, ix) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        ix.to_str().unwrap(),
    );
    assert!(run(&["index", "add", "--index", ix, "-q", a])
        .status
        .success());
    assert!(run(&["index", "add", "--index", ix, "-q", b])
        .status
        .success());
    let from_index = run(&["scan", "--index", ix, "--format", "jsonl", "-q"]);
    assert!(from_index.status.success());
    let batch = run(&["scan", a, b, "--format", "jsonl", "-q"]);
    assert!(batch.status.success());
    let (p1, p2) = (pairs(&from_index.stdout), pairs(&batch.stdout));
    assert!(
        !p2.is_empty(),
        "the collection should hold at least one pair"
    );
    assert_eq!(p1, p2, "index add + add + scan --index must equal one scan");
}

#[test]
fn incremental_adds_give_the_same_pairs_as_one_scan_on_the_samples() {
    let s = repo().join("data/samples");
    incremental_equals_batch(&[&s.join("en")], &[&s.join("it")]);
}

#[test]
fn incremental_adds_give_the_same_pairs_as_one_scan_on_the_seeds() {
    let seeds = repo().join("../shared/seeds");
    if !seeds.is_dir() {
        eprintln!("skipped: {} not found", seeds.display());
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let (x, y) = files.split_at(files.len() / 2);
    let x: Vec<&Path> = x.iter().map(|p| p.as_path()).collect();
    let y: Vec<&Path> = y.iter().map(|p| p.as_path()).collect();
    incremental_equals_batch(&x, &y);
}

#[test]
fn deletes_check_and_stats() {
    let tmp = tempfile::tempdir().unwrap();
    let ix = tmp.path().join("ix");
    let ix = ix.to_str().unwrap();
    let en = repo().join("data/samples/en");
    assert!(
        run(&["index", "add", "--index", ix, "-q", en.to_str().unwrap()])
            .status
            .success()
    );
    // The Italian translation finds its English original in the index.
    let it = repo().join("data/samples/it/harbour-fire.txt");
    let out = run(&[
        "check",
        "--index",
        ix,
        "--format",
        "jsonl",
        it.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let found = pairs(&out.stdout);
    assert!(
        found
            .iter()
            .any(|p| p.1 == "harbour-fire.txt" && p.2 == "translation"),
        "{found:?}"
    );
    let stats = run(&["index", "stats", "--index", ix]);
    let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(v["documents"], 4);
    assert!(v["segments"].as_u64().is_some_and(|n| n >= 1), "{v}");
    assert!(run(&["index", "delete", "--index", ix, "harbour-fire.txt"])
        .status
        .success());
    let stats = run(&["index", "stats", "--index", ix]);
    let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(v["documents"], 3);
    // Deleting an unknown id is reported, not a crash.
    assert_eq!(
        run(&["index", "delete", "--index", ix, "nope"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn foreign_and_damaged_index_folders_are_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let foreign = tmp.path().join("notes");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("todo.txt"), "keep me").unwrap();
    let sample = repo().join("data/samples/en");
    let out = run(&[
        "index",
        "add",
        "--index",
        foreign.to_str().unwrap(),
        sample.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a crossdup index"));
    assert_eq!(
        std::fs::read_to_string(foreign.join("todo.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);

    // A damaged index (tantivy's meta.json overwritten) gives a clear error.
    let ix = tmp.path().join("ix");
    let ixs = ix.to_str().unwrap();
    assert!(run(&[
        "index",
        "add",
        "--index",
        ixs,
        "-q",
        sample.to_str().unwrap()
    ])
    .status
    .success());
    std::fs::write(ix.join("meta.json"), "{ not json").unwrap();
    for args in [
        vec!["scan", "--index", ixs],
        vec!["index", "stats", "--index", ixs],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("error"));
    }
    // A missing index is an error too, and is not created by read-only commands.
    let missing = tmp.path().join("missing");
    let out = run(&["scan", "--index", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!missing.exists());
}

#[test]
fn clusters_list_connected_copies_with_a_representative() {
    let s = repo().join("data/samples");
    let out = run(&[
        "scan",
        s.to_str().unwrap(),
        "--clusters",
        "--format",
        "jsonl",
        "-q",
    ]);
    assert!(out.status.success());
    let recs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let clusters: Vec<&serde_json::Value> =
        recs.iter().filter(|r| r["type"] == "cluster").collect();
    let pairs: Vec<&serde_json::Value> = recs.iter().filter(|r| r["type"] == "pair").collect();
    assert_eq!(
        clusters.len(),
        pairs.len(),
        "the sample's two pairs are unconnected"
    );
    for p in pairs {
        let c = clusters
            .iter()
            .find(|c| c["cluster"] == p["cluster"])
            .expect("pair has a cluster");
        let members: Vec<&str> = c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert!(
            members.contains(&p["a"].as_str().unwrap())
                && members.contains(&p["b"].as_str().unwrap())
        );
        assert!(members.contains(&c["representative"].as_str().unwrap()));
    }
}
