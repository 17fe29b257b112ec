//! Sentence alignment by dynamic programming over the two sentence
//! sequences, with 1-1, 1-2, 2-1, 2-2, 1-0 and 0-1 links, scored by token
//! overlap and a Gale-Church length model, banded so long documents stay
//! linear in time and memory.

use serde::Serialize;

use crate::features::{intersection, Profile, Sent};
use crate::similarity::{Overlap, SentenceSimilarity};

/// One alignment link: sentences `a.0..a.1` of the first document with
/// `b.0..b.1` of the second (indices into the profiles' sentences).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Link {
    /// Sentence index range in the first document.
    pub a: (usize, usize),
    /// Sentence index range in the second document.
    pub b: (usize, usize),
    /// Link score in `[0, 1]`.
    pub score: f32,
    /// Share of the matched tokens that matched by identical stem.
    pub exact: f32,
}

/// Parameters of the aligner.
#[derive(Clone, Copy, Debug)]
pub struct AlignParams {
    /// Links must score above this to be worth taking (the DP maximises the
    /// sum of `score - threshold`).
    pub threshold: f32,
    /// Expected ratio of character lengths (second / first).
    pub length_ratio: f32,
    /// Full DP up to this many cells; beyond, a band around the diagonal,
    /// narrowed (from 8,000 cells on) to the sentences near the path their
    /// shared words suggest.
    pub full_cells: usize,
}

impl Default for AlignParams {
    fn default() -> Self {
        AlignParams {
            threshold: 0.2,
            length_ratio: 1.0,
            full_cells: 8_000,
        }
    }
}

/// Probability that two lengths are translations of each other (Gale-Church).
pub fn length_prob(la: f32, lb: f32, ratio: f32) -> f32 {
    let la = la.max(1.0);
    let delta = (lb - la * ratio) / (la * 6.8).sqrt();
    let z = delta.abs();
    // 2 * (1 - Phi(z)), with an erf approximation.
    let t = 1.0 / (1.0 + 0.327_591_1 * z / std::f32::consts::SQRT_2);
    let erf = 1.0
        - (((((1.061_405_4 * t - 1.453_152) * t) + 1.421_413_7) * t - 0.284_496_74) * t
            + 0.254_829_6)
            * t
            * (-(z * z) / 2.0).exp();
    (1.0 - erf).clamp(0.0, 1.0)
}

fn link_score(ov: Overlap, na: usize, nb: usize, ca: u32, cb: u32, ratio: f32) -> (f32, f32) {
    if na + nb == 0 {
        return (0.0, 0.0);
    }
    let fit = 0.75 + 0.25 * length_prob(ca as f32, cb as f32, ratio);
    let exact = if ov.a > 0.0 { ov.a_exact / ov.a } else { 0.0 };
    (link_score_with(ov, na, nb, fit), exact)
}

/// The score of [`link_score`] given its length factor `fit` (at most one:
/// with `fit` one, the same operations give a bound of the score over every
/// length fit, which rounding keeps a bound).
fn link_score_with(ov: Overlap, na: usize, nb: usize, fit: f32) -> f32 {
    let n = (na + nb) as f32;
    if n == 0.0 {
        return 0.0;
    }
    let dice = ((ov.a + ov.b) / n).min(1.0);
    // Very short sentences say little: damp them.
    let conf = (n / 6.0).min(1.0);
    dice * fit * (0.6 + 0.4 * conf)
}

/// The cells of a dynamic-programming lattice that may be visited: for each
/// row `i` in `0..=n` (sentences of the first sequence consumed), the columns
/// `lo[i]..=hi[i]` (sentences of the second consumed). Both bounds never
/// decrease from one row to the next, and the band holds `(0, 0)` and
/// `(n, m)`, so a path from corner to corner exists.
///
/// A band around the diagonal, or around the path of an earlier, coarser
/// alignment, keeps time and memory linear in the length of the inputs.
///
/// ```
/// use crossdup_match::align::Band;
/// let b = Band::around(&[(0, 0), (2, 2), (4, 5), (8, 8)], 8, 8, 1);
/// assert!(b.contains(4, 5) && b.contains(0, 0) && b.contains(8, 8));
/// assert!(!b.contains(0, 6) && !b.contains(8, 2));
/// ```
#[derive(Clone, Debug)]
pub struct Band {
    n: usize,
    m: usize,
    lo: Vec<usize>,
    hi: Vec<usize>,
    /// Offset of each row's first cell in the flat cell arrays.
    off: Vec<usize>,
}

impl Band {
    fn from_bounds(n: usize, m: usize, mut lo: Vec<usize>, mut hi: Vec<usize>) -> Band {
        // Monotone bounds, the corners inside, and rows that overlap or touch
        // (so that every row can be reached from the one before).
        for i in (0..n).rev() {
            lo[i] = lo[i].min(lo[i + 1]);
        }
        for i in 1..=n {
            hi[i] = hi[i].max(hi[i - 1]);
        }
        lo[0] = 0;
        hi[n] = m;
        for i in 0..=n {
            hi[i] = hi[i].min(m);
            lo[i] = lo[i].min(hi[i]);
        }
        for i in 1..=n {
            // A step (1, dj) needs some j in row i - 1 at most lo[i].
            lo[i] = lo[i].max(lo[i - 1]);
            if lo[i] > hi[i - 1] {
                lo[i] = hi[i - 1];
            }
        }
        let mut off = Vec::with_capacity(n + 2);
        let mut acc = 0usize;
        for i in 0..=n {
            off.push(acc);
            acc += hi[i] - lo[i] + 1;
        }
        off.push(acc);
        Band { n, m, lo, hi, off }
    }

