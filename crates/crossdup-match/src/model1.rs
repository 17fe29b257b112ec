//! A translation lexicon learned from the input itself: IBM Model 1, trained
//! by expectation-maximisation over sentence pairs that a first alignment pass
//! linked with confidence (as Moore's aligner does, and as hunalign's
//! `-realign` approximates with co-occurrence counts).
//!
//! Words are small integer ids, one vocabulary per side. Known translation
//! candidates (identical tokens, cognates) can be given as a prior: they are
//! added as pseudo-counts at every step, so they stay strong where the data
//! is thin.

use rustc_hash::FxHashMap;

/// Translation probabilities `t(target word | source word)`, pruned, and the
/// probability of each target word being produced by no source word.
#[derive(Clone, Debug, Default)]
pub struct TransTable {
    /// For each source word: `(target word, probability)`, sorted by target word.
    pub per_src: Vec<Vec<(u32, f32)>>,
    /// For each target word: its probability given the empty source word.
    pub null: Vec<f32>,
}

impl TransTable {
    /// A table with no entries for `n_src` source and `n_tgt` target words.
    pub fn empty(n_src: usize, n_tgt: usize) -> TransTable {
        TransTable {
            per_src: vec![Vec::new(); n_src],
            null: vec![0.0; n_tgt],
        }
    }

    /// Number of `(source, target)` entries kept.
    pub fn len(&self) -> usize {
        self.per_src.iter().map(Vec::len).sum()
    }

    /// Whether no entry was kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `t(tgt | src)`, 0 when not in the table.
    pub fn prob(&self, src: u32, tgt: u32) -> f32 {
        self.per_src
            .get(src as usize)
            .and_then(|v| v.binary_search_by_key(&tgt, |e| e.0).ok().map(|k| v[k].1))
            .unwrap_or(0.0)
    }
}

/// Settings of [`train`].
#[derive(Clone, Copy, Debug)]
pub struct TrainOptions {
    /// EM iterations.
    pub iterations: usize,
    /// Pseudo-count added for each prior pair at each M-step.
    pub prior_weight: f32,
    /// Entries below this probability are dropped from the result.
    pub min_prob: f32,
    /// At most this many translations are kept per source word.
    pub per_word: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            iterations: 5,
            prior_weight: 1.0,
            min_prob: 0.01,
            per_word: 12,
        }
    }
}

