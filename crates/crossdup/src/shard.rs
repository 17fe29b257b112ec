//! A scan split into stages that run as separate processes over shards of a
//! collection, with a query engine (DataFusion, Spark...) doing the global
//! counts, joins and routing in between. The design, the engine's queries and
//! their costs are in `docs/scaling.md`; `crossdup shard` runs the stages.
//!
//! The division of labour keeps the result equal to [`crate::scan()`]:
//! crossdup does everything that needs the text pipeline or exact `f32`
//! arithmetic (analysis, norms, candidate scores, alignment, verdicts), the
//! engine only counts integers, joins, ranks with a safety margin and routes
//! rows to shards. Rows are serde structs (JSON Lines here, Parquet in
//! production). Hashes travel as `i64` holding the bits of the `u64`, since
//! engines and Parquet handle signed 64-bit integers best.
//!
//! Stages, with `E:` marking the engine's steps:
//!
//! 1. [`split`]: documents get their place in the collection (`seq`) and a shard.
//! 2. [`line_rows`] per shard; E: line document frequencies ([`LineDf`]).
//! 3. [`analyze_shard`] per shard: doc records ([`MetaRow`]) and candidate-search
//!    terms ([`TermRow`]); E: term document frequencies, cut at [`Plan::max_df`].
//! 4. [`norms`] per shard; E: the bucket join, approximate top-k with a margin,
//!    and the shared terms of each surviving pair ([`Evidence`]).
//! 5. [`candidates`] per shard: exact scores and top-k; E: distinct pairs routed
//!    with the texts of both documents.
//! 6. [`verify`] per partition; then [`bridge`] on the pair records (one
//!    machine), another `verify` round for its pairs, and [`finish`].
//!
//! [`engine`] is a reference implementation of the engine's steps in memory,
//! for tests and small runs.

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crossdup_match::{compare, mono_terms, pivot_terms, profile, Profile, Relation};
use crossdup_text::{analyze, AnalyzeOptions, Document, Lang, LineStats};

use crate::records::{AlignedSpan, ClusterRecord, DocRecord, PairRecord};
use crate::scan::{assign_clusters, keep_best_translations, ScanOptions, TRANSLATION_MARGIN};

/// Name of the same-language candidate index (native stems, spots, anchors).
pub const MONO: &str = "mono";
/// Name of the cross-language candidate index (English pivot stems, anchors).
pub const PIVOT: &str = "pivot";
/// Terms in more than this share of the documents are too common to find
/// candidates (the value `scan` freezes its indexes with).
pub const MAX_DF_SHARE: f32 = 0.05;
/// Least document frequency cut, whatever the share (as in `MemIndex::freeze`).
pub const MIN_DF_CAP: usize = 50;
/// How far below a query's k-th best approximate score the engine keeps
/// candidates, and below the minimum score: the engine ranks with `f64`
/// sums in any order, crossdup with `f32` sums in term order, and the two
/// differ by far less than half of this.
pub const APPROX_MARGIN: f64 = 0.01;

/// An error in a stage's input.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ShardError(pub String);

fn err<T>(msg: String) -> Result<T, ShardError> {
    Err(ShardError(msg))
}

/// A term hash as the engine stores it: the same 64 bits, signed.
pub fn to_i64(h: u64) -> i64 {
    h as i64
}

/// A term hash back from the engine.
pub fn to_u64(h: i64) -> u64 {
    h as u64
}

/// A document with its place in the collection: `seq` orders documents as
/// `scan` reads them (doc records, tie-breaks and cluster numbers follow it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardDoc {
    /// Position in the collection, from 0.
    pub seq: u64,
    /// The document.
    #[serde(flatten)]
    pub doc: Document,
}

/// The shard of a document: documents are dealt round-robin.
pub fn shard_of(seq: u64, shards: usize) -> usize {
    (seq % shards.max(1) as u64) as usize
}

/// Numbers documents in input order and deals them to `shards` shards.
///
/// ```
/// use crossdup::{shard, Document};
/// let docs = (0..5).map(|i| Document::new(format!("{i}.txt"), "x")).collect();
/// let s = shard::split(docs, 2);
/// assert_eq!(s[0].iter().map(|d| d.seq).collect::<Vec<_>>(), [0, 2, 4]);
/// ```
pub fn split(docs: Vec<Document>, shards: usize) -> Vec<Vec<ShardDoc>> {
    let mut out: Vec<Vec<ShardDoc>> = (0..shards.max(1)).map(|_| Vec::new()).collect();
    for (seq, doc) in docs.into_iter().enumerate() {
        let seq = seq as u64;
        out[shard_of(seq, shards)].push(ShardDoc { seq, doc });
    }
    out
}