    /// Every cell of an `n` x `m` lattice.
    pub fn full(n: usize, m: usize) -> Band {
        Band::from_bounds(n, m, vec![0; n + 1], vec![m; n + 1])
    }

    /// The cells within `w` columns of the straight line from `(0, 0)` to `(n, m)`.
    pub fn diagonal(n: usize, m: usize, w: usize) -> Band {
        let (mut lo, mut hi) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
        for i in 0..=n {
            let c = (i * m) / n.max(1);
            lo.push(c.saturating_sub(w));
            hi.push((c + w).min(m));
        }
        Band::from_bounds(n, m, lo, hi)
    }

    /// The cells within `w` rows and columns of a monotone path through the
    /// lattice points `path` (from `(0, 0)` to `(n, m)`; points outside the
    /// lattice are clamped).
    pub fn around(path: &[(usize, usize)], n: usize, m: usize, w: usize) -> Band {
        Band::around_by(path, n, m, |_| w)
    }

    /// [`Band::around`] with a half-width for each segment of the path:
    /// `width(d)` for the segment between two consecutive points `d` rows or
    /// columns apart (whichever is more). Points close together pin the path
    /// down, and a narrow band around them is enough; far apart, the path
    /// between them is a guess and wants room.
    ///
    /// ```
    /// use crossdup_match::align::Band;
    /// let width = |d: usize| if d == 1 { 1 } else { 5 };
    /// let steps: Vec<(usize, usize)> = (0..=10).map(|k| (k, k)).collect();
    /// let b = Band::around_by(&steps, 10, 10, width);
    /// let narrow: Vec<usize> = (0..=10).filter(|&j| b.contains(5, j)).collect();
    /// let b = Band::around_by(&[(0, 0), (10, 10)], 10, 10, width);
    /// let wide: Vec<usize> = (0..=10).filter(|&j| b.contains(5, j)).collect();
    /// assert_eq!((narrow.len(), wide.len()), (8, 11));
    /// ```
    pub fn around_by(
        path: &[(usize, usize)],
        n: usize,
        m: usize,
        width: impl Fn(usize) -> usize,
    ) -> Band {
        let pts: Vec<(usize, usize)> = path.iter().map(|&(i, j)| (i.min(n), j.min(m))).collect();
        let (mut lo, mut hi) = (vec![m; n + 1], vec![0; n + 1]);
        let mut cover = |w: usize, r: usize, c0: usize, c1: usize| {
            for i in r.saturating_sub(w)..=(r + w).min(n) {
                lo[i] = lo[i].min(c0.saturating_sub(w));
                hi[i] = hi[i].max((c1 + w).min(m));
            }
        };
        // Each segment between consecutive points, row by row along the
        // straight line joining them.
        for (k, &(pi, pj)) in pts.iter().enumerate() {
            let (qi, qj) = pts.get(k + 1).copied().unwrap_or((pi, pj));
            let (qi, qj) = (qi.max(pi), qj.max(pj));
            let (di, dj) = (qi - pi, qj - pj);
            let w = width(di.max(dj));
            if di == 0 {
                cover(w, pi, pj, qj);
                continue;
            }
            for r in pi..=qi {
                let c0 = pj + dj * (r - pi) / di;
                let c1 = (pj + (dj * (r + 1 - pi)).div_ceil(di)).min(qj);
                cover(w, r, c0, c1.max(c0));
            }
        }
        // Rows no point reached (a path with long jumps): borrow the neighbours'.
        for i in 1..=n {
            if lo[i] > hi[i] {
                lo[i] = lo[i - 1];
                hi[i] = hi[i - 1];
            }
        }
        for i in (0..n).rev() {
            if lo[i] > hi[i] {
                lo[i] = lo[i + 1];
                hi[i] = hi[i + 1];
            }
        }
        Band::from_bounds(n, m, lo, hi)
    }

    /// Rows of the lattice minus one: the length of the first sequence.
    pub fn rows(&self) -> usize {
        self.n
    }

    /// The length of the second sequence.
    pub fn cols(&self) -> usize {
        self.m
    }

    /// Number of cells in the band.
    pub fn cells(&self) -> usize {
        self.off[self.n + 1]
    }

    /// Whether the lattice point `(i, j)` is in the band.
    pub fn contains(&self, i: usize, j: usize) -> bool {
        self.index(i, j).is_some()
    }

    /// The columns of row `i`.
    pub fn row(&self, i: usize) -> std::ops::RangeInclusive<usize> {
        self.lo[i]..=self.hi[i]
    }

    /// The rows whose columns include `j`.
    pub fn rows_of(&self, j: usize) -> std::ops::Range<usize> {
        let first = self.hi.partition_point(|&h| h < j);
        let end = self.lo.partition_point(|&l| l <= j);
        first..end.max(first)
    }

    /// The position of cell `(i, j)` in arrays of [`Band::cells`] values, if
    /// it is in the band.
    pub fn cell(&self, i: usize, j: usize) -> Option<usize> {
        self.index(i, j)
    }

    fn index(&self, i: usize, j: usize) -> Option<usize> {
        if i > self.n || j < self.lo[i] || j > self.hi[i] {
            None
        } else {
            Some(self.off[i] + j - self.lo[i])
        }
    }
}

/// One step of a best path: `di` items of the first sequence from `i` with
/// `dj` items of the second from `j`, and the gain the step earned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// First item of the first sequence.
    pub i: usize,
    /// Items taken from the first sequence.
    pub di: usize,
    /// First item of the second sequence.
    pub j: usize,
    /// Items taken from the second sequence.
    pub dj: usize,
    /// The step's gain.
    pub gain: f32,
}

