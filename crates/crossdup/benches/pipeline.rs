//! Function benchmarks of the scan pipeline's hot paths, on the shipped
//! samples (`data/samples`): `cargo bench -p crossdup --bench pipeline`.
//! Whole runs against the peers are timed by `benches/harness.py`.

use crossdup::index::{Groups, MemIndex};
use crossdup::matching::{compare, mono_terms, profile, Profile, VerdictParams};
use crossdup::text::{analyze, AnalyzeOptions, Document};
use divan::{black_box, Bencher};

fn main() {
    divan::main();
}

fn sample(name: &str) -> Document {
    let path = format!("{}/../../data/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Document::new(name, text)
}

fn prof(name: &str) -> Profile {
    profile(&analyze(sample(name), &AnalyzeOptions::default(), None).expect("analysable"))
}

/// Analysis (noise, language, sentences, tokens) and profile of one article.
#[divan::bench(args = ["en/harbour-fire.txt", "it/harbour-fire.txt"])]
fn analyze_and_profile(b: Bencher, name: &str) {
    let doc = sample(name);
    // Lexicons and thesauri are loaded once per process, not per article.
    let _ = prof(name);
    b.bench(|| {
        profile(&analyze(black_box(doc.clone()), &AnalyzeOptions::default(), None).unwrap())
    });
}

/// Verdict and alignment of a syndicated copy and of a translation.
#[divan::bench(args = [
    ("en/tram-line-vote.txt", "en/tram-line-vote-syndicated.txt"),
    ("en/harbour-fire.txt", "it/harbour-fire.txt"),
])]
fn compare_pair(b: Bencher, pair: (&str, &str)) {
    let (x, y) = (prof(pair.0), prof(pair.1));
    let vp = VerdictParams::default();
    b.bench(|| compare(black_box(&x), black_box(&y), &vp));
}

/// Top-10 candidate search in an index of 20,000 synthetic bags over a
/// skewed vocabulary (every fifth bag a near copy of the one before).
#[divan::bench]
fn candidate_search(b: Bencher) {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut bags: Vec<Vec<(u64, u32)>> = Vec::new();
    for d in 0..20_000 {
        let mut bag: Vec<(u64, u32)> = if d % 5 == 4 {
            bags[d - 1]
                .iter()
                .copied()
                .filter(|_| next() % 8 != 0)
                .collect()
        } else {
            (0..60)
                .map(|_| {
                    let r = next() % 20_000;
                    ((r * r) / 20_000 + 1, 1)
                })
                .collect()
        };
        bag.sort_unstable();
        bag.dedup_by_key(|x| x.0);
        bags.push(bag);
    }
    let mut ix = MemIndex::new();
    for bag in &bags {
        ix.add(bag);
    }
    ix.freeze_capped(0.05, 1000);
    let mut s = ix.searcher();
    let mut doc = 0u32;
    b.bench_local(|| {
        doc = (doc + 7919) % 20_000;
        s.similar(doc, 10, 0.05, Groups::All, |_| true)
    });
}

/// Candidate-search terms of a profile.
#[divan::bench]
fn search_terms(b: Bencher) {
    let p = prof("en/harbour-fire.txt");
    b.bench(|| mono_terms(black_box(&p)));
}
