//! Verdicts: is a pair of documents an exact copy, a near duplicate, a
//! rewrite or a translation, with what score and coverage?

use serde::Serialize;

use crate::align::{align, AlignParams, Link};
use crate::features::Profile;
use crate::similarity::{Bilingual, Cognates, Monolingual, SentenceSimilarity};

/// The relation between two documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Same text after normalisation.
    Exact,
    /// The same article, with small edits, cuts, additions or other furniture.
    NearDuplicate,
    /// The same article with words swapped for synonyms (spun).
    Rewrite,
    /// The same article in another language.
    Translation,
}

impl Relation {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Exact => "exact",
            Relation::NearDuplicate => "near_duplicate",
            Relation::Rewrite => "rewrite",
            Relation::Translation => "translation",
        }
    }
}

/// Thresholds of the verdict.
#[derive(Clone, Copy, Debug)]
pub struct VerdictParams {
    /// Aligned links below this score do not count towards coverage.
    pub link_min: f32,
    /// Minimum coverage of the better-covered side (containment).
    pub min_coverage: f32,
    /// Minimum mean score of the counted links.
    pub min_score: f32,
    /// Minimum containment for a translation.
    pub min_coverage_cross: f32,
    /// Minimum mean link score for a translation.
    pub min_score_cross: f32,
    /// Share of identical-stem matches above which a same-language copy is a
    /// near duplicate rather than a rewrite.
    pub rewrite_exact_max: f32,
    /// Below this share of identical matches, a same-language pair is not a
    /// copy at all (spinners keep most words).
    pub rewrite_identity_min: f32,
    /// Same language: a pair is aligned only if this share of the smaller
    /// document's spot signatures is shared...
    pub prefilter_spots: f32,
    /// ...or this share of its distinct stems (for documents of comparable size).
    pub prefilter_stems: f32,
    /// Across languages: a pair is aligned only if this share of the smaller
    /// document's pivot stems is shared.
    pub prefilter_pivots: f32,
    /// A side covered less than this makes a translation partial.
    pub partial_below: f32,
}

impl Default for VerdictParams {
    fn default() -> Self {
        VerdictParams {
            link_min: 0.3,
            min_coverage: 0.7,
            min_score: 0.6,
            min_coverage_cross: 0.6,
            min_score_cross: 0.45,
            rewrite_exact_max: 0.985,
            rewrite_identity_min: 0.55,
            prefilter_spots: 0.15,
            prefilter_stems: 0.6,
            prefilter_pivots: 0.15,
            partial_below: 0.6,
        }
    }
}

/// A verified pair.
#[derive(Clone, Debug)]
pub struct PairMatch {
    /// The relation.
    pub relation: Relation,
    /// Overall score in `[0, 1]`.
    pub score: f32,
    /// Share of the first document's body covered by counted links.
    pub coverage_a: f32,
    /// Share of the second document's body covered by counted links.
    pub coverage_b: f32,
    /// Whether only part of one document has a counterpart.
    pub partial: bool,
    /// Share of matched words that matched by identical stem (same language);
    /// low values with high coverage mean a spun rewrite.
    pub identity: f32,
    /// The counted links.
    pub links: Vec<Link>,
}

/// Whether two set sizes are comparable: the larger at most three times the
/// smaller. The pre-filter asks more of pairs that are not.
fn comparable(p: usize, q: usize) -> bool {
    p.min(q) * 3 >= p.max(q)
}

/// The whole-document test [`compare`] starts with, alone: whether the
/// pair shares enough vocabulary (same language: spot signatures or stems;
/// across languages: English pivots) to be worth a sentence alignment, or
/// is an exact copy. When it is false, [`compare`] is `None` without
/// aligning anything, so a caller that budgets alignments can leave such
/// pairs out of the budget. Cheap: a few merges of sorted sets.
pub fn plausible(a: &Profile, b: &Profile, vp: &VerdictParams) -> bool {
    use crate::features::containment;
    if a.sents.is_empty() || b.sents.is_empty() {
        return false;
    }
    if a.lang == b.lang {
        if a.exact_key == b.exact_key {
            return true;
        }
        let need = if comparable(a.spots.len(), b.spots.len()) {
            vp.prefilter_spots
        } else {
            vp.prefilter_spots * 2.0
        };
        containment(&a.spots, &b.spots) >= need
            || (containment(&a.stem_set, &b.stem_set) >= vp.prefilter_stems
                && comparable(a.stem_set.len(), b.stem_set.len()))
    } else {
        // A small document inside a much larger one (an excerpt) must show
        // stronger evidence: a big vocabulary contains anything a little.
        let need = if comparable(a.pivot_set.len(), b.pivot_set.len()) {
            vp.prefilter_pivots
        } else {
            vp.prefilter_pivots * 2.5
        };
        containment(&a.pivot_set, &b.pivot_set) >= need
    }
}