/// One distinct line of a document, for the line statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineRow {
    /// Document.
    pub seq: u64,
    /// [`LineStats::line_key`] of the line.
    pub key: i64,
}

/// The rows of one document's distinct lines.
pub fn line_rows(doc: &ShardDoc) -> Vec<LineRow> {
    LineStats::document_keys(&doc.doc.text)
        .into_iter()
        .map(|k| LineRow {
            seq: doc.seq,
            key: to_i64(k),
        })
        .collect()
}

/// In how many documents of the collection a line occurs. Lines in one
/// document only may be left out: analysis reads a missing line as 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineDf {
    /// [`LineStats::line_key`] of the line.
    pub key: i64,
    /// Number of documents.
    pub df: u32,
}

/// Line statistics from the engine's counts; `documents` counts every
/// document of the collection (those that fail analysis too).
pub fn line_stats(rows: impl IntoIterator<Item = LineDf>, documents: u32) -> LineStats {
    LineStats::from_counts(rows.into_iter().map(|r| (to_u64(r.key), r.df)), documents)
}

/// What the analysis stage reports of one document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetaRow {
    /// Document.
    pub seq: u64,
    /// Its id.
    pub id: String,
    /// Main language (analysed documents).
    pub lang: Option<String>,
    /// Publication time as given.
    pub published: Option<String>,
    /// Characters of body sentences (analysed documents).
    pub body_chars: Option<u64>,
    /// The doc record exactly as `scan` prints it (a JSON object, as a string).
    pub record: Option<String>,
    /// Why analysis failed, for documents that could not be analysed.
    pub error: Option<String>,
}

/// One candidate-search term of a document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TermRow {
    /// Document.
    pub seq: u64,
    /// [`MONO`] or [`PIVOT`].
    pub index: String,
    /// The document's main language.
    pub lang: String,
    /// Term hash.
    pub term: i64,
    /// Occurrences in the document.
    pub count: u32,
}

/// A [`TermRow`] with the term's document frequency in its index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TermDf {
    /// Document.
    pub seq: u64,
    /// [`MONO`] or [`PIVOT`].
    pub index: String,
    /// The document's main language.
    pub lang: String,
    /// Term hash.
    pub term: i64,
    /// Occurrences in the document.
    pub count: u32,
    /// Number of analysed documents holding the term.
    pub df: u32,
}

/// One analysed document: its `seq`, id, publication time, and record and
/// profile (or why analysis failed).
type Analysed = (
    u64,
    String,
    Option<String>,
    Result<(DocRecord, Profile), String>,
);

fn analyse_all(
    docs: Vec<ShardDoc>,
    stats: &LineStats,
    lang: Option<Lang>,
    prefer: Option<Lang>,
) -> Vec<Analysed> {
    let aopts = AnalyzeOptions {
        lang,
        fallback: None,
        prefer: if lang.is_some() { None } else { prefer },
    };
    docs.into_par_iter()
        .map(|d| {
            let (seq, id, published) = (d.seq, d.doc.id.clone(), d.doc.published.clone());
            let r = analyze(d.doc, &aopts, Some(stats))
                .map(|art| (DocRecord::new(&art), profile(&art)))
                .map_err(|e| e.to_string());
            (seq, id, published, r)
        })
        .collect()
}

/// Analyses the documents of a shard as `scan` does: their doc records and
/// candidate-search terms, in `seq` order.
pub fn analyze_shard(
    docs: Vec<ShardDoc>,
    stats: &LineStats,
    lang: Option<Lang>,
    prefer: Option<Lang>,
) -> (Vec<MetaRow>, Vec<TermRow>) {
    let mut all = analyse_all(docs, stats, lang, prefer);
    all.sort_by_key(|a| a.0);
    let mut meta = Vec::with_capacity(all.len());
    let mut terms = Vec::new();
    for (seq, id, published, r) in all {
        match r {
            Ok((rec, p)) => {
                let code = p.lang.code().to_string();
                for (index, bag) in [(MONO, mono_terms(&p)), (PIVOT, pivot_terms(&p))] {
                    terms.extend(bag.into_iter().map(|(t, count)| TermRow {
                        seq,
                        index: index.to_string(),
                        lang: code.clone(),
                        term: to_i64(t),
                        count,
                    }));
                }
                meta.push(MetaRow {
                    seq,
                    id,
                    lang: Some(code),
                    published,
                    body_chars: Some(p.body_chars),
                    record: Some(serde_json::to_string(&rec).expect("records serialise")),
                    error: None,
                });
            }
            Err(e) => meta.push(MetaRow {
                seq,
                id,
                lang: None,
                published,
                body_chars: None,
                record: None,
                error: Some(e),
            }),
        }
    }
    (meta, terms)
}

