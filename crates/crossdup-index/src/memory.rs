//! An in-memory inverted index over hashed terms, for candidate search in
//! batch scans: every document is a weighted bag of terms (stems, pivot
//! stems, anchors), and a query returns the documents whose bags are most
//! similar (cosine of TF-IDF vectors), skipping terms too common to help.
//!
//! Layout: terms get dense numbers; document bags and posting lists are flat
//! arrays (compressed-row style), so the index costs about 16 bytes per
//! (document, term) entry. Documents can be put in groups (languages): the
//! postings of a term are sorted by group, so a query restricted to one group,
//! or to every group but one, never reads the others' postings.
//! Queries accumulate dot products in a dense per-thread array (see
//! [`MemIndex::searcher`]) rather than a hash map.

use rustc_hash::FxHashMap;

/// A candidate document and its similarity to the query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// The document's number in the index.
    pub doc: u32,
    /// Cosine similarity in `[0, 1]`.
    pub score: f32,
}

/// Which groups of documents a query looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Groups {
    /// Every document.
    All,
    /// Only the documents of this group.
    Only(u32),
    /// Every document outside this group.
    Except(u32),
}

/// In-memory candidate index.
#[derive(Debug, Default)]
pub struct MemIndex {
    /// Term hash to term number, while documents are added.
    ids: FxHashMap<u64, u32>,
    /// Sorted `(term hash, term number)`, after [`MemIndex::freeze`].
    lookup: Vec<(u64, u32)>,
    /// Term numbers of every bag, documents one after another, each in the
    /// order it was given.
    bag_terms: Vec<u32>,
    /// Weights `1 + ln(count)` beside `bag_terms`.
    bag_weights: Vec<f32>,
    /// Where each document's bag starts (one extra entry at the end).
    bag_start: Vec<u32>,
    /// Group of each document.
    groups: Vec<u32>,
    /// IDF of each term; 0 for terms too common to count.
    idf: Vec<f32>,
    /// Where each term's postings start (one extra entry at the end).
    post_start: Vec<u32>,
    /// Internal document numbers (documents sorted by group), ascending per term.
    post_docs: Vec<u32>,
    /// Weights beside `post_docs`.
    post_weights: Vec<f32>,
    /// Document norms, by document number.
    norms: Vec<f32>,
    /// Internal number to document number.
    order: Vec<u32>,
    /// Document number to internal number.
    rank: Vec<u32>,
    /// Document norms, by internal number.
    internal_norms: Vec<f32>,
    /// Groups as `(group, first internal number, end)`, ascending.
    ranges: Vec<(u32, u32, u32)>,
    frozen: bool,
}

impl MemIndex {
    /// An empty index.
    pub fn new() -> MemIndex {
        MemIndex {
            bag_start: vec![0],
            ..MemIndex::default()
        }
    }

    /// Adds a document's terms (term, count) to group 0; returns its number.
    /// Bags sorted by term give scores that are bit-for-bit those of a plain
    /// term-at-a-time scan.
    pub fn add(&mut self, terms: &[(u64, u32)]) -> u32 {
        self.add_in_group(terms, 0)
    }

