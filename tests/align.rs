//! End-to-end tests of `crossdup align`: every output format read back by a
//! parser of its own and checked against the others, segmentation by lines
//! and by crossdup's segmenter, and bad or degenerate inputs (empty files, a
//! one-sided empty file, a 10 MB single line, binary data).
//!
//! Registered in `crates/crossdup-cli/Cargo.toml` as the `align` test.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn align(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_crossdup"))
        .arg("align")
        .args(args)
        .output()
        .expect("running crossdup");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "crossdup panicked:\n{err}");
    o
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "crossdup failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

/// A bead as every format can express it: sentence ranges and score.
#[derive(Clone, Debug, PartialEq)]
struct Bead {
    a: (usize, usize),
    b: (usize, usize),
    score: f64,
}

fn same_beads(x: &[Bead], y: &[Bead], what: &str) {
    assert_eq!(x.len(), y.len(), "{what}: bead counts differ");
    for (p, q) in x.iter().zip(y) {
        assert_eq!((p.a, p.b), (q.a, q.b), "{what}: beads differ");
        assert!(
            (p.score - q.score).abs() < 0.0011,
            "{what}: scores differ: {p:?} {q:?}"
        );
    }
}

/// Beads must cover both texts, in order, without gaps.
fn covers(beads: &[Bead], n: usize, m: usize) {
    let (mut i, mut j) = (0, 0);
    for b in beads {
        assert_eq!((b.a.0, b.b.0), (i, j), "beads must be contiguous: {b:?}");
        assert!(b.a.1 > b.a.0 || b.b.1 > b.b.0, "empty bead {b:?}");
        assert!((0.0..=1.0).contains(&b.score));
        i = b.a.1;
        j = b.b.1;
    }
    assert_eq!((i, j), (n, m), "beads must end at the ends of both texts");
}

fn parse_jsonl(out: &str) -> (Vec<Bead>, Vec<Value>) {
    let recs: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect();
    let pair = |v: &Value| -> (usize, usize) {
        let a = v.as_array().expect("a range");
        (
            a[0].as_u64().expect("index") as usize,
            a[1].as_u64().expect("index") as usize,
        )
    };
    let beads = recs
        .iter()
        .map(|r| Bead {
            a: pair(&r["a"]),
            b: pair(&r["b"]),
            score: r["score"].as_f64().expect("score"),
        })
        .collect();
    (beads, recs)
}

/// hunalign's ladder: rungs `i j score`; consecutive rungs bound a bead.
fn parse_ladder(out: &str) -> Vec<Bead> {
    let rungs: Vec<(usize, usize, f64)> = out
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "a rung has three tab-separated fields: {l:?}");
            (
                f[0].parse().expect("i"),
                f[1].parse().expect("j"),
                f[2].parse().expect("score"),
            )
        })
        .collect();
    assert_eq!((rungs[0].0, rungs[0].1), (0, 0), "the first rung is 0 0");
    rungs
        .windows(2)
        .map(|w| Bead {
            a: (w[0].0, w[1].0),
            b: (w[0].1, w[1].1),
            score: w[0].2,
        })
        .collect()
}

/// TSV: source text, target text, score; merged sentences joined by " ~~~ ".
fn parse_tsv(out: &str) -> (Vec<Bead>, Vec<(String, String)>) {
    let (mut i, mut j) = (0, 0);
    let mut beads = Vec::new();
    let mut texts = Vec::new();
    for l in out.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 3, "three tab-separated fields: {l:?}");
        let count = |s: &str| {
            if s.is_empty() {
                0
            } else {
                s.split(" ~~~ ").count()
            }
        };
        let (da, db) = (count(f[0]), count(f[1]));
        beads.push(Bead {
            a: (i, i + da),
            b: (j, j + db),
            score: f[2].parse().expect("score"),
        });
        texts.push((f[0].to_string(), f[1].to_string()));
        i += da;
        j += db;
    }
    (beads, texts)
}