/// The path from `(0, 0)` to `(n, m)` inside `band` whose steps, each one of
/// `moves` (`(di, dj)`, tried in order, ties going to the earlier), have the
/// largest total gain. `gain(i, di, j, dj)` scores a step starting at
/// `(i, j)`, or returns `None` when it is not allowed. Memory is one `f32`
/// and one byte per band cell; `None` when no path exists.
///
/// ```
/// use crossdup_match::align::{best_path, Band};
/// // Match equal numbers; skipping costs 1.
/// let (x, y) = ([1, 2, 3], [1, 3]);
/// let path = best_path(&Band::full(3, 2), &[(1, 1), (1, 0), (0, 1)], |i, di, j, dj| {
///     Some(if di == 1 && dj == 1 { if x[i] == y[j] { 1.0 } else { -5.0 } } else { -1.0 })
/// })
/// .unwrap();
/// let pairs: Vec<(usize, usize, usize, usize)> = path.iter().map(|s| (s.i, s.di, s.j, s.dj)).collect();
/// assert_eq!(pairs, [(0, 1, 0, 1), (1, 1, 1, 0), (2, 1, 1, 1)]);
/// ```
pub fn best_path(
    band: &Band,
    moves: &[(usize, usize)],
    mut gain: impl FnMut(usize, usize, usize, usize) -> Option<f32>,
) -> Option<Vec<Step>> {
    let n = band.n;
    let cells = band.cells();
    let mut dp = vec![NEG; cells];
    let mut back = vec![NONE; cells];
    dp[band.index(0, 0)?] = 0.0;
    for i in 0..=n {
        for j in band.row(i) {
            if i == 0 && j == 0 {
                continue;
            }
            let k = band.off[i] + j - band.lo[i];
            let mut best = NEG;
            let mut arg = NONE;
            for (mi, &(di, dj)) in moves.iter().enumerate() {
                if di > i || dj > j {
                    continue;
                }
                let (pi, pj) = (i - di, j - dj);
                let Some(pk) = band.index(pi, pj) else {
                    continue;
                };
                let prev = dp[pk];
                if prev == NEG {
                    continue;
                }
                let Some(g) = gain(pi, di, pj, dj) else {
                    continue;
                };
                if prev + g > best {
                    best = prev + g;
                    arg = mi as u8;
                }
            }
            dp[k] = best;
            back[k] = arg;
        }
    }
    trace_back(band, moves, &dp, &back)
}

/// Value of unreachable cells in [`best_path`]'s table.
const NEG: f32 = f32::NEG_INFINITY;
/// No move (the start, or an unreachable cell) in [`best_path`]'s table.
const NONE: u8 = u8::MAX;

/// The steps of the best path, from the filled tables of [`best_path`].
fn trace_back(band: &Band, moves: &[(usize, usize)], dp: &[f32], back: &[u8]) -> Option<Vec<Step>> {
    let (n, m) = (band.n, band.m);
    let end = band.index(n, m)?;
    if dp[end] == NEG {
        return None;
    }
    let mut steps = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let k = band.index(i, j)?;
        let mv = back[k];
        if mv == NONE {
            return None;
        }
        let (di, dj) = moves[mv as usize];
        let (pi, pj) = (i - di, j - dj);
        let g = dp[k] - dp[band.index(pi, pj)?];
        steps.push(Step {
            i: pi,
            di,
            j: pj,
            dj,
            gain: g,
        });
        i = pi;
        j = pj;
    }
    steps.reverse();
    Some(steps)
}

fn band(n: usize, m: usize, full_cells: usize) -> Band {
    if n * m <= full_cells {
        return Band::full(n, m);
    }
    // Wide enough for shifts between the documents, but never more than about
    // 400,000 cells in all, so that one pair of long documents stays cheap.
    let w = (40 + n.abs_diff(m) / 2 + n.max(m) / 20).min((200_000 / (n + 1)).max(40));
    Band::diagonal(n, m, w)
}

/// Band size from which the overlaps of a pair are computed in parallel.
const PARALLEL_CELLS: usize = 20_000;

/// Band size from which shared keys are counted through a [`KeyIndex`]
/// (the same counts as intersecting the key sets of each pair, sooner).
const INDEXED_CELLS: usize = 2_000;

/// Band size from which a pair larger than the full lattice is compared only
/// near its guide path (a smaller band is compared whole).
const GUIDED_CELLS: usize = 8_000;

/// The [`SentenceSimilarity::zero_keys`] of a sentence sequence, inverted:
/// for each of the two key sets, the positions of the sentences holding
/// each key, in increasing order.
struct KeyIndex {
    sets: [rustc_hash::FxHashMap<u64, Vec<u32>>; 2],
}

impl KeyIndex {
    fn new(seq: &[&Sent], sim: &dyn SentenceSimilarity) -> KeyIndex {
        let mut sets: [rustc_hash::FxHashMap<u64, Vec<u32>>; 2] = Default::default();
        for (j, s) in seq.iter().enumerate() {
            for (set, keys) in sets.iter_mut().zip(sim.zero_keys(s)) {
                for &k in keys {
                    set.entry(k).or_default().push(j as u32);
                }
            }
        }
        KeyIndex { sets }
    }

    /// Adds to `shared[j - lo][k]` the members of `keys[k]` (a set) that
    /// sentence `j` holds in set `k`, for `j` in `lo..lo + shared.len()`.
    fn count(&self, keys: [&[u64]; 2], lo: usize, shared: &mut [[u32; 2]]) {
        let end = lo + shared.len();
        for (k, (set, keys)) in self.sets.iter().zip(keys).enumerate() {
            for key in keys {
                let Some(at) = set.get(key) else {
                    continue;
                };
                let first = at.partition_point(|&j| (j as usize) < lo);
                for &j in at[first..].iter().take_while(|&&j| (j as usize) < end) {
                    shared[j as usize - lo][k] += 1;
                }
            }
        }
    }
}

