//! Batch scans: every document against every other, through candidate search.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crossdup_index::{Groups, MemIndex};
use crossdup_match::{compare, mono_terms, pivot_terms, profile, Profile, VerdictParams};
use crossdup_text::{analyze, AnalyzeOptions, Document, Lang, LineStats};

use crate::records::{ClusterRecord, DocRecord, PairRecord};

/// Options of a scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Force one language for every document.
    pub lang: Option<Lang>,
    /// The collection's main language, preferred when a document's function
    /// words cannot tell it from the language identified. `None`: [`scan`]
    /// finds it with [`collection_language`].
    pub prefer: Option<Lang>,
    /// Pairs scoring below this are not reported.
    pub min_score: f32,
    /// Candidates checked per document.
    pub candidates: usize,
    /// Minimum candidate similarity (cosine of term bags).
    pub min_candidate: f32,
    /// Verdict thresholds.
    pub verdict: VerdictParams,
    /// An archive's check (and add) verifies the best candidate of each
    /// language (unless it has over 8 times the sentences of the checked
    /// document, or under an eighth), then the others best first while the
    /// sentence pairs they bring (the product of the two documents' sentence
    /// counts) add up to at most this many. Short articles never reach it; it
    /// bounds the work a long document's many long candidates would take.
    pub check_sentence_pairs: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            lang: None,
            prefer: None,
            min_score: 0.0,
            candidates: 10,
            min_candidate: 0.05,
            verdict: VerdictParams::default(),
            check_sentence_pairs: 150_000,
        }
    }
}

/// Stages reported to a progress callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading and cleaning documents.
    Analyze,
    /// Finding candidate pairs.
    Candidates,
    /// Aligning and judging candidate pairs.
    Verify,
}

impl Stage {
    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Analyze => "analysing",
            Stage::Candidates => "searching",
            Stage::Verify => "aligning",
        }
    }
}

/// A document that could not be analysed.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Document id.
    pub id: String,
    /// What went wrong.
    pub error: String,
}

/// The result of a scan.
#[derive(Debug, Default)]
pub struct ScanOutput {
    /// One record per analysed document, in input order.
    pub docs: Vec<DocRecord>,
    /// Verified pairs, sorted by ids.
    pub pairs: Vec<PairRecord>,
    /// Clusters of connected copies.
    pub clusters: Vec<ClusterRecord>,
    /// Documents that could not be analysed.
    pub failures: Vec<Failure>,
}

/// A progress callback: stage, done, total.
pub type Progress<'a> = &'a (dyn Fn(Stage, u64, u64) + Sync);

/// One analysed document: its record, profile and publication time.
type Analysed = (DocRecord, Profile, Option<String>);

/// Scans documents for copies, rewrites and translations of each other.
///
/// ```
/// use crossdup::{scan, Document, ScanOptions};
/// let text = "The Kremlin asked Beijing for drones and financial aid, two officials said on Monday.\nChina denied the report in a statement from its foreign ministry.\n";
/// let docs = vec![Document::new("a.txt", text), Document::new("b.txt", text)];
/// let out = scan(docs, &ScanOptions::default(), &|_, _, _| {});
/// assert_eq!(out.pairs.len(), 1);
/// assert_eq!(out.pairs[0].relation, "exact");
/// ```
pub fn scan(docs: Vec<Document>, opts: &ScanOptions, progress: Progress<'_>) -> ScanOutput {
    let total = docs.len() as u64;
    // Collection statistics for repeated-line noise.
    let stats = docs
        .par_iter()
        .fold(LineStats::new, |mut s, d| {
            s.add_document(&d.text);
            s
        })
        .reduce(LineStats::new, |mut a, b| {
            a.merge(b);
            a
        });
    let prefer = match (opts.lang, opts.prefer) {
        (Some(_), _) => None,
        (None, Some(p)) => Some(p),
        (None, None) => collection_language(&docs),
    };
    let aopts = AnalyzeOptions {
        lang: opts.lang,
        fallback: None,
        prefer,
    };
    let done = std::sync::atomic::AtomicU64::new(0);
    let analysed: Vec<Result<Analysed, Failure>> = docs
        .into_par_iter()
        .map(|d| {
            let id = d.id.clone();
            let published = d.published.clone();
            let r = analyze(d, &aopts, Some(&stats))
                .map(|art| (DocRecord::new(&art), profile(&art), published))
                .map_err(|e| Failure {
                    id,
                    error: e.to_string(),
                });
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_multiple_of(64) || n == total {
                progress(Stage::Analyze, n, total);
            }
            r
        })
        .collect();
    let mut out = ScanOutput::default();
    let mut profiles = Vec::new();
    let mut published = Vec::new();
    for r in analysed {
        match r {
            Ok((rec, p, pubd)) => {
                out.docs.push(rec);
                profiles.push(p);
                published.push(pubd);
            }
            Err(f) => out.failures.push(f),
        }
    }
    release_free_memory();
    let pairs = find_pairs(&profiles, opts, progress);
    out.pairs = pairs;
    out.clusters = assign_clusters(&mut out.pairs, &profiles, &published);
    // Freeing millions of small blocks takes a while: another thread does
    // it while the caller writes the results (inline if none can start).
    let _ = std::thread::Builder::new().spawn(move || drop(profiles));
    out
}