/// Trains `t(target | source)` with IBM Model 1 on `pairs` of word-id lists
/// (source words, target words). `prior[s]` lists `(target, weight)`
/// candidates of source word `s`. Vocabulary sizes bound the ids.
///
/// ```
/// use crossdup_match::model1::{train, TrainOptions};
/// // "la casa" / "the house", "la" / "the", "casa verde" / "green house".
/// let pairs: Vec<(Vec<u32>, Vec<u32>)> = vec![
///     (vec![0, 1], vec![0, 1]),
///     (vec![0], vec![0]),
///     (vec![1, 2], vec![2, 1]),
/// ];
/// let refs: Vec<(&[u32], &[u32])> = pairs.iter().map(|(a, b)| (&a[..], &b[..])).collect();
/// let t = train(&refs, 3, 3, &[], &TrainOptions { iterations: 10, ..TrainOptions::default() });
/// assert!(t.prob(1, 1) > t.prob(1, 0));
/// assert!(t.prob(0, 0) > 0.5);
/// ```
pub fn train(
    pairs: &[(&[u32], &[u32])],
    n_src: usize,
    n_tgt: usize,
    prior: &[Vec<(u32, f32)>],
    opts: &TrainOptions,
) -> TransTable {
    // Index every co-occurring (source, target) pair once.
    let mut index: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    let mut pair_src: Vec<u32> = Vec::new();
    let mut pair_tgt: Vec<u32> = Vec::new();
    let mut cells: Vec<u32> = Vec::new();
    let mut spans: Vec<(usize, usize, usize)> = Vec::with_capacity(pairs.len());
    let mut tgt_seen = vec![0f32; n_tgt];
    for (src, tgt) in pairs {
        let start = cells.len();
        for &s in src.iter() {
            for &t in tgt.iter() {
                let k = *index.entry((s, t)).or_insert_with(|| {
                    pair_src.push(s);
                    pair_tgt.push(t);
                    (pair_src.len() - 1) as u32
                });
                cells.push(k);
            }
        }
        for &t in tgt.iter() {
            if let Some(x) = tgt_seen.get_mut(t as usize) {
                *x += 1.0;
            }
        }
        spans.push((start, src.len(), tgt.len()));
    }
    let np = pair_src.len();
    // Prior pseudo-counts, on the pairs that co-occur.
    let mut prior_count = vec![0f32; np];
    for (s, cands) in prior.iter().enumerate() {
        for &(t, w) in cands {
            if let Some(&k) = index.get(&(s as u32, t)) {
                prior_count[k as usize] = w * opts.prior_weight;
            }
        }
    }
    // Start uniform over co-occurring targets, tilted towards the prior.
    let mut fanout = vec![0f32; n_src];
    for &s in &pair_src {
        fanout[s as usize] += 1.0;
    }
    let mut t: Vec<f32> = (0..np)
        .map(|k| (1.0 + prior_count[k]) / fanout[pair_src[k] as usize].max(1.0))
        .collect();
    let total_seen: f32 = tgt_seen.iter().sum::<f32>().max(1.0);
    let mut null: Vec<f32> = tgt_seen.iter().map(|&c| (c + 0.5) / total_seen).collect();
    let mut count = vec![0f32; np];
    let mut null_count = vec![0f32; n_tgt];
    let mut src_total = vec![0f32; n_src];
    let mut denom: Vec<f32> = Vec::new();
    for _ in 0..opts.iterations {
        count.iter_mut().for_each(|c| *c = 0.0);
        null_count.iter_mut().for_each(|c| *c = 0.0);
        for (p, &(start, ls, lt)) in spans.iter().enumerate() {
            let tgt = pairs[p].1;
            denom.clear();
            denom.extend(tgt.iter().map(|&w| null[w as usize]));
            for i in 0..ls {
                let row = &cells[start + i * lt..start + (i + 1) * lt];
                for (j, &k) in row.iter().enumerate() {
                    denom[j] += t[k as usize];
                }
            }
            for i in 0..ls {
                let row = &cells[start + i * lt..start + (i + 1) * lt];
                for (j, &k) in row.iter().enumerate() {
                    count[k as usize] += t[k as usize] / denom[j];
                }
            }
            for (j, &w) in tgt.iter().enumerate() {
                null_count[w as usize] += null[w as usize] / denom[j];
            }
        }
        src_total.iter_mut().for_each(|c| *c = 0.0);
        for k in 0..np {
            count[k] += prior_count[k];
            src_total[pair_src[k] as usize] += count[k];
        }
        for k in 0..np {
            let tot = src_total[pair_src[k] as usize];
            t[k] = if tot > 0.0 { count[k] / tot } else { 0.0 };
        }
        let nt: f32 = null_count.iter().sum::<f32>();
        if nt > 0.0 {
            for (w, c) in null.iter_mut().zip(&null_count) {
                // Keep a floor: a word never produced by NULL in training may be elsewhere.
                *w = (c / nt).max(0.1 / total_seen);
            }
        }
    }
    let mut per_src: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_src];
    for k in 0..np {
        if t[k] >= opts.min_prob {
            per_src[pair_src[k] as usize].push((pair_tgt[k], t[k]));
        }
    }
    for v in &mut per_src {
        v.sort_by(|x, y| y.1.total_cmp(&x.1));
        v.truncate(opts.per_word);
        v.sort_by_key(|e| e.0);
    }
    TransTable { per_src, null }
}
