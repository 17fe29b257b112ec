//! Why two texts are, or are not, a pair: each gate of the verdict in turn.
//!
//!     cargo run --release -p crossdup-match --example explain -- A.txt B.txt
//!
//! Prints both languages, whether the cheap whole-document test passes, and
//! the verdict with the gates relaxed one at a time (link floor, coverage,
//! mean link score), so a missed pair shows the threshold it fell under.
use crossdup_match::{compare, plausible, profile, VerdictParams};
use crossdup_text::{analyze, AnalyzeOptions, Document};

fn load(path: &str) -> Result<crossdup_match::Profile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let doc = Document {
        id: path.to_string(),
        text,
        ..Default::default()
    };
    let art = analyze(doc, &AnalyzeOptions::default(), None).map_err(|e| format!("{path}: {e}"))?;
    Ok(profile(&art))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 {
        eprintln!("usage: explain A.txt B.txt");
        std::process::exit(2);
    }
    let (a, b) = match (load(&args[0]), load(&args[1])) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("explain: {e}");
            std::process::exit(1);
        }
    };
    let vp = VerdictParams::default();
    println!(
        "{} ({}, {} sentences) ~ {} ({}, {} sentences)",
        a.id,
        a.lang.code(),
        a.sents.len(),
        b.id,
        b.lang.code(),
        b.sents.len()
    );
    println!("plausible: {}", plausible(&a, &b, &vp));
    let loose = VerdictParams {
        prefilter_pivots: 0.0,
        prefilter_spots: 0.0,
        prefilter_stems: 0.0,
        min_coverage: 0.0,
        min_score: 0.0,
        min_coverage_cross: 0.0,
        min_score_cross: 0.0,
        ..vp
    };
    for (name, p) in [
        ("default", vp),
        ("no gates", loose),
        (
            "no gates, link floor 0",
            VerdictParams {
                link_min: 0.0,
                ..loose
            },
        ),
    ] {
        match compare(&a, &b, &p) {
            Some(m) => {
                let links: Vec<String> = m
                    .links
                    .iter()
                    .map(|l| format!("{}-{}~{}-{}:{:.2}", l.a.0, l.a.1, l.b.0, l.b.1, l.score))
                    .collect();
                println!(
                    "{name}: {:?} score {:.3} coverage {:.2}/{:.2} links {}",
                    m.relation,
                    m.score,
                    m.coverage_a,
                    m.coverage_b,
                    links.join(" ")
                );
            }
            None => println!("{name}: none"),
        }
    }
}
