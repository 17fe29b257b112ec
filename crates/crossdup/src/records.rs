//! The output records of crossdup: the stable JSON Lines contract.

use serde::Serialize;

use crossdup_match::{PairMatch, Profile};
use crossdup_text::{Article, NoiseFlag};

/// One aligned link as byte spans into the two original texts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlignedSpan {
    /// `[start, end)` in document `a`.
    pub a: [usize; 2],
    /// `[start, end)` in document `b`.
    pub b: [usize; 2],
    /// Link score.
    pub score: f32,
}

/// A pair of documents that are copies of each other.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairRecord {
    /// Always `"pair"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// First document id.
    pub a: String,
    /// Second document id.
    pub b: String,
    /// `exact`, `near_duplicate`, `rewrite` or `translation`.
    pub relation: &'static str,
    /// Overall score.
    pub score: f32,
    /// Language of `a`.
    pub lang_a: String,
    /// Language of `b`.
    pub lang_b: String,
    /// Share of `a`'s body aligned to `b`.
    pub coverage_a: f32,
    /// Share of `b`'s body aligned to `a`.
    pub coverage_b: f32,
    /// Whether only part of one document has a counterpart.
    pub partial: bool,
    /// Same language: share of matched words that are identical (low for spun copies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<f32>,
    /// Cluster of connected copies this pair belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<u32>,
    /// Aligned sentence spans.
    pub alignment: Vec<AlignedSpan>,
}

impl PairRecord {
    /// Builds the record of a verified pair.
    pub fn new(a: &Profile, b: &Profile, m: &PairMatch) -> PairRecord {
        let span = |p: &Profile, r: (usize, usize)| {
            [p.sents[r.0].start as usize, p.sents[r.1 - 1].end as usize]
        };
        PairRecord {
            kind: "pair",
            a: a.id.clone(),
            b: b.id.clone(),
            relation: m.relation.as_str(),
            score: round3(m.score),
            lang_a: a.lang.code().to_string(),
            lang_b: b.lang.code().to_string(),
            coverage_a: round3(m.coverage_a),
            coverage_b: round3(m.coverage_b),
            partial: m.partial,
            identity: (a.lang == b.lang).then(|| round3(m.identity)),
            cluster: None,
            alignment: m
                .links
                .iter()
                .map(|l| AlignedSpan {
                    a: span(a, l.a),
                    b: span(b, l.b),
                    score: round3(l.score),
                })
                .collect(),
        }
    }
}

/// Rounds to three decimals, for readable output.
pub fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// A flagged noise block in output form.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoiseRecord {
    /// First and last 1-based line numbers.
    pub lines: [u32; 2],
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Kind, e.g. `related_links`.
    pub kind: &'static str,
}

impl From<&NoiseFlag> for NoiseRecord {
    fn from(f: &NoiseFlag) -> NoiseRecord {
        NoiseRecord {
            lines: f.lines,
            start: f.start,
            end: f.end,
            kind: f.kind.as_str(),
        }
    }
}

/// What crossdup reports of every document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocRecord {
    /// Always `"doc"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Document id.
    pub id: String,
    /// Main language.
    pub lang: String,
    /// How the language was decided (`given`, `detected`, `fallback`).
    pub lang_source: &'static str,
    /// Number of body sentences.
    pub sentences: usize,
    /// Noise blocks.
    pub noise: Vec<NoiseRecord>,
}

impl DocRecord {
    /// Builds the record of an analysed article.
    pub fn new(art: &Article) -> DocRecord {
        DocRecord {
            kind: "doc",
            id: art.doc.id.clone(),
            lang: art.lang.code().to_string(),
            lang_source: art.lang_source,
            sentences: art.sentences.len(),
            noise: art.noise.iter().map(NoiseRecord::from).collect(),
        }
    }
}

/// One cluster of connected copies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterRecord {
    /// Always `"cluster"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Cluster number.
    pub cluster: u32,
    /// Member ids, sorted.
    pub members: Vec<String>,
    /// The representative: the earliest published member, else the longest.
    pub representative: String,
}
