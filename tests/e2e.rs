//! End-to-end tests of the `crossdup` binary.
//!
//! Registered in `crates/crossdup-cli/Cargo.toml` as the `e2e` test, so that
//! Cargo builds the binary first and hands us its path.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crossdup"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn samples() -> PathBuf {
    repo_root().join("data/samples")
}

/// `../shared/seeds` next to the repository, if this machine has it.
fn seeds() -> Option<PathBuf> {
    let p = repo_root().join("../shared/seeds");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: {} not found", p.display());
        None
    }
}

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut c = bin();
    for a in args {
        c.arg(a);
    }
    c.output().expect("running crossdup")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn no_panic(o: &Output) {
    let e = stderr(o);
    assert!(!e.contains("panicked"), "crossdup panicked:\n{e}");
}

/// Every line of JSON Lines output, parsed.
fn jsonl(o: &Output) -> Vec<Value> {
    String::from_utf8(o.stdout.clone())
        .expect("UTF-8 output")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// `crossdup scan PATH --format jsonl`, checked to exit with 0.
fn scan_ok(path: &Path) -> Vec<Value> {
    let o = run(&[&"scan", &path, &"--format", &"jsonl"]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "stderr:\n{}", stderr(&o));
    jsonl(&o)
}

fn of_type<'a>(recs: &'a [Value], t: &str) -> Vec<&'a Value> {
    recs.iter().filter(|r| r["type"] == t).collect()
}