/// The parameters of candidate search, which the engine's queries need:
/// `crossdup shard plan` prints them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Number of analysed documents (those in the candidate indexes).
    pub profiles: u32,
    /// Terms held by more documents than this are ignored.
    pub max_df: u32,
    /// Candidates kept per document in its own language.
    pub same_language: usize,
    /// Candidates kept per document in other languages.
    pub cross_language: usize,
    /// Least candidate score (cosine of TF-IDF vectors).
    pub min_candidate: f32,
    /// The engine keeps candidates down to this far below the k-th best and
    /// the minimum score ([`APPROX_MARGIN`]).
    pub margin: f64,
}

impl Plan {
    /// The plan of a collection with `profiles` analysed documents.
    ///
    /// ```
    /// use crossdup::{shard::Plan, ScanOptions};
    /// let p = Plan::new(10_000, &ScanOptions::default());
    /// assert_eq!((p.max_df, p.same_language, p.cross_language), (500, 10, 20));
    /// ```
    pub fn new(profiles: u32, opts: &ScanOptions) -> Plan {
        // As MemIndex::freeze computes its cut, in f32.
        let n = profiles.max(1) as f32;
        let cap = ((n * MAX_DF_SHARE) as usize).max(MIN_DF_CAP);
        Plan {
            profiles,
            max_df: cap.min(u32::MAX as usize) as u32,
            same_language: opts.candidates,
            cross_language: 2 * opts.candidates,
            min_candidate: opts.min_candidate,
            margin: APPROX_MARGIN,
        }
    }

    /// The IDF of a term held by `df` documents, `None` above the cut.
    pub fn idf(&self, df: u32) -> Option<f32> {
        if df == 0 || df > self.max_df {
            return None;
        }
        let n = self.profiles.max(1) as f32;
        Some((n / df as f32).ln() + 1.0)
    }

    fn k(&self, index: &str) -> Option<usize> {
        match index {
            MONO => Some(self.same_language),
            PIVOT => Some(self.cross_language),
            _ => None,
        }
    }
}

/// The weight of a term occurring `count` times (as `MemIndex::add`).
fn tf(count: u32) -> f32 {
    1.0 + (count as f32).ln()
}

/// A document's norm in one candidate index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormRow {
    /// Document.
    pub seq: u64,
    /// [`MONO`] or [`PIVOT`].
    pub index: String,
    /// The `f32` norm, widened to `f64` (exactly).
    pub norm: f64,
}

fn check_index(index: &str) -> Result<(), ShardError> {
    if index == MONO || index == PIVOT {
        Ok(())
    } else {
        err(format!(
            "unknown index {index:?} (expected \"{MONO}\" or \"{PIVOT}\")"
        ))
    }
}

/// The norms of a shard's documents in both indexes, computed exactly as
/// the in-memory index does, from their terms with document frequencies.
pub fn norms(rows: Vec<TermDf>, plan: &Plan) -> Result<Vec<NormRow>, ShardError> {
    // (seq, index) -> [(term, count, df)]
    type Bags = BTreeMap<(u64, String), Vec<(u64, u32, u32)>>;
    let mut bags: Bags = BTreeMap::new();
    for r in rows {
        check_index(&r.index)?;
        if r.count == 0 || r.df == 0 {
            return err(format!(
                "document {} term {}: count and df must be at least 1",
                r.seq, r.term
            ));
        }
        bags.entry((r.seq, r.index))
            .or_default()
            .push((to_u64(r.term), r.count, r.df));
    }
    bags.into_iter()
        .map(|((seq, index), mut bag)| {
            bag.sort_unstable();
            if let Some(w) = bag.windows(2).find(|w| w[0].0 == w[1].0) {
                return err(format!(
                    "document {seq} has term {} twice in index {index}",
                    to_i64(w[0].0)
                ));
            }
            let norm = bag
                .iter()
                .map(|&(_, c, df)| {
                    let (w, i) = (tf(c), plan.idf(df).unwrap_or(0.0));
                    (w * i) * (w * i)
                })
                .sum::<f32>()
                .sqrt();
            Ok(NormRow {
                seq,
                index,
                norm: norm as f64,
            })
        })
        .collect()
}