/// Aligns the sentences of `a` and `b`.
pub fn align(a: &Profile, b: &Profile, sim: &dyn SentenceSimilarity, p: &AlignParams) -> Vec<Link> {
    align_sents(&a.sents, &b.sents, sim, p)
}

/// Aligns two sentence sequences.
pub fn align_sents(
    a: &[Sent],
    b: &[Sent],
    sim: &dyn SentenceSimilarity,
    p: &AlignParams,
) -> Vec<Link> {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    // A short document against a much longer one: only the long one's
    // sentences that share words with the short one can take part in a link,
    // so the others are left out of the DP (merges stay between neighbours).
    let all_a: Vec<usize> = (0..n).collect();
    let all_b: Vec<usize> = (0..m).collect();
    let unequal = n * m > p.full_cells && n.min(m) * 4 < n.max(m);
    let (ia, ib) = match (unequal, n < m) {
        (true, true) => (all_a, relevant(b, a)),
        (true, false) => (relevant(a, b), all_b),
        _ => (all_a, all_b),
    };
    let ra: Vec<&Sent> = ia.iter().map(|&k| &a[k]).collect();
    let rb: Vec<&Sent> = ib.iter().map(|&k| &b[k]).collect();
    align_refs(&ra, &rb, &ia, &ib, sim, p)
        .into_iter()
        .map(|l| Link {
            a: (ia[l.a.0], ia[l.a.1 - 1] + 1),
            b: (ib[l.b.0], ib[l.b.1 - 1] + 1),
            ..l
        })
        .collect()
}

/// Indices of the sentences of `long` that share at least two content words
/// (stems, pivots or surface forms) with `short` as a whole; of those, at
/// most [`RELEVANT_PER_SENTENCE`] per sentence of `short`, the ones sharing
/// the most (a few sentences' worth of common words can be found all over
/// a long document).
fn relevant(long: &[Sent], short: &[Sent]) -> Vec<usize> {
    let mut keys: rustc_hash::FxHashSet<u64> = rustc_hash::FxHashSet::default();
    for s in short {
        keys.extend(s.stems.iter().copied());
        keys.extend(s.pivots.iter().copied());
        keys.extend(s.folds.iter().copied());
    }
    let mut found: Vec<(usize, usize)> = long
        .iter()
        .enumerate()
        .filter_map(|(k, s)| {
            let hits = s
                .toks
                .iter()
                .filter(|t| {
                    keys.contains(&t.stem)
                        || keys.contains(&t.fold)
                        || t.pivot.iter().any(|p| keys.contains(p))
                })
                .count();
            (hits >= 2 || (hits == 1 && s.toks.len() <= 3)).then_some((k, hits))
        })
        .collect();
    let cap = short.len().saturating_mul(RELEVANT_PER_SENTENCE);
    if found.len() > cap {
        found.sort_by_key(|&(k, hits)| (std::cmp::Reverse(hits), k));
        found.truncate(cap);
        found.sort_unstable();
    }
    found.into_iter().map(|(k, _)| k).collect()
}

/// Most sentences of a long document kept per sentence of a much shorter one
/// by [`relevant`].
const RELEVANT_PER_SENTENCE: usize = 8;

/// Half-width, in sentences, of the band around a guide path between
/// anchors far apart.
const GUIDED_BAND: usize = 12;

/// Half-width of the band around a guide path between consecutive anchors
/// (it grows by one for each sentence between them, up to [`GUIDED_BAND`]).
const GUIDED_BAND_MIN: usize = 3;

/// Key share from which a sentence pair counts as an anchor of the guide path.
const GUIDE_MIN: f32 = 0.25;

/// A band of half-width [`GUIDED_BAND_MIN`] to [`GUIDED_BAND`] (wider where
/// the anchors are further apart) around the best path through `bd`
/// when each sentence pair scores only by the share of keys it has in
/// common (counted through `index`, the second sequence's): one cheap pass
/// that tells where the sentences worth comparing are.
fn guided_band(
    a: &[&Sent],
    b: &[&Sent],
    bd: &Band,
    index: &KeyIndex,
    sim: &dyn SentenceSimilarity,
) -> Band {
    let (n, m) = (a.len(), b.len());
    let row = |i: usize| -> Vec<f32> {
        let sa = a[i];
        let (lo, hi) = (bd.lo[i], bd.hi[i].min(m - 1));
        if lo >= m {
            return Vec::new();
        }
        let hi = hi.max(lo);
        let mut shared = vec![[0u32; 2]; hi - lo + 1];
        index.count(sim.zero_keys(sa), lo, &mut shared);
        let ka = sim.zero_keys(sa);
        b[lo..=hi]
            .iter()
            .zip(&shared)
            .map(|(sb, c)| {
                // Most pairs share nothing (a share of zero either way).
                if *c == [0, 0] {
                    return 0.0;
                }
                let kb = sim.zero_keys(sb);
                crate::features::share(c[0] as usize, ka[0].len(), kb[0].len())
                    + crate::features::share(c[1] as usize, ka[1].len(), kb[1].len())
            })
            .collect()
    };
    let keyshare: Vec<Vec<f32>> = if bd.cells() >= PARALLEL_CELLS {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(row).collect()
    } else {
        (0..n).map(row).collect()
    };
    let Some(path) = guide_path(bd, &keyshare) else {
        return bd.clone();
    };
    let mut anchors = vec![(0, 0)];
    anchors.extend(
        path.iter()
            .filter(|st| st.di == 1 && st.dj == 1 && st.gain > 0.0)
            .map(|st| (st.i, st.j)),
    );
    anchors.push((n, m));
    Band::around_by(&anchors, n, m, |d| {
        (GUIDED_BAND_MIN + d.saturating_sub(1)).min(GUIDED_BAND)
    })
}