/// Documents sampled by [`collection_language`].
const LANGUAGE_SAMPLE: usize = 2000;

/// The language most documents of a collection are in, from an even sample
/// of up to 2,000 of them (a document's own `lang` field counts as given):
/// `None` for fewer than 20 documents, or when no language has half of them.
///
/// ```
/// use crossdup::{collection_language, Document, Lang};
/// let docs: Vec<Document> = (0..30)
///     .map(|i| Document::new(format!("{i}.txt"), "The port was closed after the fire, and the ships were sent north."))
///     .collect();
/// assert_eq!(collection_language(&docs), Some(Lang::En));
/// assert_eq!(collection_language(&docs[..5]), None);
/// ```
pub fn collection_language(docs: &[Document]) -> Option<Lang> {
    if docs.len() < 20 {
        return None;
    }
    let step = docs.len().div_ceil(LANGUAGE_SAMPLE);
    let sample: Vec<&Document> = docs.iter().step_by(step).collect();
    let langs: Vec<Option<Lang>> = sample
        .par_iter()
        .map(|d| match d.lang.as_deref().map(str::parse::<Lang>) {
            Some(Ok(l)) => Some(l),
            _ => crossdup_text::lang::identify_lang(&d.text),
        })
        .collect();
    let mut counts: FxHashMap<Lang, usize> = FxHashMap::default();
    for l in langs.into_iter().flatten() {
        *counts.entry(l).or_default() += 1;
    }
    let (lang, n) = counts
        .into_iter()
        .max_by_key(|&(l, n)| (n, std::cmp::Reverse(l)))?;
    (2 * n >= sample.len()).then_some(lang)
}

/// Candidate search ignores terms found in more than this share of the
/// documents...
pub const MAX_DF_SHARE: f32 = 0.05;

/// ...or in more than this many (so that a query's cost stops growing with
/// the collection: in a million documents, a term a thousand share is still
/// common enough to say little).
pub const MAX_DF: usize = 1000;

/// Hands the memory freed by analysis (texts, tokens) back to the system:
/// glibc keeps freed blocks scattered between the profiles, which inflates
/// the peak of the stages that follow.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only returns unused heap pages to the kernel;
        // it takes no pointers and is safe to call at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Finds and verifies the copy pairs among profiles.