/// The side-by-side view: a header line, then for each bead a blank line, a
/// line `#A-RANGE | #B-RANGE  score X`, and the texts in two columns.
fn parse_text(out: &str) -> (Vec<Bead>, Vec<(String, String)>) {
    let range = |s: &str| -> Option<(usize, usize)> {
        let s = s.trim().trim_start_matches('#');
        if s == "-" {
            return None;
        }
        Some(match s.split_once('-') {
            Some((x, y)) => (x.parse::<usize>().unwrap() - 1, y.parse().unwrap()),
            None => {
                let x: usize = s.parse().unwrap();
                (x - 1, x)
            }
        })
    };
    let mut lines = out.lines();
    let header = lines.next().expect("a header line");
    assert!(header.contains("<->"), "header: {header:?}");
    let (mut i, mut j) = (0, 0);
    let mut beads: Vec<Bead> = Vec::new();
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut expect_head = false;
    for l in lines {
        if l.is_empty() {
            expect_head = true;
            continue;
        }
        let (left, right) = l.split_once(" | ").expect("two columns");
        if expect_head {
            let (rb, score) = right.split_once("  score ").expect("a score");
            let ra = range(left).unwrap_or((i, i));
            let rb = range(rb).unwrap_or((j, j));
            beads.push(Bead {
                a: ra,
                b: rb,
                score: score.trim().parse().expect("score"),
            });
            texts.push((String::new(), String::new()));
            i = ra.1;
            j = rb.1;
            expect_head = false;
        } else {
            let t = texts.last_mut().expect("text after a head");
            for (acc, part) in [(&mut t.0, left.trim()), (&mut t.1, right.trim())] {
                if !part.is_empty() {
                    if !acc.is_empty() {
                        acc.push(' ');
                    }
                    acc.push_str(part);
                }
            }
        }
    }
    (beads, texts)
}

const EN: &str = "Winston Smith walked home through the rain on the 4th of April.
The hallway smelt of boiled cabbage and old rag mats.
At one end of it a coloured poster, too large for indoor display, had been tacked to the wall.
It depicted simply an enormous face, more than a metre wide.
The flat was seven flights up, and Winston, who was 39, went slowly, resting 3 times on the way.
On each landing, opposite the lift shaft, the poster with the enormous face gazed from the wall.
BIG BROTHER IS WATCHING YOU, the caption beneath it ran.
Inside the flat a fruity voice was reading out a list of figures which had something to do with the production of pig-iron.
";

const IT: &str = "Winston Smith tornò a casa sotto la pioggia il 4 aprile.
L'ingresso odorava di cavolo bollito e di vecchi stuoini.
A una delle estremità era attaccato al muro un manifesto a colori, troppo grande per un ambiente chiuso.
Raffigurava soltanto un volto enorme, largo più di un metro.
L'appartamento era al settimo piano e Winston, che aveva 39 anni, salì adagio. Si fermò 3 volte a riposare.
A ogni pianerottolo, di fronte al pozzo dell'ascensore, il manifesto con il volto enorme fissava dal muro.
IL GRANDE FRATELLO VI GUARDA, diceva la scritta sotto.
Dentro l'appartamento una voce pastosa leggeva un elenco di cifre che avevano qualcosa a che fare con la produzione della ghisa.
";

fn write_pair(dir: &Path, a: &str, b: &str) -> (String, String) {
    let (pa, pb) = (dir.join("a.txt"), dir.join("b.txt"));
    fs::write(&pa, a).unwrap();
    fs::write(&pb, b).unwrap();
    (
        pa.to_string_lossy().into_owned(),
        pb.to_string_lossy().into_owned(),
    )
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_format_round_trips_through_its_parser() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = write_pair(dir.path(), EN, IT);
    let run = |fmt: &str| {
        stdout(&align(&[
            "--segments",
            "lines",
            "--lang",
            "en",
            "--tgt-lang",
            "it",
            "--format",
            fmt,
            &a,
            &b,
        ]))
    };
    let (lines_a, lines_b): (Vec<&str>, Vec<&str>) = (EN.lines().collect(), IT.lines().collect());
    let (n, m) = (lines_a.len(), lines_b.len());

    let (beads, recs) = parse_jsonl(&run("jsonl"));
    covers(&beads, n, m);
    // Byte spans point at the sentences' lines in the files.
    for (bead, rec) in beads.iter().zip(&recs) {
        if let Some(span) = rec["a_span"].as_array() {
            let (s, e) = (
                span[0].as_u64().unwrap() as usize,
                span[1].as_u64().unwrap() as usize,
            );
            assert_eq!(EN[s..e], lines_a[bead.a.0..bead.a.1].join("\n"));
        } else {
            assert_eq!(bead.a.0, bead.a.1);
        }
        if let Some(span) = rec["b_span"].as_array() {
            let (s, e) = (
                span[0].as_u64().unwrap() as usize,
                span[1].as_u64().unwrap() as usize,
            );
            assert_eq!(IT[s..e], lines_b[bead.b.0..bead.b.1].join("\n"));
        }
    }
    // One sentence a line: eight 1-1 links (the Italian fifth line holds two
    // sentences, but with --segments lines it stays one).
    let links: Vec<((usize, usize), (usize, usize))> = beads.iter().map(|b| (b.a, b.b)).collect();
    let diagonal: Vec<((usize, usize), (usize, usize))> =
        (0..n).map(|k| ((k, k + 1), (k, k + 1))).collect();
    assert_eq!(links, diagonal);

    let ladder = parse_ladder(&run("ladder"));
    same_beads(&ladder, &beads, "ladder");

    let (tsv, texts) = parse_tsv(&run("tsv"));
    same_beads(&tsv, &beads, "tsv");
    for (bead, (ta, tb)) in beads.iter().zip(&texts) {
        assert_eq!(*ta, lines_a[bead.a.0..bead.a.1].join(" ~~~ "));
        assert_eq!(*tb, lines_b[bead.b.0..bead.b.1].join(" ~~~ "));
    }

    let (text, texts) = parse_text(&run("text"));
    same_beads(&text, &beads, "text");
    for (bead, (ta, tb)) in beads.iter().zip(&texts) {
        assert_eq!(norm(ta), norm(&lines_a[bead.a.0..bead.a.1].join(" ")));
        assert_eq!(norm(tb), norm(&lines_b[bead.b.0..bead.b.1].join(" ")));
    }
}