/// Unordered pairs as (a, b) with a < b, with their relation.
fn pairs(recs: &[Value]) -> HashMap<(String, String), String> {
    of_type(recs, "pair")
        .into_iter()
        .map(|p| {
            let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
            let key = if a < b { (a, b) } else { (b, a) };
            (
                (key.0.to_string(), key.1.to_string()),
                p["relation"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn relation(recs: &[Value], a: &str, b: &str) -> Option<String> {
    let key = if a < b { (a, b) } else { (b, a) };
    pairs(recs)
        .get(&(key.0.to_string(), key.1.to_string()))
        .cloned()
}

/// Noise blocks of each document, as inclusive 1-based line ranges.
fn noise_lines(recs: &[Value]) -> HashMap<String, Vec<(u64, u64)>> {
    of_type(recs, "doc")
        .into_iter()
        .map(|d| {
            let blocks = d["noise"]
                .as_array()
                .expect("noise array")
                .iter()
                .map(|n| {
                    (
                        n["lines"][0].as_u64().unwrap(),
                        n["lines"][1].as_u64().unwrap(),
                    )
                })
                .collect();
            (d["id"].as_str().unwrap().to_string(), blocks)
        })
        .collect()
}

#[test]
fn seeds_noise_lines_are_flagged_and_kept_lines_are_not() {
    let Some(dir) = seeds() else { return };
    let recs = scan_ok(&dir);
    let noise = noise_lines(&recs);
    let tsv = fs::read_to_string(dir.join("noise.tsv")).expect("noise.tsv");
    let (mut want, mut found) = (0, 0);
    let mut wrongly_flagged = Vec::new();
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (doc, n, label) = (f[0], f[1].parse::<u64>().unwrap(), f[2]);
        let blocks = noise
            .get(doc)
            .unwrap_or_else(|| panic!("no doc record for {doc}"));
        let flagged = blocks.iter().any(|&(s, e)| s <= n && n <= e);
        match label {
            "noise" => {
                want += 1;
                found += flagged as usize;
            }
            "keep" if flagged => wrongly_flagged.push(format!("{doc}:{n}")),
            _ => {}
        }
    }
    assert!(want > 0);
    let recall = found as f64 / want as f64;
    assert!(recall >= 0.95, "noise recall {recall:.3} ({found}/{want})");
    assert!(
        wrongly_flagged.is_empty(),
        "article lines flagged as noise: {wrongly_flagged:?}"
    );
}

#[test]
fn seeds_translation_found_and_no_false_pairs() {
    let Some(dir) = seeds() else { return };
    let recs = scan_ok(&dir);
    let id = |k: &str| -> String {
        let d = of_type(&recs, "doc");
        d.iter()
            .map(|d| d["id"].as_str().unwrap())
            .find(|i| i.starts_with(k))
            .unwrap_or_else(|| panic!("no seed {k}"))
            .to_string()
    };
    assert_eq!(
        relation(&recs, &id("000_"), &id("002_")).as_deref(),
        Some("translation")
    );
    let others = ["001_", "002_", "003_", "004_"].map(id);
    for (i, a) in others.iter().enumerate() {
        for b in &others[i + 1..] {
            assert_eq!(relation(&recs, a, b), None, "unexpected pair {a} {b}");
        }
    }
}

const SYND: &str = "en/tram-line-vote-syndicated.txt";

#[test]
fn sample_collection() {
    let recs = scan_ok(&samples());
    let found = pairs(&recs);
    assert_eq!(
        relation(&recs, "en/harbour-fire.txt", "it/harbour-fire.txt").as_deref(),
        Some("translation"),
        "pairs: {found:?}"
    );
    let synd = relation(&recs, "en/tram-line-vote.txt", SYND);
    assert!(
        matches!(synd.as_deref(), Some("exact" | "near_duplicate")),
        "syndicated copy reported as {synd:?}"
    );
    assert_eq!(found.len(), 2, "only the two real pairs: {found:?}");
    assert_eq!(of_type(&recs, "doc").len(), 7);

    // The furniture of the syndicated copy, and none of its article lines.
    let text = fs::read_to_string(samples().join(SYND)).unwrap();
    let blocks = &noise_lines(&recs)[SYND];
    let flagged = |n: u64| blocks.iter().any(|&(s, e)| s <= n && n <= e);
    let furniture = [
        "Share this article",
        "More Stories",
        "Local bakery",
        "Police close",
        "Alderford Rovers",
        "Leave a Reply",
        "Your email address",
        "©",
    ];
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let is_furniture = furniture.iter().any(|f| line.starts_with(f));
        assert_eq!(
            flagged(n),
            is_furniture,
            "line {n} {line:?} flagged={} furniture={is_furniture}",
            flagged(n)
        );
    }
    for other in [
        "en/tram-line-vote.txt",
        "en/harbour-fire.txt",
        "it/harbour-fire.txt",
    ] {
        assert!(
            noise_lines(&recs)[other].is_empty(),
            "noise flagged in {other}"
        );
    }
}

/// Tiny deterministic generator, so the test needs no extra crates.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[test]
fn robustness_many_documents_and_bad_inputs() {
    // 10,000 documents (about 45 s with a debug build on two cores);
    // CROSSDUP_E2E_DOCS overrides the number for quick local runs.
    let n_docs = std::env::var("CROSSDUP_E2E_DOCS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let words = [
        "council", "river", "market", "school", "police", "harbour", "minister", "storm", "budget",
        "hospital", "railway", "farmers", "museum", "election", "bridge", "festival", "teachers",
        "workers", "village", "court", "mayor", "union", "prices", "water",
    ];
    let verbs = [
        "approved",
        "closed",
        "opened",
        "visited",
        "delayed",
        "repaired",
        "praised",
        "rejected",
        "reported",
        "cancelled",
        "announced",
        "funded",
    ];
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = Lcg(42);
    let mut want = HashSet::new();
    for i in 0..n_docs {
        let mut text = String::new();
        for _ in 0..2 + rng.next(3) {
            let s = format!(
                "The {} {} the new {} near the {} on {}day, and {} {} people said it was {} {}.\n\n",
                words[rng.next(words.len())],
                verbs[rng.next(verbs.len())],
                words[rng.next(words.len())],
                words[rng.next(words.len())],
                ["Mon", "Tues", "Wednes", "Thurs", "Fri"][rng.next(5)],
                10 + rng.next(990),
                words[rng.next(words.len())],
                ["good", "late", "too expensive", "a surprise"][rng.next(4)],
                i,
            );
            text.push_str(&s);
        }
        let name = format!("d{i:05}.txt");
        fs::write(dir.join(&name), text).unwrap();
        want.insert(name);
    }
    let mut bin_bytes = vec![0u8; 4096];
    for (k, b) in bin_bytes.iter_mut().enumerate() {
        *b = if k % 7 == 0 { 0 } else { rng.next(256) as u8 };
    }
    fs::write(dir.join("binary.txt"), bin_bytes).unwrap();
    fs::write(
        dir.join("latin1.txt"),
        b"Citt\xe0 e caff\xe8: not UTF-8 \xff\xfe\n",
    )
    .unwrap();
    fs::write(dir.join("empty.txt"), b"").unwrap();
    fs::write(dir.join("empty.md"), b"").unwrap();

    let o = run(&[&"scan", &dir, &"--format", &"jsonl"]);
    no_panic(&o);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "inputs were skipped; stderr:\n{err}"
    );
    assert!(err.contains("4 inputs skipped"), "stderr:\n{err}");
    let recs = jsonl(&o);
    let got: HashSet<String> = of_type(&recs, "doc")
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    let missing: Vec<_> = want.difference(&got).take(5).collect();
    assert!(missing.is_empty(), "no doc record for {missing:?}...");
    assert_eq!(got.len(), n_docs, "extra doc records");
}

#[test]
fn usage_errors_exit_2() {
    let s = samples();
    let s = s.to_str().unwrap();
    for args in [
        vec!["scan", "--no-such-flag", s],
        vec!["scan", "--lang", "xx", s],
        vec!["clean", "--lang", "klingon", s],
        vec!["scan", "--format", "yaml", s],
        vec!["scan"],
        vec!["frobnicate"],
    ] {
        let o = bin().args(&args).output().unwrap();
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn output_formats() {
    let s = samples();
    // CSV: a header and one row per pair, all with the same number of fields.
    let o = run(&[&"scan", &s, &"--format", &"csv"]);
    assert_eq!(o.status.code(), Some(0));
    let csv = String::from_utf8(o.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("a,b,relation,score"), "{csv}");
    assert_eq!(rows.len(), 3, "{csv}");
    let width = rows[0].split(',').count();
    assert!(rows.iter().all(|r| r.split(',').count() == width), "{csv}");

    // JSON: one array of the same records.
    let o = run(&[&"scan", &s, &"--format", &"json", &"--clusters"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let items = v.as_array().expect("a JSON array");
    let count = |t: &str| items.iter().filter(|r| r["type"] == t).count();
    assert_eq!((count("pair"), count("doc"), count("cluster")), (2, 7, 2));

    // --output: the file holds the records, stdout nothing.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("out.jsonl");
    let o = run(&[&"scan", &s, &"--output", &file, &"--format", &"jsonl"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    let recs: Vec<Value> = fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(pairs(&recs).len(), 2);
    assert_eq!(of_type(&recs, "doc").len(), 7);

    // Alignment spans are byte offsets into the original files.
    let p = of_type(&recs, "pair")
        .into_iter()
        .find(|p| p["relation"] == "translation")
        .unwrap()
        .clone();
    let ta = fs::read(s.join(p["a"].as_str().unwrap())).unwrap();
    for link in p["alignment"].as_array().unwrap() {
        let (st, en) = (
            link["a"][0].as_u64().unwrap(),
            link["a"][1].as_u64().unwrap(),
        );
        assert!(st < en && en as usize <= ta.len());
        assert!(std::str::from_utf8(&ta[st as usize..en as usize]).is_ok());
    }
}

#[test]
fn clean_show_noise_marks_furniture() {
    let path = samples().join(SYND);
    let o = run(&[&"clean", &"--show-noise", &path]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    for furniture in [
        "Share this article",
        "More Stories",
        "Police close coastal road",
        "Leave a Reply",
        "Your email address will not be published.",
        "© 2025 Alderford Evening Post",
    ] {
        let line = out
            .lines()
            .find(|l| l.contains(furniture))
            .unwrap_or_else(|| panic!("{furniture:?} missing:\n{out}"));
        assert!(line.starts_with('['), "not marked: {line:?}");
    }
    let body = out
        .lines()
        .find(|l| l.contains("Deputy mayor Helen Okafor"))
        .unwrap();
    assert!(!body.starts_with('['), "article line marked: {body:?}");

    // Without --show-noise the furniture is gone and the article stays.
    let o = run(&[&"clean", &path]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!out.contains("Leave a Reply") && !out.contains("More Stories"));
    assert!(out.contains("Deputy mayor Helen Okafor"));
}

#[test]
fn timings_name_every_stage_and_leave_the_output_alone() {
    let plain = run(&[&"scan", &samples(), &"--format", &"jsonl", &"--quiet"]);
    let timed = run(&[
        &"scan",
        &samples(),
        &"--format",
        &"jsonl",
        &"--quiet",
        &"--timings",
    ]);
    no_panic(&timed);
    assert_eq!(plain.stdout, timed.stdout);
    let err = stderr(&timed);
    let line = err
        .lines()
        .find(|l| l.starts_with("crossdup: timings: "))
        .unwrap_or_else(|| panic!("no timings line in {err}"));
    for stage in [
        "read",
        "analysing",
        "searching",
        "aligning",
        "output",
        "total",
    ] {
        assert!(
            line.contains(&format!("{stage} ")),
            "{stage} missing: {line}"
        );
    }
    assert!(!stderr(&plain).contains("timings"));
}

#[test]
fn short_ambiguous_texts_take_the_collection_language() {
    // Function words of "Provides a dummy mock protocol for gfal2" are
    // English and Portuguese alike; in a collection of English documents
    // it is English, and nothing in it is a translation.
    let dir = tempfile::tempdir().unwrap();
    let topics = [
        "harbour",
        "tram line",
        "library",
        "bridge",
        "market",
        "school",
        "museum",
        "river path",
        "hospital",
        "stadium",
        "airport",
        "station",
        "park",
        "theatre",
        "factory",
        "ferry",
        "archive",
        "garden",
        "tunnel",
        "college",
        "depot",
        "pier",
    ];
    for (i, t) in topics.iter().enumerate() {
        let text = format!(
            "The council said on Monday that the {t} would reopen in the spring after {} months of work.\n\nResidents were told that the costs had been higher than expected and that the plans were changed twice.\n",
            i + 3
        );
        fs::write(dir.path().join(format!("news{i:02}.txt")), text).unwrap();
    }
    fs::write(
        dir.path().join("mock-a.txt"),
        "Provides a dummy mock protocol for gfal2.\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("mock-b.txt"),
        "Provides a mock dummy protocol for gfal2.\n",
    )
    .unwrap();
    let recs = scan_ok(dir.path());
    for d in of_type(&recs, "doc") {
        assert_eq!(d["lang"], "en", "{d}");
    }
    assert!(
        of_type(&recs, "pair")
            .iter()
            .all(|p| p["relation"] != "translation"),
        "{recs:?}"
    );
}

/// Articles in other scripts (written for these tests): each gets its
/// language, the Chinese syndicated copy is found with its furniture, and
/// none of the article lines is taken for furniture.
#[test]
fn world_languages() {
    let dir = repo_root().join("tests/fixtures/world");
    let recs = scan_ok(&dir);
    let docs = of_type(&recs, "doc");
    assert_eq!(docs.len(), 9);
    for d in &docs {
        let id = d["id"].as_str().unwrap();
        assert_eq!(d["lang"].as_str(), id.get(..2), "{id}");
    }
    let copy = relation(&recs, "zh-port-fire.txt", "zh-port-fire-copy.txt");
    assert_eq!(copy.as_deref(), Some("near_duplicate"));
    // The Russian article is a translation of (the first part of) the English
    // one, through the shipped ru-en lexicon.
    let tr = relation(&recs, "en-port-fire.txt", "ru-port-fire.txt");
    assert_eq!(tr.as_deref(), Some("translation"));
    let text = fs::read_to_string(dir.join("zh-port-fire-copy.txt")).unwrap();
    let noise = noise_lines(&recs);
    let blocks = &noise["zh-port-fire-copy.txt"];
    let flagged = |n: u64| blocks.iter().any(|&(s, e)| s <= n && n <= e);
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        let furniture = [
            "本报记者",
            "2025年",
            "相关阅读",
            "责任编辑",
            "分享到",
            "版权所有",
        ]
        .iter()
        .any(|f| line.starts_with(f));
        if !line.trim().is_empty() {
            assert_eq!(flagged(n), furniture, "line {n}: {line}");
        }
    }
    for (id, blocks) in &noise {
        if id != "zh-port-fire-copy.txt" {
            assert!(blocks.is_empty(), "{id}: {blocks:?}");
        }
    }
}