/// The moves of [`link_path`]: single links, skips, then merges.
const LINK_MOVES: [(usize, usize); 6] = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2)];

/// [`best_path`] with [`LINK_MOVES`], where skips gain zero and a link
/// (any move of both sequences) is tried only when `joins_a[x]` (sentences
/// `x` and `x + 1` of the first sequence were neighbours) allows its merges
/// and some sentence pair it covers overlaps: `overlap[k]` for the pair
/// `(x, y)` at `k = bd.cell(x, y)`, false outside the band. Links that fail
/// score zero, below any threshold, and skips reach the same cell from the
/// same start at no cost (rows of a band overlap, so a path of skips joins
/// any two of its cells): leaving them out changes neither the best path
/// nor its ties. The same path as [`best_path`] with a gain returning `None`
/// for them, from a loop that looks the pairs up by row.
///
/// `gain(pi, di, pj, dj, prev, best)` is also told the score `prev` of the
/// cell the move starts from and the `best` the cell has so far: it may
/// answer `None` for a link that cannot make `prev + gain` exceed `best`,
/// which would not be taken anyway.
fn link_path(
    bd: &Band,
    joins_a: &[bool],
    joins_b: &[bool],
    overlap: &[bool],
    mut gain: impl FnMut(usize, usize, usize, usize, f32, f32) -> Option<f32>,
) -> Option<Vec<Step>> {
    let n = bd.n;
    let mut dp = vec![NEG; bd.cells()];
    let mut back = vec![NONE; bd.cells()];
    dp[bd.index(0, 0)?] = 0.0;
    // A row of the band: first and last column, offset of its cells.
    let row = |r: usize| (bd.lo[r], bd.hi[r], bd.off[r]);
    // Whether the pair (row r, column y) overlaps.
    let ov = |(lo, hi, off): (usize, usize, usize), y: usize| {
        y >= lo && y <= hi && overlap[off + y - lo]
    };
    for i in 0..=n {
        let here = row(i);
        let up1 = (i >= 1).then(|| row(i - 1));
        let up2 = (i >= 2).then(|| row(i - 2));
        let (lo, _, off) = here;
        for j in bd.row(i) {
            if i == 0 && j == 0 {
                continue;
            }
            // One move, tried in the order of LINK_MOVES.
            #[inline(always)]
            fn try_move(
                mi: usize,
                (di, dj): (usize, usize),
                cell: &Cell<'_>,
                ov: &impl Fn((usize, usize, usize), usize) -> bool,
                gain: &mut impl FnMut(usize, usize, usize, usize, f32, f32) -> Option<f32>,
                best: &mut (f32, u8),
            ) {
                let Cell {
                    at: (i, j),
                    rows,
                    joins,
                    dp,
                } = *cell;
                let Some(from) = rows[di] else {
                    return;
                };
                if dj > j {
                    return;
                }
                let (pi, pj) = (i - di, j - dj);
                let (plo, phi, poff) = from;
                if pj < plo || pj > phi {
                    return;
                }
                if di > 0 && dj > 0 {
                    if (di == 2 && !joins.0[pi]) || (dj == 2 && !joins.1[pj]) {
                        return;
                    }
                    // The pairs covered: rows pi..i, columns pj..j.
                    let hit = |r| ov(r, pj) || (dj == 2 && ov(r, pj + 1));
                    let any = hit(from) || (di == 2 && rows[1].is_some_and(hit));
                    if !any {
                        return;
                    }
                }
                let prev = dp[poff + pj - plo];
                if prev == NEG {
                    return;
                }
                let Some(g) = gain(pi, di, pj, dj, prev, best.0) else {
                    return;
                };
                if prev + g > best.0 {
                    *best = (prev + g, mi as u8);
                }
            }
            let rows = [Some(here), up1, up2];
            let mut b = (NEG, NONE);
            let cell = Cell {
                at: (i, j),
                rows,
                joins: (joins_a, joins_b),
                dp: &dp,
            };
            // Written out, not looped: each copy then knows its step.
            try_move(0, LINK_MOVES[0], &cell, &ov, &mut gain, &mut b);
            try_move(1, LINK_MOVES[1], &cell, &ov, &mut gain, &mut b);
            try_move(2, LINK_MOVES[2], &cell, &ov, &mut gain, &mut b);
            try_move(3, LINK_MOVES[3], &cell, &ov, &mut gain, &mut b);
            try_move(4, LINK_MOVES[4], &cell, &ov, &mut gain, &mut b);
            try_move(5, LINK_MOVES[5], &cell, &ov, &mut gain, &mut b);
            let (best, arg) = b;
            dp[off + j - lo] = best;
            back[off + j - lo] = arg;
        }
    }
    trace_back(bd, &LINK_MOVES, &dp, &back)
}

/// What [`link_path`] knows at a cell: its place, the rows a step may come
/// from (this one, one above, two above: first and last column and the
/// offset of their cells), the neighbour joins of both sequences, and the
/// table so far.
#[derive(Clone, Copy)]
struct Cell<'a> {
    at: (usize, usize),
    rows: [Option<(usize, usize, usize)>; 3],
    joins: (&'a [bool], &'a [bool]),
    dp: &'a [f32],
}

/// The moves of [`guide_path`], in its order of preference.
const GUIDE_MOVES: [(usize, usize); 3] = [(1, 1), (1, 0), (0, 1)];