    /// Adds a document's terms to a group (e.g. its language); returns its number.
    pub fn add_in_group(&mut self, terms: &[(u64, u32)], group: u32) -> u32 {
        if self.bag_start.is_empty() {
            self.bag_start.push(0);
        }
        let id = self.groups.len() as u32;
        if self.frozen {
            self.thaw();
        }
        for &(t, c) in terms {
            let next = self.ids.len() as u32;
            let tid = *self.ids.entry(t).or_insert(next);
            self.bag_terms.push(tid);
            self.bag_weights.push(1.0 + (c as f32).ln());
        }
        self.bag_start.push(self.bag_terms.len() as u32);
        self.groups.push(group);
        id
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Back to the adding state after a freeze (the term map is rebuilt).
    fn thaw(&mut self) {
        self.ids = self.lookup.drain(..).collect();
        self.frozen = false;
    }

    /// Computes IDF weights, document norms and the posting lists; terms
    /// present in more than `max_df_share` of the documents (and at least
    /// 50) are ignored.
    pub fn freeze(&mut self, max_df_share: f32) {
        self.freeze_capped(max_df_share, usize::MAX);
    }

    /// As [`MemIndex::freeze`], also ignoring terms present in more than
    /// `max_df` documents (but never fewer than 50): in a large collection a
    /// term that thousands of documents share says little about which are
    /// copies, and its postings would make every query read a share of the
    /// whole collection.
    pub fn freeze_capped(&mut self, max_df_share: f32, max_df: usize) {
        if self.bag_start.is_empty() {
            self.bag_start.push(0);
        }
        let n_docs = self.groups.len();
        let n_terms = self.ids.len().max(self.lookup.len());
        let n = n_docs.max(1) as f32;
        let cap = ((n * max_df_share) as usize).min(max_df).max(50);
        let mut df = vec![0u32; n_terms];
        for &t in &self.bag_terms {
            df[t as usize] += 1;
        }
        self.idf = df
            .iter()
            .map(|&d| {
                if d as usize <= cap && d > 0 {
                    (n / d as f32).ln() + 1.0
                } else {
                    0.0
                }
            })
            .collect();
        self.norms = (0..n_docs)
            .map(|d| {
                let (s, e) = (self.bag_start[d] as usize, self.bag_start[d + 1] as usize);
                self.bag_terms[s..e]
                    .iter()
                    .zip(&self.bag_weights[s..e])
                    .map(|(&t, &w)| {
                        let i = self.idf[t as usize];
                        (w * i) * (w * i)
                    })
                    .sum::<f32>()
                    .sqrt()
            })
            .collect();
        // Internal numbering: documents sorted by group (stable).
        let mut order: Vec<u32> = (0..n_docs as u32).collect();
        order.sort_by_key(|&d| self.groups[d as usize]);
        self.ranges.clear();
        for (i, &d) in order.iter().enumerate() {
            let g = self.groups[d as usize];
            match self.ranges.last_mut() {
                Some(r) if r.0 == g => r.2 = i as u32 + 1,
                _ => self.ranges.push((g, i as u32, i as u32 + 1)),
            }
        }
        // Postings of the terms that count, by internal number.
        self.post_start = Vec::with_capacity(n_terms + 1);
        let mut total = 0u32;
        for (t, &d) in df.iter().enumerate() {
            self.post_start.push(total);
            if self.idf[t] > 0.0 {
                total += d;
            }
        }
        self.post_start.push(total);
        let mut fill: Vec<u32> = self.post_start[..n_terms].to_vec();
        self.post_docs = vec![0; total as usize];
        self.post_weights = vec![0.0; total as usize];
        for (internal, &d) in order.iter().enumerate() {
            let (s, e) = (
                self.bag_start[d as usize] as usize,
                self.bag_start[d as usize + 1] as usize,
            );
            for k in s..e {
                let t = self.bag_terms[k] as usize;
                if self.idf[t] > 0.0 {
                    let at = fill[t] as usize;
                    self.post_docs[at] = internal as u32;
                    self.post_weights[at] = self.bag_weights[k];
                    fill[t] += 1;
                }
            }
        }
        self.rank = vec![0; n_docs];
        for (internal, &d) in order.iter().enumerate() {
            self.rank[d as usize] = internal as u32;
        }
        self.internal_norms = order.iter().map(|&d| self.norms[d as usize]).collect();
        self.order = order;
        if !self.ids.is_empty() {
            self.lookup = self.ids.drain().collect();
            self.lookup.sort_unstable();
            self.ids = FxHashMap::default();
        }
        self.frozen = true;
    }

    /// A query context with its own scratch space; make one per thread and
    /// reuse it for many queries.
    pub fn searcher(&self) -> Searcher<'_> {
        assert!(
            self.frozen,
            "MemIndex::freeze must be called before queries"
        );
        Searcher {
            ix: self,
            acc: vec![0.0; self.groups.len()],
            touched: Vec::new(),
            bag: Vec::new(),
            found: Vec::new(),
        }
    }