pub fn find_pairs(
    profiles: &[Profile],
    opts: &ScanOptions,
    progress: Progress<'_>,
) -> Vec<PairRecord> {
    let n = profiles.len() as u64;
    progress(Stage::Candidates, 0, n);
    // Two candidate indexes: native terms for copies in one language, pivot
    // (English) terms for translations.
    let build = |f: fn(&Profile) -> Vec<(u64, u32)>| {
        let mut index = MemIndex::new();
        // Terms are made in parallel a chunk at a time, so that only one
        // chunk's bags exist beside the index.
        for chunk in profiles.chunks(8192) {
            let terms: Vec<Vec<(u64, u32)>> = chunk.par_iter().map(f).collect();
            for (t, p) in terms.iter().zip(chunk) {
                index.add_in_group(t, p.lang as u32);
            }
        }
        index.freeze_capped(MAX_DF_SHARE, MAX_DF);
        index
    };
    // Each build adds documents one by one: the two run side by side.
    let (mono, pivot) = rayon::join(|| build(mono_terms), || build(pivot_terms));
    let done = std::sync::atomic::AtomicU64::new(0);
    let k = opts.candidates;
    let mut cands: Vec<(u32, u32)> = (0..profiles.len() as u32)
        .into_par_iter()
        .map_init(
            || (mono.searcher(), pivot.searcher()),
            |(ms, ps), i| {
                let lang = profiles[i as usize].lang as u32;
                // Languages are filtered before the best are taken: similar
                // documents of one's own language must not crowd out translations.
                let same = ms.similar(i, k, opts.min_candidate, Groups::Only(lang), |_| true);
                let cross =
                    ps.similar(i, 2 * k, opts.min_candidate, Groups::Except(lang), |_| true);
                let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if d.is_multiple_of(256) || d == n {
                    progress(Stage::Candidates, d, n);
                }
                same.into_iter()
                    .chain(cross)
                    .map(|c| (i.min(c.doc), i.max(c.doc)))
                    .collect::<Vec<_>>()
            },
        )
        .flatten_iter()
        .collect();
    // The indexes are done with: their memory goes before verification.
    drop(mono);
    drop(pivot);
    cands.sort_unstable();
    cands.dedup();
    cands.shrink_to_fit();
    let total = cands.len() as u64;
    progress(Stage::Verify, 0, total);
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut pairs: Vec<PairRecord> = cands
        .par_iter()
        .filter_map(|&(i, j)| {
            let (a, b) = (&profiles[i as usize], &profiles[j as usize]);
            let r = compare(a, b, &opts.verdict)
                .filter(|m| m.score >= opts.min_score)
                .map(|m| PairRecord::new(a, b, &m));
            let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if k.is_multiple_of(256) || k == total {
                progress(Stage::Verify, k, total);
            }
            r
        })
        .collect();
    pairs = keep_best_translations(pairs, TRANSLATION_MARGIN);
    let extra = bridge_translations(profiles, &pairs, opts);
    if !extra.is_empty() {
        pairs.extend(extra);
        pairs = keep_best_translations(pairs, TRANSLATION_MARGIN);
    }
    pairs.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    pairs
}

/// Two translations of one document are translations of each other: checks
/// such pairs that candidate search missed, with thresholds relaxed since a
/// common source already vouches for them.
fn bridge_translations(
    profiles: &[Profile],
    pairs: &[PairRecord],
    opts: &ScanOptions,
) -> Vec<PairRecord> {
    use std::collections::HashSet;
    let pos: FxHashMap<&str, usize> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let have: HashSet<(usize, usize)> = pairs
        .iter()
        .filter_map(|p| {
            Some((
                pos.get(p.a.as_str()).copied()?,
                pos.get(p.b.as_str()).copied()?,
            ))
        })
        .flat_map(|(x, y)| [(x, y), (y, x)])
        .collect();
    let mut partners: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for p in pairs.iter().filter(|p| p.relation == "translation") {
        if let (Some(&x), Some(&y)) = (pos.get(p.a.as_str()), pos.get(p.b.as_str())) {
            partners.entry(x).or_default().push(y);
            partners.entry(y).or_default().push(x);
        }
    }
    let mut todo: Vec<(usize, usize)> = Vec::new();
    for list in partners.values() {
        for (k, &x) in list.iter().enumerate() {
            for &y in &list[k + 1..] {
                if profiles[x].lang != profiles[y].lang && !have.contains(&(x, y)) {
                    todo.push((x.min(y), x.max(y)));
                }
            }
        }
    }
    todo.sort_unstable();
    todo.dedup();
    // Same thresholds as any pair: a shared source finds the candidate, it
    // does not vouch for the verdict.
    let relaxed = opts.verdict;
    todo.par_iter()
        .filter_map(|&(x, y)| {
            let (a, b) = (&profiles[x], &profiles[y]);
            compare(a, b, &relaxed)
                .filter(|m| m.score >= opts.min_score)
                .map(|m| PairRecord::new(a, b, &m))
        })
        .collect()
}

/// How far below a document's best translation partner (in one language)
/// another partner may score and still be reported, if it is covered at least
/// as fully as the best on both sides.
///
/// Families of similar documents (Debian's `libfoo1`, `libfoo-dev` and
/// `libfoo-doc`, sibling man pages) put several near-identical candidates
/// within a few hundredths of each other; the true partner scores about
/// 0.02-0.05 above its siblings and covers as much or more of both texts.
pub const TRANSLATION_MARGIN: f32 = 0.02;

/// A pair seen from each of its documents: (document, partner, partner's
/// language, the document's coverage, the partner's coverage).
fn sides(p: &PairRecord) -> [(&str, &str, &str, f32, f32); 2] {
    [
        (&p.a, &p.b, &p.lang_b, p.coverage_a, p.coverage_b),
        (&p.b, &p.a, &p.lang_a, p.coverage_b, p.coverage_a),
    ]
}

