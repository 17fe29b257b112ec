//! Prints the noise flags of every document of a folder as JSON Lines, in the
//! form `score.py noise` reads:
//! `{"type":"doc","id":ID,"noise":[{"lines":[a,b],"start":s,"end":e,"kind":"..."}]}`.
//! Line statistics are gathered over the whole folder first.
//!
//! `cargo run --release -p crossdup-text --example noise_eval -- FOLDER [--no-stats]`

use crossdup_text::lang::identify;
use crossdup_text::lines::split_lines;
use crossdup_text::noise::{detect, LineStats, NoiseContext};
use crossdup_text::{read_inputs, ReadOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let no_stats = args.iter().any(|a| a == "--no-stats");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if paths.is_empty() {
        eprintln!("usage: noise_eval FOLDER [--no-stats]");
        std::process::exit(2);
    }
    let read = read_inputs(&paths, &ReadOptions::default());
    let mut stats = LineStats::new();
    for d in &read.documents {
        stats.add_document(&d.text);
    }
    for d in &read.documents {
        let lines = split_lines(&d.text);
        let cx = NoiseContext {
            text: &d.text,
            lines: &lines,
            lang: identify(&d.text).map(|g| g.lang),
            stats: if no_stats { None } else { Some(&stats) },
            cues: None,
        };
        let noise: Vec<serde_json::Value> = detect(&cx)
            .iter()
            .map(|f| {
                serde_json::json!({
                    "lines": f.lines, "start": f.start, "end": f.end, "kind": f.kind.as_str()
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"type": "doc", "id": d.id, "noise": noise})
        );
    }
}