#[test]
fn auto_segmentation_aligns_sentences_within_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = write_pair(dir.path(), EN, IT);
    let out = stdout(&align(&["--format", "jsonl", &a, &b]));
    let (beads, recs) = parse_jsonl(&out);
    assert!(!beads.is_empty());
    // The Italian fifth line holds two sentences: with crossdup's segmenter
    // they are two, and both join the English fifth line in one 1-2 bead.
    let text_b = |r: &Value| -> Option<String> {
        let s = r["b_span"].as_array()?;
        Some(IT[s[0].as_u64()? as usize..s[1].as_u64()? as usize].to_string())
    };
    let five = recs
        .iter()
        .zip(&beads)
        .find(|(r, _)| text_b(r).is_some_and(|t| t.contains("settimo")))
        .expect("a bead with the fifth Italian line");
    assert_eq!(five.1.b.1 - five.1.b.0, 2, "{five:?}");
    assert!(text_b(five.0).unwrap().ends_with("riposare."));
}

#[test]
fn two_empty_files_give_an_empty_alignment() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = write_pair(dir.path(), "", "\n\n");
    for fmt in ["ladder", "tsv", "jsonl", "text"] {
        let o = align(&["--segments", "lines", "--format", fmt, &a, &b]);
        let out = stdout(&o);
        match fmt {
            "ladder" => assert_eq!(out, "0\t0\t0\n"),
            "text" => assert_eq!(out.lines().count(), 1, "only the header: {out:?}"),
            _ => assert!(out.is_empty(), "{fmt}: {out:?}"),
        }
        assert!(String::from_utf8_lossy(&o.stderr).contains("has no sentences"));
    }
}

#[test]
fn a_one_sided_empty_file_leaves_the_other_side_unaligned() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = write_pair(dir.path(), "", EN);
    let m = EN.lines().count();
    let o = align(&["--segments", "lines", "--format", "ladder", &a, &b]);
    let beads = parse_ladder(&stdout(&o));
    covers(&beads, 0, m);
    assert!(beads
        .iter()
        .all(|b| b.a == (0, 0) && b.b.1 - b.b.0 == 1 && b.score == 0.0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a.txt has no sentences"));
    let (beads, texts) = parse_tsv(&stdout(&align(&["--format", "tsv", &b, &a])));
    assert_eq!(beads.len(), m);
    assert!(texts.iter().all(|(x, y)| !x.is_empty() && y.is_empty()));
}

#[test]
fn a_ten_megabyte_single_line_aligns_as_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::with_capacity(10_500_000);
    let mut k = 0u64;
    while big.len() < 10_000_000 {
        // Varied words, no sentence ends: one sentence in either segmentation.
        big.push_str(&format!("word{} and more text, ", k % 50_000));
        k += 1;
    }
    let (a, b) = write_pair(dir.path(), &big, "A short line.\nAnother short line.\n");
    let out = stdout(&align(&[
        "--segments",
        "lines",
        "--format",
        "jsonl",
        &a,
        &b,
    ]));
    let (beads, recs) = parse_jsonl(&out);
    covers(&beads, 1, 2);
    let with_a: Vec<&Value> = recs.iter().filter(|r| !r["a_span"].is_null()).collect();
    assert_eq!(with_a.len(), 1);
    assert_eq!(with_a[0]["a_span"][1].as_u64(), Some(big.len() as u64));
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = write_pair(dir.path(), EN, IT);
    let bin = dir.path().join("blob.bin");
    fs::write(&bin, [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    let o = align(&[&a, &bin.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("binary"));
    let o = align(&[&a, "/no/such/file.txt"]);
    assert_eq!(o.status.code(), Some(2));
    let o = align(&["--lang", "xx", &a, &a]);
    assert_eq!(o.status.code(), Some(2));
    let o = align(&["--format", "html", &a, &a]);
    assert_eq!(o.status.code(), Some(2));
}