    /// The `k` most similar documents to document `doc` (itself excluded),
    /// with score at least `min_score`.
    pub fn similar(&self, doc: u32, k: usize, min_score: f32) -> Vec<Candidate> {
        self.searcher()
            .similar(doc, k, min_score, Groups::All, |_| true)
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
        self.searcher()
            .similar(doc, k, min_score, Groups::All, keep)
    }

    /// The `k` documents most similar to a bag of `(term, count)`.
    pub fn query(&self, terms: &[(u64, u32)], k: usize, min_score: f32) -> Vec<Candidate> {
        let mut s = self.searcher();
        let mut q = Vec::with_capacity(terms.len());
        for &(t, c) in terms {
            let w = 1.0 + (c as f32).ln();
            let tid = self
                .lookup
                .binary_search_by_key(&t, |e| e.0)
                .ok()
                .map(|i| self.lookup[i].1);
            q.push((tid, w));
        }
        let norm = q
            .iter()
            .map(|&(tid, w)| {
                let i = tid.map(|t| self.idf[t as usize]).unwrap_or(0.0);
                (w * i) * (w * i)
            })
            .sum::<f32>()
            .sqrt();
        let bag: Vec<(u32, f32)> = q
            .into_iter()
            .filter_map(|(tid, w)| tid.map(|t| (t, w)))
            .collect();
        s.search(&bag, norm, None, k, min_score, Groups::All, |_| true)
    }

    fn bag(&self, doc: u32) -> impl Iterator<Item = (u32, f32)> + '_ {
        let (s, e) = (
            self.bag_start[doc as usize] as usize,
            self.bag_start[doc as usize + 1] as usize,
        );
        self.bag_terms[s..e]
            .iter()
            .copied()
            .zip(self.bag_weights[s..e].iter().copied())
    }

    /// Internal-number ranges a query looks at (empty ranges included).
    fn spans(&self, groups: Groups) -> [(u32, u32); 2] {
        let n = self.groups.len() as u32;
        let find = |g: u32| self.ranges.iter().find(|r| r.0 == g).map(|r| (r.1, r.2));
        match groups {
            Groups::All => [(0, n), (n, n)],
            Groups::Only(g) => [find(g).unwrap_or((0, 0)), (n, n)],
            Groups::Except(g) => match find(g) {
                Some((s, e)) => [(0, s), (e, n)],
                None => [(0, n), (n, n)],
            },
        }
    }
}

/// The first position of a sorted list holding a value `>= x`, found by
/// galloping from the front: a few reads when few values are below `x`
/// (long posting lists are mostly of the query's own language, and a plain
/// binary search over them misses the cache at every step).
fn first_at_least_from_front(v: &[u32], x: u32) -> usize {
    if v.first().is_none_or(|&f| f >= x) {
        return 0;
    }
    // v[lo] < x throughout.
    let (mut lo, mut step) = (0usize, 1usize);
    while lo + step < v.len() && v[lo + step] < x {
        lo += step;
        step *= 2;
    }
    let end = (lo + step).min(v.len());
    lo + 1 + v[lo + 1..end].partition_point(|&d| d < x)
}

/// As [`first_at_least_from_front`], galloping from the back: a few reads
/// when few values are `>= x`.
fn first_at_least_from_back(v: &[u32], x: u32) -> usize {
    match v.last() {
        None => return 0,
        Some(&l) if l < x => return v.len(),
        _ => {}
    }
    // v[hi] >= x throughout.
    let (mut hi, mut step) = (v.len() - 1, 1usize);
    while hi >= step && v[hi - step] >= x {
        hi -= step;
        step *= 2;
    }
    let start = hi.saturating_sub(step);
    start + v[start..hi].partition_point(|&d| d < x)
}

/// Scratch space for queries on one [`MemIndex`] (see [`MemIndex::searcher`]).
#[derive(Debug)]
pub struct Searcher<'a> {
    ix: &'a MemIndex,
    /// Dot products by internal number; 0 for documents not reached.
    acc: Vec<f32>,
    touched: Vec<u32>,
    /// The bag of the document being looked up.
    bag: Vec<(u32, f32)>,
    /// Documents that pass the threshold, before the best are taken.
    found: Vec<Candidate>,
}