/// [`best_path`] with [`GUIDE_MOVES`], a pair scoring its key share less
/// [`GUIDE_MIN`] (`keyshare[i][j - band.lo[i]]`, none where missing) and
/// skips nothing: the same path, ties included, from a loop that knows its
/// three moves (the guide's band is wide, and its cells many).
///
/// A cell's score is the largest of its three moves' (skips gain nothing),
/// so each row is filled in two passes the compiler can keep tight: the
/// moves from the row above, then a running maximum along the row for the
/// moves from the left. Which move won is not stored: [`guide_back`] tells
/// it again from the scores, with the same preferences.
fn guide_path(bd: &Band, keyshare: &[Vec<f32>]) -> Option<Vec<Step>> {
    let n = bd.n;
    let mut dp = vec![NEG; bd.cells()];
    // Row 0: (0, 0), then skips along it.
    bd.index(0, 0)?;
    dp[..=bd.hi[0] - bd.lo[0]].fill(0.0);
    for i in 1..=n {
        let (plo, phi, poff) = (bd.lo[i - 1], bd.hi[i - 1], bd.off[i - 1]);
        let (lo, hi, off) = (bd.lo[i], bd.hi[i], bd.off[i]);
        let (done, rest) = dp.split_at_mut(off);
        let above = &done[poff..=poff + phi - plo];
        let row = &mut rest[..=hi - lo];
        let shares = &keyshare[i - 1];
        // Columns lo..=up_end have the cell above (rows overlap: lo <= phi).
        let up_end = phi.min(hi);
        for (j, cell) in (lo..=up_end).zip(row.iter_mut()) {
            *cell = above[j - plo];
        }
        // Diagonal moves into columns j from (i - 1, j - 1), j - 1 in the row
        // above and with a key share.
        let d_first = lo.max(plo + 1);
        let d_last = hi.min(phi + 1).min(plo + shares.len());
        for j in d_first..=d_last {
            let d = above[j - 1 - plo] + (shares[j - 1 - plo] - GUIDE_MIN);
            // The larger of the two (NEG where there is no cell above).
            row[j - lo] = row[j - lo].max(d);
        }
        // Moves from the left: a running maximum.
        let mut left = NEG;
        for cell in row.iter_mut() {
            if left > *cell {
                *cell = left;
            }
            left = *cell;
        }
    }
    guide_back(bd, keyshare, &dp)
}

/// The path back from `(n, m)` through the scores of [`guide_path`]: at each
/// cell the move it took, found as the DP chose it (the diagonal, then the
/// cell above if strictly better, then the one to the left if strictly
/// better still), and the gains as [`trace_back`] gives them.
fn guide_back(bd: &Band, keyshare: &[Vec<f32>], dp: &[f32]) -> Option<Vec<Step>> {
    let (n, m) = (bd.n, bd.m);
    if dp[bd.index(n, m)?] == NEG {
        return None;
    }
    let mut steps = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let (mut best, mut mv) = (NEG, NONE);
        if i > 0 {
            let plo = bd.lo[i - 1];
            if j > 0 {
                if let (Some(k), Some(&v)) = (
                    bd.index(i - 1, j - 1),
                    keyshare[i - 1].get((j - 1).wrapping_sub(plo)),
                ) {
                    let d = dp[k] + (v - GUIDE_MIN);
                    if d > best {
                        (best, mv) = (d, 0);
                    }
                }
            }
            if let Some(k) = bd.index(i - 1, j) {
                if dp[k] > best {
                    (best, mv) = (dp[k], 1);
                }
            }
        }
        if j > bd.lo[i] {
            if let Some(k) = bd.index(i, j - 1) {
                if dp[k] > best {
                    mv = 2;
                }
            }
        }
        if mv == NONE {
            return None;
        }
        let (di, dj) = GUIDE_MOVES[mv as usize];
        let (pi, pj) = (i - di, j - dj);
        let gain = dp[bd.index(i, j)?] - dp[bd.index(pi, pj)?];
        steps.push(Step {
            i: pi,
            di,
            j: pj,
            dj,
            gain,
        });
        (i, j) = (pi, pj);
    }
    steps.reverse();
    Some(steps)
}

