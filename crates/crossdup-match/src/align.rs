//! Sentence alignment by dynamic programming over the two sentence
//! sequences, with 1-1, 1-2, 2-1, 2-2, 1-0 and 0-1 links, scored by token
//! overlap and a Gale-Church length model, banded so long documents stay
//! linear in time and memory.

use serde::Serialize;

use crate::features::{Profile, Sent};
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
    /// Full DP up to this many cells; beyond, a band around the diagonal.
    pub full_cells: usize,
}

impl Default for AlignParams {
    fn default() -> Self {
        AlignParams {
            threshold: 0.2,
            length_ratio: 1.0,
            full_cells: 90_000,
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
    let n = (na + nb) as f32;
    if n == 0.0 {
        return (0.0, 0.0);
    }
    let dice = ((ov.a + ov.b) / n).min(1.0);
    let lp = length_prob(ca as f32, cb as f32, ratio);
    // Very short sentences say little: damp them.
    let conf = (n / 6.0).min(1.0);
    let exact = if ov.a > 0.0 { ov.a_exact / ov.a } else { 0.0 };
    (dice * (0.75 + 0.25 * lp) * (0.6 + 0.4 * conf), exact)
}

struct Band {
    lo: Vec<usize>,
    hi: Vec<usize>,
}

fn band(n: usize, m: usize, full_cells: usize) -> Band {
    if n * m <= full_cells {
        return Band {
            lo: vec![0; n + 1],
            hi: vec![m; n + 1],
        };
    }
    // Wide enough for shifts between the documents, but never more than about
    // 400,000 cells in all, so that one pair of long documents stays cheap.
    let w = (40 + n.abs_diff(m) / 2 + n.max(m) / 20).min((200_000 / (n + 1)).max(40));
    let (mut lo, mut hi) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
    for i in 0..=n {
        let c = (i * m) / n.max(1);
        lo.push(c.saturating_sub(w));
        hi.push((c + w).min(m));
    }
    Band { lo, hi }
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
/// (stems, pivots or surface forms) with `short` as a whole.
fn relevant(long: &[Sent], short: &[Sent]) -> Vec<usize> {
    let mut keys: rustc_hash::FxHashSet<u64> = rustc_hash::FxHashSet::default();
    for s in short {
        keys.extend(s.stems.iter().copied());
        keys.extend(s.pivots.iter().copied());
        keys.extend(s.folds.iter().copied());
    }
    long.iter()
        .enumerate()
        .filter(|(_, s)| {
            let hits = s
                .toks
                .iter()
                .filter(|t| {
                    keys.contains(&t.stem)
                        || keys.contains(&t.fold)
                        || t.pivot.iter().any(|p| keys.contains(p))
                })
                .count();
            hits >= 2 || (hits == 1 && s.toks.len() <= 3)
        })
        .map(|(k, _)| k)
        .collect()
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
    // Overlaps of single sentence pairs inside the band.
    let width = |i: usize| bd.hi[i.min(n)] - bd.lo[i.min(n)] + 1;
    let mut ov: Vec<Vec<Overlap>> = Vec::with_capacity(n);
    for (i, sa) in a.iter().enumerate() {
        let (lo, hi) = (bd.lo[i], bd.hi[i].min(m - 1));
        let mut row = Vec::with_capacity(width(i));
        if lo < m {
            for sb in &b[lo..=hi.max(lo)] {
                row.push(sim.overlap(sa, sb));
            }
        }
        ov.push(row);
    }
    let get = |i: usize, j: usize| -> Option<Overlap> {
        if i >= n || j >= m || j < bd.lo[i] || j > bd.hi[i] {
            return None;
        }
        ov[i].get(j - bd.lo[i]).copied()
    };
    // Score of a link covering a[i..i+di] x b[j..j+dj].
    let score = |i: usize, di: usize, j: usize, dj: usize| -> Option<(f32, f32)> {
        let mut o = Overlap::default();
        for x in i..i + di {
            for y in j..j + dj {
                let c = get(x, y)?;
                o.a += c.a;
                o.b += c.b;
                o.a_exact += c.a_exact;
            }
        }
        let na: usize = a[i..i + di].iter().map(|s| s.toks.len()).sum();
        let nb: usize = b[j..j + dj].iter().map(|s| s.toks.len()).sum();
        o.a = o.a.min(na as f32);
        o.b = o.b.min(nb as f32);
        o.a_exact = o.a_exact.min(o.a);
        let ca: u32 = a[i..i + di].iter().map(|s| s.chars).sum();
        let cb: u32 = b[j..j + dj].iter().map(|s| s.chars).sum();
        Some(link_score(o, na, nb, ca, cb, p.length_ratio))
    };
    // DP over (i, j) = sentences consumed; dense rows restricted to the band.
    const NEG: f32 = f32::NEG_INFINITY;
    let idx = |i: usize, j: usize| -> Option<usize> {
        let (lo, hi) = (bd.lo[i], bd.hi[i]);
        if j < lo || j > hi {
            None
        } else {
            Some(j - lo)
        }
    };
    let mut dp: Vec<Vec<f32>> = (0..=n).map(|i| vec![NEG; width(i)]).collect();
    let mut back: Vec<Vec<(u8, u8, f32, f32)>> =
        (0..=n).map(|i| vec![(0, 0, 0.0, 0.0); width(i)]).collect();
    if let Some(k) = idx(0, 0) {
        dp[0][k] = 0.0;
    }
    let moves: [(usize, usize); 6] = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2)];
    for i in 0..=n {
        for j in bd.lo[i]..=bd.hi[i] {
            let Some(k) = idx(i, j) else { continue };
            if i == 0 && j == 0 {
                continue;
            }
            let mut best = NEG;
            let mut arg = (0u8, 0u8, 0.0f32, 0.0f32);
            for &(di, dj) in &moves {
                if di > i || dj > j {
                    continue;
                }
                let (pi, pj) = (i - di, j - dj);
                if (di == 2 && ia[pi] + 1 != ia[pi + 1]) || (dj == 2 && ib[pj] + 1 != ib[pj + 1]) {
                    continue;
                }
                let Some(pk) = idx(pi, pj) else { continue };
                let prev = dp[pi][pk];
                if prev == NEG {
                    continue;
                }
                let (gain, s, e) = if di == 0 || dj == 0 {
                    (0.0, 0.0, 0.0)
                } else {
                    match score(pi, di, pj, dj) {
                        Some((s, e)) => {
                            // Merges must earn their place over single links.
                            let pen = if di + dj > 2 {
                                0.05 * (di + dj - 2) as f32
                            } else {
                                0.0
                            };
                            (s - p.threshold - pen, s, e)
                        }
                        None => continue,
                    }
                };
                if prev + gain > best {
                    best = prev + gain;
                    arg = (di as u8, dj as u8, s, e);
                }
            }
            dp[i][k] = best;
            back[i][k] = arg;
        }
    }
    // Trace back from (n, m).
    let mut links = Vec::new();
    let (mut i, mut j) = (n, m);
    if idx(n, m).is_none() {
        return links;
    }
    while i > 0 || j > 0 {
        let Some(k) = idx(i, j) else { break };
        let (di, dj, s, e) = back[i][k];
        if di == 0 && dj == 0 {
            break;
        }
        let (pi, pj) = (i - di as usize, j - dj as usize);
        if di > 0 && dj > 0 && s > p.threshold {
            links.push(Link {
                a: (pi, i),
                b: (pj, j),
                score: s,
                exact: e,
            });
        }
        i = pi;
        j = pj;
    }
    links.reverse();
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prob_peaks_at_equal_lengths() {
        assert!(length_prob(100.0, 100.0, 1.0) > 0.95);
        assert!(length_prob(100.0, 300.0, 1.0) < 0.05);
        assert!(length_prob(100.0, 120.0, 1.0) > length_prob(100.0, 160.0, 1.0));
    }
}
