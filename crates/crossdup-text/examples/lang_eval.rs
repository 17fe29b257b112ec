//! Scores language identification on short probes: reads lines of
//! `LANG<TAB>KIND<TAB>TEXT` (as `benches/world_dev.py build` writes to
//! `benches/world-dev/langid.tsv`) and prints, per language and kind, the
//! share identified right, the share left `und` and the share given a wrong
//! language, then the worst languages. `--show` lists the wrong ones.
//!
//! `cargo run --release -p crossdup-text --example lang_eval -- benches/world-dev/langid.tsv [--show]`

use std::collections::BTreeMap;

use crossdup_text::lang::{identify, Lang};

#[derive(Default, Clone, Copy)]
struct Tally {
    right: usize,
    und: usize,
    wrong: usize,
}

impl Tally {
    fn n(&self) -> usize {
        self.right + self.und + self.wrong
    }
    fn share(&self, k: usize) -> f64 {
        k as f64 / self.n().max(1) as f64
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show = args.iter().any(|a| a == "--show");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: lang_eval PROBES.tsv [--show]");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for line in text.lines() {
        let mut f = line.splitn(3, '\t');
        let (Some(code), Some(kind), Some(probe)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if Lang::from_code(code).is_none() {
            eprintln!("skipped a probe in an unknown language: {code}");
            continue;
        }
        let t = tallies
            .entry((code.to_string(), kind.to_string()))
            .or_default();
        match identify(probe) {
            None => t.und += 1,
            Some(g) if g.lang.code() == code => t.right += 1,
            Some(g) => {
                t.wrong += 1;
                if show {
                    println!(
                        "wrong {code} -> {} ({:.2}) {kind}: {probe}",
                        g.lang.code(),
                        g.confidence
                    );
                }
            }
        }
    }
    let kinds: Vec<String> = {
        let mut k: Vec<String> = tallies.keys().map(|(_, k)| k.clone()).collect();
        k.sort();
        k.dedup();
        k
    };
    print!("{:5}", "lang");
    for k in &kinds {
        print!(" {:>9} {:>5} {:>5}", format!("{k}-ok"), "und", "wrong");
    }
    println!();
    let mut langs: Vec<&String> = tallies.keys().map(|(l, _)| l).collect();
    langs.dedup();
    let mut total: BTreeMap<&String, Tally> = BTreeMap::new();
    let mut right_or_und: Vec<(f64, &String, &String)> = Vec::new();
    for lang in langs {
        print!("{lang:5}");
        for k in &kinds {
            let t = tallies
                .get(&(lang.clone(), k.clone()))
                .copied()
                .unwrap_or_default();
            print!(
                " {:9.3} {:5.3} {:5.3}",
                t.share(t.right),
                t.share(t.und),
                t.share(t.wrong)
            );
            let s = total.entry(k).or_default();
            s.right += t.right;
            s.und += t.und;
            s.wrong += t.wrong;
            right_or_und.push((1.0 - t.share(t.wrong), lang, k));
        }
        println!();
    }
    print!("{:5}", "all");
    for k in &kinds {
        let t = total[k];
        print!(
            " {:9.3} {:5.3} {:5.3}",
            t.share(t.right),
            t.share(t.und),
            t.share(t.wrong)
        );
    }
    println!();
    right_or_und.sort_by(|a, b| a.0.total_cmp(&b.0));
    let worst: Vec<String> = right_or_und
        .iter()
        .take(5)
        .map(|(s, l, k)| format!("{l} {k} {s:.3}"))
        .collect();
    println!("lowest right-or-und: {}", worst.join(", "));
}