/// Keeps, for every document and every other language, the best translation
/// partner and the partners that match it: those within `margin` of its score
/// whose alignment covers at least as much of both texts, and exact copies of
/// the best. A weaker partner that is a near duplicate or rewrite of the best
/// is not reported as a translation (on families of similar documents such
/// partners are mostly siblings, not versions), but the copy pair joins it to
/// the same cluster.
pub fn keep_best_translations(pairs: Vec<PairRecord>, margin: f32) -> Vec<PairRecord> {
    /// Coverage compares equal within this (rounding in records read back).
    const EPS: f32 = 1e-4;
    struct Best<'a> {
        score: f32,
        partner: &'a str,
        // coverage of the document itself and of its partner
        own: f32,
        other: f32,
    }
    // (doc, other language) -> its best partner
    let mut best: FxHashMap<(&str, &str), Best> = FxHashMap::default();
    for p in pairs.iter().filter(|p| p.relation == "translation") {
        for (x, y, ly, cx, cy) in sides(p) {
            let e = best.entry((x, ly)).or_insert(Best {
                score: f32::MIN,
                partner: y,
                own: 0.0,
                other: 0.0,
            });
            if p.score > e.score {
                *e = Best {
                    score: p.score,
                    partner: y,
                    own: cx,
                    other: cy,
                };
            }
        }
    }
    let exact: FxHashSet<(&str, &str)> = pairs
        .iter()
        .filter(|p| p.relation == "exact")
        .flat_map(|p| [(p.a.as_str(), p.b.as_str()), (p.b.as_str(), p.a.as_str())])
        .collect();
    let keep: Vec<bool> = pairs
        .iter()
        .map(|p| {
            if p.relation != "translation" {
                return true;
            }
            sides(p).iter().all(|&(x, y, ly, cx, cy)| {
                let b = &best[&(x, ly)];
                b.partner == y
                    || exact.contains(&(b.partner, y))
                    || (p.score >= b.score - margin && cx >= b.own - EPS && cy >= b.other - EPS)
            })
        })
        .collect();
    pairs
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| p)
        .collect()
}

fn find(parent: &mut [u32], x: u32) -> u32 {
    let mut r = x;
    while parent[r as usize] != r {
        r = parent[r as usize];
    }
    let mut c = x;
    while parent[c as usize] != r {
        let next = parent[c as usize];
        parent[c as usize] = r;
        c = next;
    }
    r
}

/// Gives connected pairs a cluster number and lists the clusters.
pub fn assign_clusters(
    pairs: &mut [PairRecord],
    profiles: &[Profile],
    published: &[Option<String>],
) -> Vec<ClusterRecord> {
    let pos: FxHashMap<&str, u32> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i as u32))
        .collect();
    let mut parent: Vec<u32> = (0..profiles.len() as u32).collect();
    for p in pairs.iter() {
        if let (Some(&x), Some(&y)) = (pos.get(p.a.as_str()), pos.get(p.b.as_str())) {
            let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
            if rx != ry {
                parent[rx.max(ry) as usize] = rx.min(ry);
            }
        }
    }
    let mut members: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for p in pairs.iter() {
        for id in [&p.a, &p.b] {
            if let Some(&x) = pos.get(id.as_str()) {
                let r = find(&mut parent, x);
                let m = members.entry(r).or_default();
                if !m.contains(&x) {
                    m.push(x);
                }
            }
        }
    }
    let mut roots: Vec<u32> = members.keys().copied().collect();
    roots.sort_unstable();
    let number: FxHashMap<u32, u32> = roots
        .iter()
        .enumerate()
        .map(|(k, &r)| (r, k as u32 + 1))
        .collect();
    for p in pairs.iter_mut() {
        if let Some(&x) = pos.get(p.a.as_str()) {
            let r = find(&mut parent, x);
            p.cluster = number.get(&r).copied();
        }
    }
    roots
        .iter()
        .map(|r| {
            let m = &members[r];
            let rep = m
                .iter()
                .copied()
                .min_by(|&x, &y| {
                    let (px, py) = (&published[x as usize], &published[y as usize]);
                    match (px, py) {
                        (Some(a), Some(b)) => a.cmp(b),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => profiles[y as usize]
                            .body_chars
                            .cmp(&profiles[x as usize].body_chars),
                    }
                    .then(x.cmp(&y))
                })
                .unwrap_or(*r);
            let mut ids: Vec<String> = m.iter().map(|&x| profiles[x as usize].id.clone()).collect();
            ids.sort();
            ClusterRecord {
                kind: "cluster",
                cluster: number[r],
                members: ids,
                representative: profiles[rep as usize].id.clone(),
            }
        })
        .collect()
}