/// A candidate pair the engine's bucket join found for query document `i`,
/// with the terms it shares with `d`, so that crossdup can compute the exact
/// score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// [`MONO`] or [`PIVOT`].
    pub index: String,
    /// Query document.
    pub i: u64,
    /// Candidate document.
    pub d: u64,
    /// Main language of `i`.
    pub lang_i: String,
    /// Main language of `d`.
    pub lang_d: String,
    /// Norm of `i` ([`NormRow`]).
    pub norm_i: f64,
    /// Norm of `d`.
    pub norm_d: f64,
    /// The engine's approximate score.
    pub approx: f64,
    /// Shared terms.
    pub terms: Vec<i64>,
    /// Their counts in `i`.
    pub ci: Vec<u32>,
    /// Their counts in `d`.
    pub cd: Vec<u32>,
    /// Their document frequencies.
    pub df: Vec<u32>,
}

/// A pair of documents to verify, `a < b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PairTask {
    /// The earlier document.
    pub a: u64,
    /// The later document.
    pub b: u64,
}

impl PairTask {
    /// The task of two documents, in order.
    pub fn new(x: u64, y: u64) -> PairTask {
        PairTask {
            a: x.min(y),
            b: x.max(y),
        }
    }
}

/// An `f32` sent through the engine as `f64`: JSON readers may be off by an
/// `f64` unit in the last place, far less than the gap between two `f32`s.
fn exact_f32(v: f64, what: &str, e: &Evidence) -> Result<f32, ShardError> {
    let f = v as f32;
    if (f as f64 - v).abs() > 1e-12 * v.abs() {
        return err(format!(
            "{what} {v} of pair ({}, {}) is not an f32 value (norms come from `crossdup shard norms`)",
            e.i, e.d
        ));
    }
    Ok(f)
}

/// The exact score of one candidate pair, as the in-memory index computes it.
fn exact_score(e: &Evidence, plan: &Plan) -> Result<f32, ShardError> {
    let n = e.terms.len();
    if e.ci.len() != n || e.cd.len() != n || e.df.len() != n {
        return err(format!(
            "pair ({}, {}): terms, ci, cd and df differ in length",
            e.i, e.d
        ));
    }
    if [&e.ci, &e.cd, &e.df].iter().any(|v| v.contains(&0)) {
        return err(format!(
            "pair ({}, {}): counts and df must be at least 1",
            e.i, e.d
        ));
    }
    let mut shared: Vec<(u64, u32, u32, u32)> = (0..n)
        .map(|k| (to_u64(e.terms[k]), e.ci[k], e.cd[k], e.df[k]))
        .collect();
    // The index sums in the query's term order.
    shared.sort_unstable();
    let mut dot = 0.0f32;
    for &(_, ci, cd, df) in &shared {
        let Some(idf) = plan.idf(df) else {
            continue;
        };
        let qw = tf(ci) * idf;
        dot += qw * tf(cd) * idf;
    }
    let (ni, nd) = (
        exact_f32(e.norm_i, "norm_i", e)?,
        exact_f32(e.norm_d, "norm_d", e)?,
    );
    if ni == 0.0 {
        return Ok(0.0);
    }
    Ok(dot / (ni * nd).max(1e-9))
}

