//! An in-memory inverted index over hashed terms, for candidate search in
//! batch scans: every document is a weighted bag of terms (stems, pivot
//! stems, anchors), and a query returns the documents whose bags are most
//! similar (cosine of TF-IDF vectors), skipping terms too common to help.

use rustc_hash::FxHashMap;

/// A candidate document and its similarity to the query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// The document's number in the index.
    pub doc: u32,
    /// Cosine similarity in `[0, 1]`.
    pub score: f32,
}

/// In-memory candidate index.
#[derive(Debug, Default)]
pub struct MemIndex {
    postings: FxHashMap<u64, Vec<(u32, f32)>>,
    docs: Vec<Vec<(u64, f32)>>,
    norms: Vec<f32>,
    idf: FxHashMap<u64, f32>,
    frozen: bool,
}

impl MemIndex {
    /// An empty index.
    pub fn new() -> MemIndex {
        MemIndex::default()
    }

    /// Adds a document's terms (term, count); returns its number.
    pub fn add(&mut self, terms: &[(u64, u32)]) -> u32 {
        let id = self.docs.len() as u32;
        let bag: Vec<(u64, f32)> = terms
            .iter()
            .map(|&(t, c)| (t, 1.0 + (c as f32).ln()))
            .collect();
        for &(t, w) in &bag {
            self.postings.entry(t).or_default().push((id, w));
        }
        self.docs.push(bag);
        self.frozen = false;
        id
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Computes IDF weights and document norms; terms present in more than
    /// `max_df_share` of the documents (and at least 50) are ignored.
    pub fn freeze(&mut self, max_df_share: f32) {
        let n = self.docs.len().max(1) as f32;
        let cap = ((n * max_df_share) as usize).max(50);
        self.idf.clear();
        for (t, p) in &self.postings {
            if p.len() <= cap {
                self.idf.insert(*t, (n / p.len() as f32).ln() + 1.0);
            }
        }
        self.norms = self
            .docs
            .iter()
            .map(|bag| {
                bag.iter()
                    .map(|(t, w)| {
                        let i = self.idf.get(t).copied().unwrap_or(0.0);
                        (w * i) * (w * i)
                    })
                    .sum::<f32>()
                    .sqrt()
            })
            .collect();
        self.frozen = true;
    }

    /// The `k` most similar documents to document `doc` (itself excluded),
    /// with score at least `min_score`.
    pub fn similar(&self, doc: u32, k: usize, min_score: f32) -> Vec<Candidate> {
        self.similar_where(doc, k, min_score, |_| true)
    }

    /// As [`MemIndex::similar`], counting only documents that `keep` accepts
    /// (the filter applies before the `k` best are taken).
    pub fn similar_where(
        &self,
        doc: u32,
        k: usize,
        min_score: f32,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<Candidate> {
        let bag = &self.docs[doc as usize];
        self.query_bag_where(bag, self.norms[doc as usize], Some(doc), k, min_score, keep)
    }

    /// The `k` documents most similar to a bag of `(term, count)`.
    pub fn query(&self, terms: &[(u64, u32)], k: usize, min_score: f32) -> Vec<Candidate> {
        let bag: Vec<(u64, f32)> = terms
            .iter()
            .map(|&(t, c)| (t, 1.0 + (c as f32).ln()))
            .collect();
        let norm = bag
            .iter()
            .map(|(t, w)| {
                let i = self.idf.get(t).copied().unwrap_or(0.0);
                (w * i) * (w * i)
            })
            .sum::<f32>()
            .sqrt();
        self.query_bag_where(&bag, norm, None, k, min_score, |_| true)
    }

    fn query_bag_where(
        &self,
        bag: &[(u64, f32)],
        norm: f32,
        skip: Option<u32>,
        k: usize,
        min_score: f32,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<Candidate> {
        assert!(
            self.frozen,
            "MemIndex::freeze must be called before queries"
        );
        if norm == 0.0 {
            return Vec::new();
        }
        let mut acc: FxHashMap<u32, f32> = FxHashMap::default();
        for (t, w) in bag {
            let Some(&idf) = self.idf.get(t) else {
                continue;
            };
            if let Some(p) = self.postings.get(t) {
                let qw = w * idf;
                for &(d, dw) in p {
                    *acc.entry(d).or_insert(0.0) += qw * dw * idf;
                }
            }
        }
        let mut out: Vec<Candidate> = acc
            .into_iter()
            .filter(|(d, _)| Some(*d) != skip && keep(*d))
            .map(|(d, dot)| Candidate {
                doc: d,
                score: dot / (norm * self.norms[d as usize]).max(1e-9),
            })
            .filter(|c| c.score >= min_score)
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        out.truncate(k);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_most_similar_bag() {
        let mut ix = MemIndex::new();
        let a = ix.add(&[(1, 1), (2, 1), (3, 1)]);
        let b = ix.add(&[(1, 1), (2, 1), (3, 1), (4, 1)]);
        let c = ix.add(&[(5, 1), (6, 1)]);
        ix.freeze(1.0);
        let got = ix.similar(a, 5, 0.1);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].doc, b);
        assert!(ix.similar(c, 5, 0.1).is_empty());
    }
}