/// The DP over two sequences of sentences; `ia`/`ib` are their original
/// positions, so that merges only join sentences that were neighbours.
fn align_refs(
    a: &[&Sent],
    b: &[&Sent],
    ia: &[usize],
    ib: &[usize],
    sim: &dyn SentenceSimilarity,
    p: &AlignParams,
) -> Vec<Link> {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let bd = band(n, m, p.full_cells);
    let index = (bd.cells() >= INDEXED_CELLS).then(|| KeyIndex::new(b, sim));
    // Too large for the full lattice: rather than comparing every sentence
    // pair of a wide band around the diagonal, follow the path the shared
    // keys alone suggest, and compare the sentences only near it.
    let bd = match &index {
        Some(index) if n * m > p.full_cells && bd.cells() >= GUIDED_CELLS => {
            guided_band(a, b, &bd, index, sim)
        }
        _ => bd,
    };
    // Overlaps of single sentence pairs inside the band.
    let width = |i: usize| bd.hi[i.min(n)] - bd.lo[i.min(n)] + 1;
    // Sentence pairs whose key screens share nothing are skipped (the
    // similarity promises a zero overlap for them). In a large band, the
    // keys each pair shares are counted through an inverted index instead,
    // which proves most of its cells zero without comparing the sentences.
    let screen_b: Vec<(u64, bool)> = b
        .iter()
        .map(|s| (sim.screen(s), s.toks.len() > 3))
        .collect();
    // The key screens of the second sequence's sentences, each met in many
    // pairs (in a large band).
    let keys_b: Vec<[crate::similarity::WideScreen; 2]> =
        b.iter().map(|s| sim.key_screens(s)).collect();
    // `overlap` of a pair sharing `shared` zero keys, in two steps: its zero
    // test on the shared keys, then the rest with the screens computed once.
    let pair = |sa: &Sent, ka: &_, sb: &Sent, kb: &_, shared: [usize; 2]| {
        if sim.zero_given(sa, sb, shared) {
            Overlap::default()
        } else {
            sim.overlap_screened(sa, ka, sb, kb)
        }
    };
    let row = |i: usize| -> Vec<Overlap> {
        let sa = a[i];
        let (lo, hi) = (bd.lo[i], bd.hi[i].min(m - 1));
        let mut row = Vec::with_capacity(width(i));
        if lo >= m {
            return row;
        }
        let hi = hi.max(lo);
        if let Some(index) = &index {
            let mut shared = vec![[0u32; 2]; hi - lo + 1];
            index.count(sim.zero_keys(sa), lo, &mut shared);
            let ka = sim.key_screens(sa);
            for ((sb, c), kb) in b[lo..=hi].iter().zip(&shared).zip(&keys_b[lo..=hi]) {
                row.push(pair(sa, &ka, sb, kb, [c[0] as usize, c[1] as usize]));
            }
            return row;
        }
        let (sig, long) = (sim.screen(sa), sa.toks.len() > 3);
        let (za, ka) = (sim.zero_keys(sa), sim.key_screens(sa));
        let cols = b[lo..=hi]
            .iter()
            .zip(&screen_b[lo..=hi])
            .zip(&keys_b[lo..=hi]);
        for ((sb, &(sig_b, long_b)), kb) in cols {
            if long && long_b && sig & sig_b == 0 {
                row.push(Overlap::default());
                continue;
            }
            let zb = sim.zero_keys(sb);
            let shared = [intersection(za[0], zb[0]), intersection(za[1], zb[1])];
            row.push(pair(sa, &ka, sb, kb, shared));
        }
        row
    };
    // A long pair's rows are computed in parallel: one pair of long
    // documents should not hold a check up on one core.
    let ov: Vec<Vec<Overlap>> = if bd.cells() >= PARALLEL_CELLS {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(row).collect()
    } else {
        (0..n).map(row).collect()
    };
    // Which sentence pairs of the band overlap at all, by band cell.
    let mut overlap = vec![false; bd.cells()];
    for (i, r) in ov.iter().enumerate() {
        let at = bd.off[i];
        for (cell, o) in overlap[at..].iter_mut().zip(r) {
            *cell = o.a != 0.0 || o.b != 0.0;
        }
    }
    let get = |i: usize, j: usize| -> Option<Overlap> {
        if i >= n || j >= m || j < bd.lo[i] || j > bd.hi[i] {
            return None;
        }
        ov[i].get(j - bd.lo[i]).copied()
    };
    // Running totals of tokens and characters, for the lengths of merges.
    let totals = |seq: &[&Sent]| -> Vec<(usize, u32)> {
        let mut acc = vec![(0usize, 0u32)];
        for s in seq {
            let &(t, c) = acc.last().expect("starts with zero");
            acc.push((t + s.toks.len(), c + s.chars));
        }
        acc
    };
    let (tot_a, tot_b) = (totals(a), totals(b));
    // Overlap and token counts of a link covering a[i..i+di] x b[j..j+dj]
    // (`None` outside the band).
    let sums = |i: usize, di: usize, j: usize, dj: usize| -> Option<(Overlap, usize, usize)> {
        let mut o = Overlap::default();
        for x in i..i + di {
            for y in j..j + dj {
                let c = get(x, y)?;
                o.a += c.a;
                o.b += c.b;
                o.a_exact += c.a_exact;
            }
        }
        let na = tot_a[i + di].0 - tot_a[i].0;
        let nb = tot_b[j + dj].0 - tot_b[j].0;
        o.a = o.a.min(na as f32);
        o.b = o.b.min(nb as f32);
        o.a_exact = o.a_exact.min(o.a);
        Some((o, na, nb))
    };
    // Score of a link from its sums.
    let scored = |i: usize,
                  di: usize,
                  j: usize,
                  dj: usize,
                  (o, na, nb): (Overlap, usize, usize)|
     -> (f32, f32) {
        if o.a == 0.0 && o.b == 0.0 {
            // Nothing matched: the link scores zero, whatever the lengths.
            return (0.0, 0.0);
        }
        let ca = tot_a[i + di].1 - tot_a[i].1;
        let cb = tot_b[j + dj].1 - tot_b[j].1;
        link_score(o, na, nb, ca, cb, p.length_ratio)
    };
    let score = |i: usize, di: usize, j: usize, dj: usize| -> Option<(f32, f32)> {
        Some(scored(i, di, j, dj, sums(i, di, j, dj)?))
    };
    // Merges only join sentences that were neighbours.
    let joins = |idx: &[usize]| -> Vec<bool> { idx.windows(2).map(|w| w[0] + 1 == w[1]).collect() };
    let (joins_a, joins_b) = (joins(ia), joins(ib));
    let gain = |pi: usize, di: usize, pj: usize, dj: usize, prev: f32, best: f32| -> Option<f32> {
        if di == 0 || dj == 0 {
            return Some(0.0);
        }
        // Merges must earn their place over single links.
        let pen = if di + dj > 2 {
            0.05 * (di + dj - 2) as f32
        } else {
            0.0
        };
        let sum = sums(pi, di, pj, dj)?;
        // A link whose score, even with the best length fit, leaves the
        // cell's best standing is not scored in full.
        if prev + (link_score_with(sum.0, sum.1, sum.2, 1.0) - p.threshold - pen) <= best {
            return None;
        }
        let (s, _) = scored(pi, di, pj, dj, sum);
        Some(s - p.threshold - pen)
    };
    let Some(path) = link_path(&bd, &joins_a, &joins_b, &overlap, gain) else {
        return Vec::new();
    };
    path.into_iter()
        .filter(|st| st.di > 0 && st.dj > 0)
        .filter_map(|st| {
            let (s, e) = score(st.i, st.di, st.j, st.dj)?;
            (s > p.threshold).then_some(Link {
                a: (st.i, st.i + st.di),
                b: (st.j, st.j + st.dj),
                score: s,
                exact: e,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_monotone_and_hold_both_corners() {
        for band in [
            Band::full(5, 3),
            Band::diagonal(100, 40, 3),
            Band::around(&[(0, 0), (10, 2), (11, 30), (50, 31)], 50, 31, 2),
        ] {
            let (n, m) = (band.rows(), band.cols());
            assert!(band.contains(0, 0) && band.contains(n, m));
            for i in 1..=n {
                let (p, r) = (band.row(i - 1), band.row(i));
                assert!(r.start() >= p.start() && r.end() >= p.end());
                assert!(r.start() <= p.end(), "row {i} is reachable");
            }
            for j in 0..=m {
                for i in band.rows_of(j) {
                    assert!(band.contains(i, j));
                }
            }
        }
    }

    #[test]
    fn link_path_is_best_path_without_the_links_it_leaves_out() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..60 {
            let (n, m) = (2 + round % 13, 2 + (round * 5) % 19);
            let bd = Band::around(&[(0, 0), (n / 2, m / 3), (n, m)], n, m, 1 + round % 3);
            let overlap: Vec<bool> = (0..bd.cells()).map(|_| next() % 3 == 0).collect();
            let joins_a: Vec<bool> = (0..n).map(|_| next() % 5 != 0).collect();
            let joins_b: Vec<bool> = (0..m).map(|_| next() % 5 != 0).collect();
            // Gains with ties: a few values, per link.
            let gains: Vec<f32> = (0..bd.cells() * 6)
                .map(|_| [-0.3, 0.0, 0.2, 0.5][(next() % 4) as usize])
                .collect();
            let gain = |pi: usize, di: usize, pj: usize, dj: usize| -> Option<f32> {
                if di == 0 || dj == 0 {
                    return Some(0.0);
                }
                let mv = LINK_MOVES.iter().position(|&mv| mv == (di, dj))?;
                Some(gains[bd.cell(pi, pj)? * 6 + mv])
            };
            let covered = |pi: usize, di: usize, pj: usize, dj: usize| {
                (pi..pi + di)
                    .any(|a| (pj..pj + dj).any(|b| bd.cell(a, b).is_some_and(|k| overlap[k])))
            };
            let generic = best_path(&bd, &LINK_MOVES, |pi, di, pj, dj| {
                let links = di > 0 && dj > 0;
                if links
                    && ((di == 2 && !joins_a[pi])
                        || (dj == 2 && !joins_b[pj])
                        || !covered(pi, di, pj, dj))
                {
                    return None;
                }
                gain(pi, di, pj, dj)
            });
            let told = |pi, di, pj, dj, _: f32, _: f32| gain(pi, di, pj, dj);
            assert_eq!(
                link_path(&bd, &joins_a, &joins_b, &overlap, told),
                generic,
                "round {round}"
            );
            // A gain that leaves out the links that cannot win: same path.
            let pruned = |pi, di, pj, dj, prev: f32, best: f32| {
                gain(pi, di, pj, dj).filter(|g| prev + g > best)
            };
            assert_eq!(
                link_path(&bd, &joins_a, &joins_b, &overlap, pruned),
                generic,
                "round {round}"
            );
        }
    }

    #[test]
    fn guide_path_is_best_path_with_its_gains() {
        // Key shares on a band around a wandering path, with many zeros and
        // ties (values on the threshold, equal sums).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..400 {
            let (n, m) = (1 + round % 37, 1 + (round * 7) % 41);
            let pts = [(0, 0), (n / 3, m / 2), (n - n / 4, m - m / 4), (n, m)];
            let bd = Band::around(&pts, n, m, 1 + round % 4);
            let shares: Vec<Vec<f32>> = (0..n)
                .map(|i| {
                    let (lo, hi) = (bd.lo[i], bd.hi[i].min(m - 1));
                    (lo..=hi.max(lo))
                        .filter(|_| lo < m)
                        .map(|_| {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            [0.0, 0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 0.1][(x % 8) as usize]
                        })
                        .collect()
                })
                .collect();
            let generic = best_path(&bd, &GUIDE_MOVES, |i, di, j, dj| {
                if di == 0 || dj == 0 {
                    return Some(0.0);
                }
                let v = shares[i].get(j.checked_sub(bd.lo[i])?)?;
                Some(v - GUIDE_MIN)
            });
            assert_eq!(guide_path(&bd, &shares), generic, "round {round}");
        }
    }

    #[test]
    fn best_path_follows_the_gains_inside_the_band() {
        // Reward the diagonal steps; a band around the diagonal holds them all.
        let band = Band::around(&[(0, 0), (30, 30)], 30, 30, 2);
        let path = best_path(&band, &[(1, 1), (1, 0), (0, 1)], |i, di, j, dj| {
            Some(if di == 1 && dj == 1 && i == j {
                1.0
            } else {
                -1.0
            })
        })
        .unwrap();
        assert_eq!(path.len(), 30);
        assert!(path.iter().all(|s| s.i == s.j && s.gain == 1.0));
    }

    #[test]
    fn length_prob_peaks_at_equal_lengths() {
        assert!(length_prob(100.0, 100.0, 1.0) > 0.95);
        assert!(length_prob(100.0, 300.0, 1.0) < 0.05);
        assert!(length_prob(100.0, 120.0, 1.0) > length_prob(100.0, 160.0, 1.0));
    }
}