/// The candidate pairs of a shard's query documents: for each query and
/// index, the best `k` by exact score (ties to the earlier document) among
/// those of the wanted languages scoring at least the minimum, as `scan`
/// takes them. Fails if the engine's approximate scores drift from the
/// exact ones by half the margin or more, since its cut could then have
/// lost a candidate.
pub fn candidates(evidence: Vec<Evidence>, plan: &Plan) -> Result<Vec<PairTask>, ShardError> {
    let mut groups: BTreeMap<(String, u64), Vec<(u64, f32)>> = BTreeMap::new();
    for e in &evidence {
        check_index(&e.index)?;
        if e.i == e.d {
            return err(format!("evidence pairs document {} with itself", e.i));
        }
        let same = e.lang_i == e.lang_d;
        if same != (e.index == MONO) {
            return err(format!(
                "evidence ({}, {}) in index {} pairs languages {} and {}: {} takes {} languages",
                e.i,
                e.d,
                e.index,
                e.lang_i,
                e.lang_d,
                e.index,
                if e.index == MONO {
                    "equal"
                } else {
                    "different"
                }
            ));
        }
        let score = exact_score(e, plan)?;
        if (score as f64 - e.approx).abs() >= plan.margin / 2.0 {
            return err(format!(
                "pair ({}, {}) in index {}: approximate score {} is too far from the exact {score}",
                e.i, e.d, e.index, e.approx
            ));
        }
        groups
            .entry((e.index.clone(), e.i))
            .or_default()
            .push((e.d, score));
    }
    let mut out = Vec::new();
    for ((index, i), mut list) in groups {
        let k = plan.k(&index).unwrap_or(0);
        list.sort_by_key(|&(d, _)| d);
        if let Some(w) = list.windows(2).find(|w| w[0].0 == w[1].0) {
            return err(format!(
                "evidence holds pair ({i}, {}) twice in index {index}",
                w[0].0
            ));
        }
        list.retain(|&(_, s)| s >= plan.min_candidate);
        list.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        list.truncate(k);
        out.extend(list.into_iter().map(|(d, _)| PairTask::new(i, d)));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Aligns and judges pairs of documents, given the texts of every document
/// they name and the line statistics of those texts.
pub fn verify(
    tasks: &[PairTask],
    docs: Vec<ShardDoc>,
    stats: &LineStats,
    opts: &ScanOptions,
) -> Result<Vec<PairRecord>, ShardError> {
    let mut profiles: FxHashMap<u64, Result<Profile, String>> = FxHashMap::default();
    for (seq, _, _, r) in analyse_all(docs, stats, opts.lang, opts.prefer) {
        if profiles.insert(seq, r.map(|(_, p)| p)).is_some() {
            return err(format!("document {seq} given twice"));
        }
    }
    let get = |seq: u64| -> Result<&Profile, ShardError> {
        match profiles.get(&seq) {
            Some(Ok(p)) => Ok(p),
            Some(Err(e)) => err(format!("document {seq} failed analysis: {e}")),
            None => err(format!("a pair names document {seq}, which is not given")),
        }
    };
    let mut todo: Vec<(&Profile, &Profile)> = Vec::with_capacity(tasks.len());
    for t in tasks {
        if t.a >= t.b {
            return err(format!("pair ({}, {}) is not in order", t.a, t.b));
        }
        todo.push((get(t.a)?, get(t.b)?));
    }
    Ok(todo
        .par_iter()
        .filter_map(|&(a, b)| {
            compare(a, b, &opts.verdict)
                .filter(|m| m.score >= opts.min_score)
                .map(|m| PairRecord::new(a, b, &m))
        })
        .collect())
}

/// A pair record read back from JSON.
#[derive(Clone, Debug, Deserialize)]
pub struct PairRow {
    #[serde(rename = "type")]
    kind: String,
    a: String,
    b: String,
    relation: String,
    score: f32,
    lang_a: String,
    lang_b: String,
    coverage_a: f32,
    coverage_b: f32,
    partial: bool,
    identity: Option<f32>,
    cluster: Option<u32>,
    alignment: Vec<SpanRow>,
}

#[derive(Clone, Debug, Deserialize)]
struct SpanRow {
    a: [usize; 2],
    b: [usize; 2],
    score: f32,
}

impl TryFrom<PairRow> for PairRecord {
    type Error = ShardError;

    fn try_from(r: PairRow) -> Result<PairRecord, ShardError> {
        if r.kind != "pair" {
            return err(format!("a {:?} record where a pair was expected", r.kind));
        }
        let relation = [
            Relation::Exact,
            Relation::NearDuplicate,
            Relation::Rewrite,
            Relation::Translation,
        ]
        .into_iter()
        .map(Relation::as_str)
        .find(|s| *s == r.relation)
        .ok_or_else(|| {
            ShardError(format!(
                "pair {} {}: unknown relation {:?}",
                r.a, r.b, r.relation
            ))
        })?;
        Ok(PairRecord {
            kind: "pair",
            a: r.a,
            b: r.b,
            relation,
            score: r.score,
            lang_a: r.lang_a,
            lang_b: r.lang_b,
            coverage_a: r.coverage_a,
            coverage_b: r.coverage_b,
            partial: r.partial,
            identity: r.identity,
            cluster: r.cluster,
            alignment: r
                .alignment
                .into_iter()
                .map(|s| AlignedSpan {
                    a: s.a,
                    b: s.b,
                    score: s.score,
                })
                .collect(),
        })
    }
}

/// Analysed documents by id (the last of equal ids, as `scan`'s lookups),
/// with their `seq` and language.
fn analysed_ids(meta: &[MetaRow]) -> FxHashMap<&str, (u64, &str)> {
    let mut sorted: Vec<&MetaRow> = meta.iter().filter(|m| m.error.is_none()).collect();
    sorted.sort_by_key(|m| m.seq);
    sorted
        .into_iter()
        .map(|m| (m.id.as_str(), (m.seq, m.lang.as_deref().unwrap_or(""))))
        .collect()
}

/// The first global step on the verified pairs: keeps each document's best
/// translations, then lists the pairs of two translations of one document
/// that were not checked (to verify like any pair, then [`finish`]).
pub fn bridge(pairs: Vec<PairRecord>, meta: &[MetaRow]) -> (Vec<PairRecord>, Vec<PairTask>) {
    let kept = keep_best_translations(pairs, TRANSLATION_MARGIN);
    let pos = analysed_ids(meta);
    let both = |p: &PairRecord| Some((*pos.get(p.a.as_str())?, *pos.get(p.b.as_str())?));
    let mut have: HashSet<(u64, u64)> = HashSet::new();
    let mut partners: BTreeMap<u64, Vec<(u64, &str)>> = BTreeMap::new();
    for p in &kept {
        let Some(((x, lx), (y, ly))) = both(p) else {
            continue;
        };
        have.insert((x, y));
        have.insert((y, x));
        if p.relation == "translation" {
            partners.entry(x).or_default().push((y, ly));
            partners.entry(y).or_default().push((x, lx));
        }
    }
    let mut todo = Vec::new();
    for list in partners.values() {
        for (k, &(x, lx)) in list.iter().enumerate() {
            for &(y, ly) in &list[k + 1..] {
                if lx != ly && !have.contains(&(x, y)) {
                    todo.push(PairTask::new(x, y));
                }
            }
        }
    }
    todo.sort_unstable();
    todo.dedup();
    (kept, todo)
}

/// The end of a sharded scan.
#[derive(Debug, Default)]
pub struct Finished {
    /// Pairs, sorted by ids, with their clusters.
    pub pairs: Vec<PairRecord>,
    /// Clusters of connected copies.
    pub clusters: Vec<ClusterRecord>,
    /// Doc records in input order, as JSON.
    pub docs: Vec<String>,
    /// Documents that could not be analysed: id and error.
    pub failures: Vec<(String, String)>,
}

/// The last global step: adds the bridged pairs (`extra`) to those [`bridge`]
/// kept, keeps the best translations again, sorts and numbers the clusters.
pub fn finish(
    kept: Vec<PairRecord>,
    extra: Vec<PairRecord>,
    mut meta: Vec<MetaRow>,
) -> Result<Finished, ShardError> {
    let mut pairs = kept;
    if !extra.is_empty() {
        pairs.extend(extra);
        pairs = keep_best_translations(pairs, TRANSLATION_MARGIN);
    }
    pairs.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    meta.sort_by_key(|m| m.seq);
    if let Some(w) = meta.windows(2).find(|w| w[0].seq == w[1].seq) {
        return err(format!(
            "document {} appears twice in the metadata",
            w[0].seq
        ));
    }
    let mut out = Finished::default();
    // Clusters only need ids, body lengths and publication times.
    let mut profiles = Vec::new();
    let mut published = Vec::new();
    for m in meta {
        match (m.error, m.record, m.body_chars, m.lang) {
            (Some(e), _, _, _) => out.failures.push((m.id, e)),
            (None, Some(rec), Some(body_chars), Some(lang)) => {
                let lang: Lang = lang
                    .parse()
                    .map_err(|e| ShardError(format!("document {}: {e}", m.seq)))?;
                profiles.push(Profile {
                    id: m.id,
                    lang,
                    sents: Vec::new(),
                    body_chars,
                    exact_key: 0,
                    content_tokens: 0,
                    stem_set: Vec::new(),
                    pivot_set: Vec::new(),
                    spots: Vec::new(),
                });
                published.push(m.published);
                out.docs.push(rec);
            }
            _ => {
                return err(format!(
                    "document {} has neither an error nor a record, language and length",
                    m.seq
                ))
            }
        }
    }
    out.clusters = assign_clusters(&mut pairs, &profiles, &published);
    out.pairs = pairs;
    Ok(out)
}

/// The engine's steps, in memory: the reference the real engine's queries
/// are checked against, and enough for collections that fit one machine.
pub mod engine {
    use super::*;

    /// Line document frequencies of lines in more than one document, and of
    /// every headline (a line that heads one document is news to the others).
    pub fn line_df(rows: impl IntoIterator<Item = LineRow>) -> FxHashMap<i64, u32> {
        let mut df: FxHashMap<i64, u32> = FxHashMap::default();
        for r in rows {
            *df.entry(r.key).or_insert(0) += 1;
        }
        df.retain(|&k, n| *n > 1 || LineStats::is_headline_key(to_u64(k)));
        df
    }

    /// The line frequencies a set of documents needs (those of their lines).
    pub fn line_df_for<'a>(
        df: &FxHashMap<i64, u32>,
        rows: impl IntoIterator<Item = &'a LineRow>,
    ) -> Vec<LineDf> {
        // Each line is asked for twice: as a line and as a headline.
        let mut keys: Vec<i64> = rows
            .into_iter()
            .flat_map(|r| [r.key, to_i64(LineStats::headline_key(to_u64(r.key)))])
            .filter(|k| df.contains_key(k))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .map(|key| LineDf { key, df: df[&key] })
            .collect()
    }

    /// Term document frequencies per index.
    pub fn term_df<'a>(
        rows: impl IntoIterator<Item = &'a TermRow>,
    ) -> FxHashMap<(&'a str, i64), u32> {
        let mut df = FxHashMap::default();
        for r in rows {
            *df.entry((r.index.as_str(), r.term)).or_insert(0) += 1;
        }
        df
    }

    /// Terms with their frequencies, those above the plan's cut left out.
    pub fn with_df(
        rows: Vec<TermRow>,
        df: &FxHashMap<(&str, i64), u32>,
        plan: &Plan,
    ) -> Vec<TermDf> {
        rows.into_iter()
            .filter_map(|r| {
                let n = *df.get(&(r.index.as_str(), r.term))?;
                (n <= plan.max_df).then_some(TermDf {
                    seq: r.seq,
                    index: r.index,
                    lang: r.lang,
                    term: r.term,
                    count: r.count,
                    df: n,
                })
            })
            .collect()
    }

    /// The bucket join: for every query document and index, the candidates
    /// whose approximate (`f64`) score is within the margin of the k-th best
    /// and of the minimum, with their shared terms.
    pub fn evidence(rows: &[TermDf], norms: &[NormRow], plan: &Plan) -> Vec<Evidence> {
        type Posting<'a> = (u64, u32, &'a str);
        let mut postings: FxHashMap<(&str, i64), Vec<Posting<'_>>> = FxHashMap::default();
        let mut bags: BTreeMap<(&str, u64), Vec<&TermDf>> = BTreeMap::new();
        for r in rows {
            postings
                .entry((r.index.as_str(), r.term))
                .or_default()
                .push((r.seq, r.count, r.lang.as_str()));
            bags.entry((r.index.as_str(), r.seq)).or_default().push(r);
        }
        let norm: FxHashMap<(&str, u64), f64> = norms
            .iter()
            .map(|n| ((n.index.as_str(), n.seq), n.norm))
            .collect();
        let idf = |df: u32| ((plan.profiles.max(1) as f64) / df as f64).ln() + 1.0;
        let tf = |c: u32| 1.0 + (c as f64).ln();
        let mut out = Vec::new();
        for (&(index, i), bag) in &bags {
            let same = index == MONO;
            let lang_i = bag[0].lang.as_str();
            let ni = norm.get(&(index, i)).copied().unwrap_or(0.0);
            let mut dot: FxHashMap<u64, f64> = FxHashMap::default();
            for t in bag {
                let w = tf(t.count) * idf(t.df) * idf(t.df);
                for &(d, c, lang_d) in &postings[&(index, t.term)] {
                    if d != i && (lang_d == lang_i) == same {
                        *dot.entry(d).or_insert(0.0) += w * tf(c);
                    }
                }
            }
            let mut scored: Vec<(u64, f64)> = dot
                .into_iter()
                .map(|(d, x)| {
                    let nd = norm.get(&(index, d)).copied().unwrap_or(0.0);
                    (d, x / (ni * nd).max(1e-9))
                })
                .filter(|&(_, s)| s >= plan.min_candidate as f64 - plan.margin)
                .collect();
            scored.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let k = plan.k(index).unwrap_or(0);
            if k == 0 {
                continue;
            }
            if let Some(&(_, kth)) = scored.get(k - 1) {
                scored.retain(|&(_, s)| s >= kth - plan.margin);
            }
            for (d, approx) in scored {
                let other: FxHashMap<i64, &TermDf> =
                    bags[&(index, d)].iter().map(|r| (r.term, *r)).collect();
                let mut e = Evidence {
                    index: index.to_string(),
                    i,
                    d,
                    lang_i: lang_i.to_string(),
                    lang_d: bags[&(index, d)][0].lang.clone(),
                    norm_i: ni,
                    norm_d: norm.get(&(index, d)).copied().unwrap_or(0.0),
                    approx,
                    terms: Vec::new(),
                    ci: Vec::new(),
                    cd: Vec::new(),
                    df: Vec::new(),
                };
                for t in bag {
                    if let Some(o) = other.get(&t.term) {
                        e.terms.push(t.term);
                        e.ci.push(t.count);
                        e.cd.push(o.count);
                        e.df.push(t.df);
                    }
                }
                out.push(e);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_survive_the_signed_round_trip() {
        for h in [0u64, 1, u64::MAX, 1 << 63, 0x9E37_79B9_7F4A_7C15] {
            assert_eq!(to_u64(to_i64(h)), h);
        }
    }

    #[test]
    fn plan_cut_matches_the_in_memory_index() {
        let o = ScanOptions::default();
        assert_eq!(Plan::new(0, &o).max_df, 50);
        assert_eq!(Plan::new(1050, &o).max_df, 52);
        assert_eq!(Plan::new(7103, &o).max_df, 355);
        assert!(Plan::new(100, &o).idf(51).is_none());
    }

    fn translation(a: &str, b: &str, la: &str, lb: &str, score: f32) -> PairRecord {
        PairRecord {
            kind: "pair",
            a: a.into(),
            b: b.into(),
            relation: "translation",
            score,
            lang_a: la.into(),
            lang_b: lb.into(),
            coverage_a: 0.9,
            coverage_b: 0.9,
            partial: false,
            identity: None,
            cluster: None,
            alignment: Vec::new(),
        }
    }

    fn meta(seq: u64, id: &str, lang: &str) -> MetaRow {
        MetaRow {
            seq,
            id: id.into(),
            lang: Some(lang.into()),
            published: None,
            body_chars: Some(100),
            record: Some(format!("{{\"id\":\"{id}\"}}")),
            error: None,
        }
    }

    #[test]
    fn bridge_lists_two_translations_of_one_document() {
        let meta = [
            meta(0, "en", "en"),
            meta(1, "fr", "fr"),
            meta(2, "it", "it"),
        ];
        let pairs = vec![
            translation("en", "fr", "en", "fr", 0.8),
            translation("en", "it", "en", "it", 0.7),
        ];
        let (kept, todo) = bridge(pairs.clone(), &meta);
        assert_eq!(kept, pairs);
        assert_eq!(todo, vec![PairTask::new(2, 1)]);
        // Once checked, the pair is not listed again.
        let mut all = pairs;
        all.push(translation("fr", "it", "fr", "it", 0.6));
        assert!(bridge(all.clone(), &meta).1.is_empty());
        let done = finish(all, Vec::new(), meta.to_vec()).unwrap();
        assert_eq!(done.clusters.len(), 1);
        assert_eq!(done.docs.len(), 3);
        assert!(done.pairs.iter().all(|p| p.cluster == Some(1)));
    }

    #[test]
    fn candidates_reject_drifting_approximations() {
        let plan = Plan::new(100, &ScanOptions::default());
        let e = Evidence {
            index: MONO.into(),
            i: 1,
            d: 2,
            lang_i: "en".into(),
            lang_d: "en".into(),
            norm_i: 1.0,
            norm_d: 1.0,
            approx: 0.9,
            terms: vec![5],
            ci: vec![1],
            cd: vec![1],
            df: vec![100],
        };
        // df 100 is above the cut: the exact score is 0.
        assert!(candidates(vec![e.clone()], &plan).is_err());
        let ok = Evidence {
            approx: 0.0,
            ..e.clone()
        };
        assert_eq!(candidates(vec![ok], &plan).unwrap(), vec![]);
        let cross = Evidence {
            lang_d: "it".into(),
            approx: 0.0,
            ..e
        };
        assert!(candidates(vec![cross], &plan).is_err());
    }
}