/// Compares two profiles and gives a verdict, or `None` when they are not copies.
pub fn compare(a: &Profile, b: &Profile, vp: &VerdictParams) -> Option<PairMatch> {
    if a.sents.is_empty() || b.sents.is_empty() {
        return None;
    }
    let same = a.lang == b.lang;
    if same && a.exact_key == b.exact_key {
        let links = (0..a.sents.len().min(b.sents.len()))
            .map(|i| Link {
                a: (i, i + 1),
                b: (i, i + 1),
                score: 1.0,
                exact: 1.0,
            })
            .collect();
        return Some(PairMatch {
            relation: Relation::Exact,
            score: 1.0,
            coverage_a: 1.0,
            coverage_b: 1.0,
            partial: false,
            identity: 1.0,
            links,
        });
    }
    // Cheap whole-document evidence first: most candidate pairs end here.
    if !plausible(a, b, vp) {
        return None;
    }
    let mono = Monolingual::default();
    let ap = AlignParams::default();
    // Across languages, when the aligner compares every sentence pair, each
    // word would meet every word of the other document in the pairs' scans
    // for cognates: the cognates are found once instead. (Longer pairs are
    // compared only near their guide path, which a table of every word pair
    // would cost more than.)
    let cognates = if !same && a.sents.len() * b.sents.len() <= ap.full_cells {
        Some(Cognates::between(&a.sents, &b.sents))
    } else {
        None
    };
    let bi = Bilingual::default();
    let bi_table = cognates.as_ref().map(|c| bi.between(c));
    let sim: &dyn SentenceSimilarity = match (same, &bi_table) {
        (true, _) => &mono,
        (false, Some(t)) => t,
        (false, None) => &bi,
    };
    let links: Vec<Link> = align(a, b, sim, &ap)
        .into_iter()
        .filter(|l| l.score >= vp.link_min)
        .collect();
    if links.is_empty() {
        return None;
    }
    // Coverage counts characters weighted by evidence: boilerplate repeated
    // across the collection counts little, on both sides of the ratio.
    let wchars = |p: &Profile, r: (usize, usize)| -> f64 {
        p.sents[r.0..r.1]
            .iter()
            .map(|s| s.chars as f64 * s.weight as f64)
            .sum()
    };
    let total = |p: &Profile| -> f64 {
        p.sents
            .iter()
            .map(|s| s.chars as f64 * s.weight as f64)
            .sum::<f64>()
            .max(1.0)
    };
    let (mut ca, mut cb, mut wsum, mut esum) = (0f64, 0f64, 0f64, 0f64);
    for l in &links {
        let (x, y) = (wchars(a, l.a), wchars(b, l.b));
        ca += x;
        cb += y;
        wsum += l.score as f64 * (x + y);
        esum += l.exact as f64 * (x + y);
    }
    let coverage_a = (ca / total(a)).min(1.0) as f32;
    let coverage_b = (cb / total(b)).min(1.0) as f32;
    let mean = (wsum / (ca + cb).max(1e-9)) as f32;
    let exact_share = (esum / (ca + cb).max(1e-9)) as f32;
    let contain = coverage_a.max(coverage_b);
    let (min_cov, min_score) = if same {
        (vp.min_coverage, vp.min_score)
    } else {
        (vp.min_coverage_cross, vp.min_score_cross)
    };
    if contain < min_cov || mean < min_score {
        return None;
    }
    // Evidence must not rest on a single short sentence.
    let linked_tokens: usize = links
        .iter()
        .map(|l| {
            a.sents[l.a.0..l.a.1]
                .iter()
                .map(|s| s.toks.len())
                .sum::<usize>()
        })
        .sum();
    if linked_tokens < 6 {
        return None;
    }
    let relation = if !same {
        Relation::Translation
    } else if exact_share >= vp.rewrite_exact_max {
        Relation::NearDuplicate
    } else if exact_share >= vp.rewrite_identity_min {
        Relation::Rewrite
    } else {
        // Mostly synonyms and no shared wording: same topic, not a copy.
        return None;
    };
    let score = (mean * (0.5 + 0.5 * contain)).min(1.0);
    Some(PairMatch {
        relation,
        score,
        coverage_a,
        coverage_b,
        partial: coverage_a.min(coverage_b) < vp.partial_below,
        identity: if same { exact_share } else { 0.0 },
        links,
    })
}