impl Searcher<'_> {
    /// The `k` documents most similar to document `doc` (itself excluded) in
    /// `groups`, with score at least `min_score`, counting only documents
    /// that `keep` accepts; best first, ties by document number.
    pub fn similar(
        &mut self,
        doc: u32,
        k: usize,
        min_score: f32,
        groups: Groups,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<Candidate> {
        let ix = self.ix;
        let mut bag = std::mem::take(&mut self.bag);
        bag.clear();
        bag.extend(ix.bag(doc));
        let out = self.search(
            &bag,
            ix.norms[doc as usize],
            Some(doc),
            k,
            min_score,
            groups,
            keep,
        );
        self.bag = bag;
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn search(
        &mut self,
        bag: &[(u32, f32)],
        norm: f32,
        skip: Option<u32>,
        k: usize,
        min_score: f32,
        groups: Groups,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<Candidate> {
        let ix = self.ix;
        if norm == 0.0 || k == 0 {
            return Vec::new();
        }
        let spans = ix.spans(groups);
        // Term at a time, in the bag's order: each document's sum is taken in
        // the same order as a plain scan's, so scores are the same to the bit.
        for &(tid, w) in bag {
            let idf = ix.idf[tid as usize];
            if idf == 0.0 {
                continue;
            }
            let qw = w * idf;
            let (s, e) = (
                ix.post_start[tid as usize] as usize,
                ix.post_start[tid as usize + 1] as usize,
            );
            let docs = &ix.post_docs[s..e];
            let weights = &ix.post_weights[s..e];
            for &(lo, hi) in spans.iter().filter(|r| r.0 < r.1) {
                let a = first_at_least_from_front(docs, lo);
                let b = a + first_at_least_from_back(&docs[a..], hi);
                // Every posting is written to the end of `touched`, which
                // only grows past it for a document met for the first time:
                // no branch to mispredict.
                let mut n = self.touched.len();
                self.touched.resize(n + (b - a), 0);
                for (&d, &dw) in docs[a..b].iter().zip(&weights[a..b]) {
                    let slot = &mut self.acc[d as usize];
                    self.touched[n] = d;
                    n += usize::from(*slot == 0.0);
                    *slot += qw * dw * idf;
                }
                self.touched.truncate(n);
            }
        }
        let out = &mut self.found;
        out.clear();
        let skip = skip.map(|e| ix.rank[e as usize]);
        for &d in &self.touched {
            let dot = std::mem::take(&mut self.acc[d as usize]);
            // The same quotient as with the norm looked up by document number.
            let score = dot / (norm * ix.internal_norms[d as usize]).max(1e-9);
            if score < min_score || Some(d) == skip {
                continue;
            }
            let ext = ix.order[d as usize];
            if keep(ext) {
                out.push(Candidate { doc: ext, score });
            }
        }
        self.touched.clear();
        let best_first =
            |a: &Candidate, b: &Candidate| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
        if out.len() > k {
            out.select_nth_unstable_by(k - 1, best_first);
            out.truncate(k);
        }
        out.sort_by(best_first);
        out.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galloping_bounds_agree_with_binary_search() {
        let lists: [&[u32]; 6] = [
            &[],
            &[5],
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            &[0, 0, 3, 3, 3, 9, 40, 41, 100],
            &[7; 33],
            &[2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
        ];
        for v in lists {
            for x in 0..2100 {
                let want = v.partition_point(|&d| d < x);
                assert_eq!(first_at_least_from_front(v, x), want, "{v:?} {x}");
                assert_eq!(first_at_least_from_back(v, x), want, "{v:?} {x}");
            }
        }
    }

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
        assert_eq!(ix.query(&[(1, 1), (2, 1), (3, 1)], 1, 0.1)[0].doc, a);
    }

    #[test]
    fn groups_restrict_the_search() {
        let mut ix = MemIndex::new();
        let a = ix.add_in_group(&[(1, 1), (2, 1), (3, 1)], 7);
        let b = ix.add_in_group(&[(1, 1), (2, 1), (3, 1)], 3);
        let c = ix.add_in_group(&[(1, 1), (2, 1)], 7);
        ix.freeze(1.0);
        let mut s = ix.searcher();
        let same: Vec<u32> = s
            .similar(a, 5, 0.1, Groups::Only(7), |_| true)
            .iter()
            .map(|c| c.doc)
            .collect();
        assert_eq!(same, [c]);
        let other: Vec<u32> = s
            .similar(a, 5, 0.1, Groups::Except(7), |_| true)
            .iter()
            .map(|c| c.doc)
            .collect();
        assert_eq!(other, [b]);
        assert!(s.similar(a, 5, 0.1, Groups::Only(9), |_| true).is_empty());
    }

    /// The straightforward scan the index must agree with: every posting
    /// read, partial sums in a hash map.
    fn brute(
        bags: &[Vec<(u64, u32)>],
        doc: usize,
        k: usize,
        min: f32,
        share: f32,
    ) -> Vec<Candidate> {
        let n = bags.len() as f32;
        let cap = ((n * share) as usize).max(50);
        let mut df: FxHashMap<u64, usize> = FxHashMap::default();
        for b in bags {
            for &(t, _) in b {
                *df.entry(t).or_default() += 1;
            }
        }
        let idf = |t: u64| {
            let d = df[&t];
            if d <= cap {
                (n / d as f32).ln() + 1.0
            } else {
                0.0
            }
        };
        let w = |c: u32| 1.0 + (c as f32).ln();
        let norm = |b: &[(u64, u32)]| {
            b.iter()
                .map(|&(t, c)| (w(c) * idf(t)) * (w(c) * idf(t)))
                .sum::<f32>()
                .sqrt()
        };
        let mut acc: FxHashMap<usize, f32> = FxHashMap::default();
        for &(t, c) in &bags[doc] {
            let i = idf(t);
            if i == 0.0 {
                continue;
            }
            let qw = w(c) * i;
            for (e, b) in bags.iter().enumerate() {
                if let Some(&(_, dc)) = b.iter().find(|x| x.0 == t) {
                    *acc.entry(e).or_insert(0.0) += qw * w(dc) * i;
                }
            }
        }
        let qn = norm(&bags[doc]);
        let mut out: Vec<Candidate> = acc
            .into_iter()
            .filter(|&(e, _)| e != doc)
            .map(|(e, dot)| Candidate {
                doc: e as u32,
                score: dot / (qn * norm(&bags[e])).max(1e-9),
            })
            .filter(|c| c.score >= min)
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        out.truncate(k);
        out
    }

    #[test]
    fn search_equals_a_full_scan() {
        // Random bags over a Zipf-like vocabulary, with near copies, so that
        // common terms have long postings and some pass the cap.
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut bags: Vec<Vec<(u64, u32)>> = Vec::new();
        for d in 0..600 {
            let mut b: Vec<(u64, u32)> = if d % 5 == 4 {
                let mut c = bags[d - 1].clone();
                c.retain(|_| next() % 8 != 0);
                c
            } else {
                (0..40)
                    .map(|_| {
                        let r = next() % 1000;
                        ((r * r) / 1000 + 1, 1 + (next() % 3) as u32)
                    })
                    .collect()
            };
            b.sort_unstable_by_key(|x| x.0);
            b.dedup_by_key(|x| x.0);
            bags.push(b);
        }
        let mut ix = MemIndex::new();
        for b in &bags {
            ix.add(b);
        }
        ix.freeze(0.3);
        let mut s = ix.searcher();
        for doc in 0..bags.len() {
            for (k, min) in [(3, 0.05), (10, 0.05), (5, 0.4)] {
                let got = s.similar(doc as u32, k, min, Groups::All, |_| true);
                let want = brute(&bags, doc, k, min, 0.3);
                assert_eq!(got, want, "doc {doc} k {k} min {min}");
            }
        }
    }
}
