//! Sentence-pair similarity: one trait, three implementations (identity of
//! stems, synonym classes within a language, lexical translation across
//! languages), all counting matched content tokens on both sides.

use crate::features::{containment, first_bit, share, Kind, Sent, Tok};

/// Tokens matched on each side of a sentence pair.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Overlap {
    /// Tokens of the first sentence that found a partner.
    pub a: f32,
    /// Tokens of the second sentence that found a partner.
    pub b: f32,
    /// Tokens of the first sentence matched by identical stem (same language only).
    pub a_exact: f32,
}

/// Counts how the content tokens of two sentences match.
pub trait SentenceSimilarity: Sync {
    /// The overlap of `a` (from the first document) and `b` (from the second).
    fn overlap(&self, a: &Sent, b: &Sent) -> Overlap;

    /// A 64-bit screen of a sentence's exact keys, with this promise: when
    /// both sentences have more than three tokens and their screens share no
    /// bit, [`SentenceSimilarity::overlap`] is zero. The default screen
    /// (all bits) promises nothing.
    fn screen(&self, _s: &Sent) -> u64 {
        u64::MAX
    }

    /// Up to two sorted key sets of a sentence whose intersections with the
    /// other sentence's can prove a zero overlap (see
    /// [`SentenceSimilarity::zero_given`]); the default has none.
    fn zero_keys<'s>(&self, _s: &'s Sent) -> [&'s [u64]; 2] {
        [&[], &[]]
    }

    /// Whether [`SentenceSimilarity::overlap`] of `a` and `b` is certainly
    /// zero when their [`SentenceSimilarity::zero_keys`] share `shared[k]`
    /// members in set `k`: lets an aligner count shared keys through an
    /// inverted index instead of comparing every pair of sentences. The
    /// default never knows.
    fn zero_given(&self, _a: &Sent, _b: &Sent, _shared: [usize; 2]) -> bool {
        false
    }

    /// [`SentenceSimilarity::overlap`] of a pair for which
    /// [`SentenceSimilarity::zero_given`] was false: the same value, without
    /// repeating the test. The default repeats it.
    fn overlap_past_zero(&self, a: &Sent, b: &Sent) -> Overlap {
        self.overlap(a, b)
    }

    /// Screens of a sentence's key sets, for
    /// [`SentenceSimilarity::overlap_screened`]: an aligner that meets each
    /// sentence in many pairs computes them once. The default has none.
    fn key_screens(&self, _s: &Sent) -> [WideScreen; 2] {
        [[u64::MAX; 4]; 2]
    }

    /// [`SentenceSimilarity::overlap_past_zero`] of `a` and `b` given their
    /// [`SentenceSimilarity::key_screens`] `ka` and `kb`: the same value,
    /// sooner.
    fn overlap_screened(
        &self,
        a: &Sent,
        _ka: &[WideScreen; 2],
        b: &Sent,
        _kb: &[WideScreen; 2],
    ) -> Overlap {
        self.overlap_past_zero(a, b)
    }
}

/// The bit of a hashed key in a 64-bit screen.
fn key_bit(k: u64) -> u64 {
    1u64 << ((k ^ (k >> 29)) & 63)
}

/// A one-bit-per-key Bloom signature of hashed keys.
fn bloom<'a>(keys: impl IntoIterator<Item = &'a u64>) -> u64 {
    keys.into_iter().fold(0u64, |acc, &k| acc | key_bit(k))
}

/// A 256-bit screen of a key set (four words; `key_bit` of a key is its
/// bit in its word, so that the words OR-ed together are its `bloom`).
pub type WideScreen = [u64; 4];

/// The word and bit of a key in a [`WideScreen`].
fn wide_bit(k: u64) -> (usize, u64) {
    (((k ^ (k >> 29)) >> 6) as usize & 3, key_bit(k))
}

/// The [`WideScreen`] of a set of keys.
fn wide<T: Copy + Into<u64>>(keys: &[T]) -> WideScreen {
    let mut w = [0u64; 4];
    for &k in keys {
        let (i, bit) = wide_bit(k.into());
        w[i] |= bit;
    }
    w
}

fn has<T: Ord>(sorted: &[T], x: &T) -> bool {
    sorted.binary_search(x).is_ok()
}

/// Whether token `a` of sentence `x` is a spelling variant of a name in `b`.
fn fuzzy_name(x: &Sent, a: &Tok, b: &Sent) -> bool {
    if a.text_chars < 5 || b.firsts & first_bit(a.first) == 0 {
        return false;
    }
    let at = x.text_of(a);
    let mut ma = None;
    b.toks.iter().any(|t| {
        // Kept forms are never empty: equal first characters are equal
        // first characters of the texts.
        if t.text_len < 4 || (t.kind != Kind::Name && a.kind != Kind::Name) || t.first != a.first {
            return false;
        }
        let tt = b.text_of(t);
        let ma = *ma.get_or_insert_with(|| letters(at));
        jaro_may_reach(at, ma, a.text_chars.into(), tt, t.text_chars.into())
            && strsim::jaro_winkler(at, tt) >= 0.9
    })
}

/// Whether the Jaro-Winkler similarity of `a` and `b` (with their
/// [`letters`] and lengths in characters) may reach 0.9. The prefix bonus
/// adds at most `0.4 * (1 - jaro)`, so 0.9 needs a Jaro similarity of 0.75;
/// and Jaro is at most `(m / la + m / lb + 1) / 3`, where the matches `m`
/// are at most the characters of either word whose letter the other has.
/// The test allows 0.01 below that, for rounding.
fn jaro_may_reach(a: &str, ma: u64, la: u32, b: &str, lb: u32) -> bool {
    let mb = letters(b);
    let in_other = |s: &str, mask: u64| s.chars().filter(|&c| mask & letter_bit(c) != 0).count();
    let m = in_other(a, mb).min(in_other(b, ma)) as f64;
    (m / la.max(1) as f64 + m / lb.max(1) as f64 + 1.0) / 3.0 >= 0.74
}

/// Same language: stems, synonyms and spelling variants of names.
#[derive(Clone, Copy, Debug)]
pub struct Monolingual {
    /// Credit for a synonym match (an identical stem counts 1).
    pub synonym_weight: f32,
}

impl Default for Monolingual {
    fn default() -> Self {
        Monolingual {
            synonym_weight: 0.8,
        }
    }
}

impl Monolingual {
    /// Credit for the tokens of `x`, given the stems and synonym classes it
    /// shares with the other sentence (every token's stem and classes are
    /// members of `x`'s sets, so membership of the shared sets is membership
    /// of the other sentence's).
    fn side(&self, x: &Sent, y: &Sent, stems: &Common, syns: &Common) -> (f32, f32) {
        let (mut m, mut exact) = (0.0f32, 0.0f32);
        for t in &x.toks {
            if stems.contains(t.stem, &y.stems) {
                m += 1.0;
                exact += 1.0;
            } else if (syns.any() && t.syn.iter().any(|&c| syns.contains(c, &y.syns)))
                || (t.kind == Kind::Name && fuzzy_name(x, t, y))
            {
                m += self.synonym_weight;
            }
        }
        (m, exact)
    }
}

/// A one-bit-per-key screen of what two sorted sets share, so that most
/// lookups of keys the sets do not share cost one test: no bit set means
/// nothing shared.
struct Common {
    screen: WideScreen,
}

impl Common {
    /// From the [`bloom`] screens of the two sets: no intersection to
    /// compute, but more keys pass the screen than with [`Common::of`].
    fn screened(a: &WideScreen, b: &WideScreen) -> Self {
        Common {
            screen: [a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]],
        }
    }

    /// [`Common::screened`] of both key sets of two sentences, from their
    /// [`SentenceSimilarity::key_screens`].
    fn screened_pair(ka: &[WideScreen; 2], kb: &[WideScreen; 2]) -> [Self; 2] {
        [
            Common::screened(&ka[0], &kb[0]),
            Common::screened(&ka[1], &kb[1]),
        ]
    }

    /// Whether the sets may share anything (certainly not when false).
    fn any(&self) -> bool {
        self.screen != [0; 4]
    }

    fn of<T: Ord + Copy + Into<u64>>(a: &[T], b: &[T]) -> Self {
        // The shared keys, for the screen (from that many on, the screen
        // passes everything and the lookups decide alone).
        const KEEP: usize = 16;
        let mut shared = [0u64; KEEP];
        let mut n = 0;
        let (mut i, mut j) = (0, 0);
        // A merge without branches on the comparisons (their outcomes are
        // too irregular to predict): every key is written to the next free
        // place, which only a shared key takes.
        while i < a.len() && j < b.len() {
            let (x, y) = (a[i], b[j]);
            shared[n % KEEP] = x.into();
            n += usize::from(x == y);
            i += usize::from(x <= y);
            j += usize::from(y <= x);
        }
        let screen = if n < KEEP {
            wide(&shared[..n])
        } else {
            [u64::MAX; 4]
        };
        Common { screen }
    }

    /// Whether `k`, a member of one set, is shared; `other` is the other set.
    fn contains<T: Ord + Copy + Into<u64>>(&self, k: T, other: &[T]) -> bool {
        let (w, bit) = wide_bit(k.into());
        self.screen[w] & bit != 0 && has(other, &k)
    }
}

impl SentenceSimilarity for Monolingual {
    // No shared stem means a containment of zero, below the first test of
    // `overlap` for sentences of more than three tokens.
    fn screen(&self, s: &Sent) -> u64 {
        bloom(s.stems.iter())
    }

    fn zero_keys<'s>(&self, s: &'s Sent) -> [&'s [u64]; 2] {
        [&s.stems, &[]]
    }

    // The first test of `overlap`, on a count of shared stems.
    fn zero_given(&self, a: &Sent, b: &Sent, shared: [usize; 2]) -> bool {
        a.toks.len().min(b.toks.len()) > 3
            && (shared[0] == 0 || share(shared[0], a.stems.len(), b.stems.len()) < 0.15)
    }

    fn overlap(&self, a: &Sent, b: &Sent) -> Overlap {
        // Too little shared wording to be a link, whatever the synonyms say
        // (most calls end here: the count alone is cheaper than `Common`).
        if a.toks.len().min(b.toks.len()) > 3 && containment(&a.stems, &b.stems) < 0.15 {
            return Overlap::default();
        }
        self.overlap_past_zero(a, b)
    }

    fn overlap_past_zero(&self, a: &Sent, b: &Sent) -> Overlap {
        self.overlap_of(
            a,
            b,
            Common::of(&a.stems, &b.stems),
            Common::of(&a.syns, &b.syns),
        )
    }

    fn key_screens(&self, s: &Sent) -> [WideScreen; 2] {
        [wide(&s.stems), wide(&s.syns)]
    }

    fn overlap_screened(
        &self,
        a: &Sent,
        ka: &[WideScreen; 2],
        b: &Sent,
        kb: &[WideScreen; 2],
    ) -> Overlap {
        let [x, y] = Common::screened_pair(ka, kb);
        self.overlap_of(a, b, x, y)
    }
}

impl Monolingual {
    fn overlap_of(&self, a: &Sent, b: &Sent, stems: Common, syns: Common) -> Overlap {
        let (ma, ea) = self.side(a, b, &stems, &syns);
        let (mb, _) = self.side(b, a, &stems, &syns);
        Overlap {
            a: ma,
            b: mb,
            a_exact: ea,
        }
    }
}

/// Across languages: lexical translation into English pivots, shared surface
/// forms (names, numbers, untranslated words), and cognates.
#[derive(Clone, Copy, Debug)]
pub struct Bilingual {
    /// Credit for a cognate or fuzzy name match.
    pub cognate_weight: f32,
}

impl Default for Bilingual {
    fn default() -> Self {
        Bilingual {
            cognate_weight: 0.7,
        }
    }
}

impl Bilingual {
    /// Exact pivot/surface matches only (cheap), given the surface forms and
    /// pivots the sentences share (each token's are members of its own
    /// sentence's sets, as with [`Monolingual`]).
    fn cheap_side(x: &Sent, y: &Sent, folds: &Common, pivots: &Common) -> usize {
        x.toks
            .iter()
            .filter(|t| {
                folds.contains(t.fold, &y.folds)
                    || (t.kind != Kind::Number
                        && pivots.any()
                        && t.pivot.iter().any(|&p| pivots.contains(p, &y.pivots)))
            })
            .count()
    }

    /// Credit for the tokens of `x`; `cognate(x, t, y)` tells whether token
    /// `t` has a cognate in `y` (see [`cognate`]).
    fn side(
        &self,
        x: &Sent,
        y: &Sent,
        folds: &Common,
        pivots: &Common,
        cognate: impl Fn(&Sent, &Tok, &Sent) -> bool,
    ) -> f32 {
        let mut m = 0.0f32;
        for t in &x.toks {
            if t.kind == Kind::Number {
                if folds.contains(t.fold, &y.folds) {
                    m += 1.0;
                }
                continue;
            }
            if folds.contains(t.fold, &y.folds)
                || (pivots.any() && t.pivot.iter().any(|&p| pivots.contains(p, &y.pivots)))
            {
                m += 1.0;
            } else if t.text_chars >= 5 && cognate(x, t, y) {
                m += self.cognate_weight;
            }
        }
        m
    }
}

/// The characters of a word as a 64-bit set (letters a-z by bit, anything
/// else folded onto the remaining bits).
fn letters(s: &str) -> u64 {
    s.chars().fold(0u64, |mask, c| mask | letter_bit(c))
}

/// The bit of a character in [`letters`].
fn letter_bit(c: char) -> u64 {
    let bit = match c {
        'a'..='z' => c as u32 - 'a' as u32,
        _ => 26 + (c as u32) % 38,
    };
    1 << bit
}

/// Whether `normalized_levenshtein(a, b) >= min` (strsim's measure: one
/// minus the edit distance over the longer length in characters), with the
/// distance computed only as far as it can decide: inside the diagonal band
/// the largest acceptable distance allows, stopping once a row exceeds it.
fn levenshtein_within(a: &str, b: &str, min: f64) -> bool {
    // Words fit on the stack; anything longer goes to the full measure.
    const MAX: usize = 32;
    let chars = |s: &str| -> Option<([char; MAX], usize)> {
        let mut out = ['\0'; MAX];
        let mut n = 0;
        for c in s.chars() {
            *out.get_mut(n)? = c;
            n += 1;
        }
        Some((out, n))
    };
    let (Some((a, na)), Some((b, nb))) = (chars(a), chars(b)) else {
        return strsim::normalized_levenshtein(a, b) >= min;
    };
    let (a, b) = (&a[..na], &b[..nb]);
    let longer = na.max(nb);
    if longer == 0 {
        return 1.0 >= min;
    }
    // The largest distance the measure accepts, by the measure's own formula.
    let Some(k) = (0..=longer)
        .take_while(|&d| 1.0 - d as f64 / longer as f64 >= min)
        .last()
    else {
        return false;
    };
    if na.abs_diff(nb) > k {
        return false;
    }
    // Rows of the edit-distance table over `b`, cells beyond the band
    // counted as `k + 1` (more than allowed, which is all that matters).
    let over = k + 1;
    let mut prev = [over; MAX + 1];
    let mut cur = [over; MAX + 1];
    for (j, p) in prev.iter_mut().enumerate().take(nb + 1) {
        *p = j.min(over);
    }
    for (i, &ca) in a.iter().enumerate() {
        let row = i + 1;
        // Cells further than `k` from the diagonal exceed `k` anyway; and
        // `|a| - |b| <= k` keeps `lo <= hi`.
        let (lo, hi) = (row.saturating_sub(k), (row + k).min(nb));
        cur.fill(over);
        if lo == 0 {
            cur[0] = row.min(over);
        }
        for j in lo.max(1)..=hi {
            let sub = prev[j - 1] + usize::from(ca != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1).min(over);
        }
        // Every path to the last cell crosses this row, never decreasing.
        if cur[lo..=hi].iter().all(|&v| v > k) {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[nb] <= k
}

/// Minimum normalised Levenshtein similarity of a cognate.
const COGNATE_MIN: f64 = 0.72;

/// Whether token `a` of sentence `x` looks like a cognate of a word of `b`.
fn cognate(x: &Sent, a: &Tok, b: &Sent) -> bool {
    // Partners are kept forms of five characters or more.
    if b.firsts & first_bit(a.first) == 0 {
        return false;
    }
    let n = a.text_chars as usize;
    let at = x.text_of(a);
    let mut ma = None;
    b.toks.iter().take(COGNATE_SCAN).any(|t| {
        let m = t.text_chars as usize;
        // Both forms are kept (five characters or more), so their first
        // characters are the texts'.
        if m < 5 || n.abs_diff(m) > 3 || t.first != a.first {
            return false;
        }
        let tt = b.text_of(t);
        let ma = *ma.get_or_insert_with(|| letters(at));
        cognate_words(
            &Word {
                fold: a.fold,
                text: at,
                chars: n,
                letters: ma,
            },
            &Word {
                fold: t.fold,
                text: tt,
                chars: m,
                letters: letters(tt),
            },
        )
    })
}

/// How many words of a sentence [`cognate`] looks at.
const COGNATE_SCAN: usize = 200;

/// Whether two words of five characters or more with the same first
/// character are cognates: lengths within three, and a normalised
/// Levenshtein similarity of [`COGNATE_MIN`] or more. The relation is
/// symmetric.
fn cognate_words(u: &Word<'_>, v: &Word<'_>) -> bool {
    let (n, m) = (u.chars, v.chars);
    if n.abs_diff(m) > 3 {
        return false;
    }
    // Each edit changes at most two members of the character sets, so
    // words whose sets differ in more than twice the allowed edits
    // cannot be close enough: skip the quadratic distance for them.
    let allowed = (1.0 - COGNATE_MIN) * n.max(m) as f64;
    if (u.letters ^ v.letters).count_ones() as f64 > 2.0 * allowed {
        return false;
    }
    levenshtein_within(u.text, v.text, COGNATE_MIN)
}

impl SentenceSimilarity for Bilingual {
    // No shared pivot or surface form means both containments are zero.
    fn screen(&self, s: &Sent) -> u64 {
        bloom(s.pivots.iter().chain(s.folds.iter()))
    }

    fn zero_keys<'s>(&self, s: &'s Sent) -> [&'s [u64]; 2] {
        [&s.pivots, &s.folds]
    }

    // The first test of `overlap`, on counts of shared pivots and forms.
    fn zero_given(&self, a: &Sent, b: &Sent, shared: [usize; 2]) -> bool {
        a.toks.len().min(b.toks.len()) > 3
            && (shared == [0, 0]
                || share(shared[0], a.pivots.len(), b.pivots.len())
                    + share(shared[1], a.folds.len(), b.folds.len())
                    < 0.1)
    }

    fn overlap(&self, a: &Sent, b: &Sent) -> Overlap {
        self.overlap_by(a, b, cognate)
    }

    fn overlap_past_zero(&self, a: &Sent, b: &Sent) -> Overlap {
        self.past_zero_by(a, b, cognate)
    }

    fn key_screens(&self, s: &Sent) -> [WideScreen; 2] {
        [wide(&s.folds), wide(&s.pivots)]
    }

    fn overlap_screened(
        &self,
        a: &Sent,
        ka: &[WideScreen; 2],
        b: &Sent,
        kb: &[WideScreen; 2],
    ) -> Overlap {
        self.screened_by(a, ka, b, kb, cognate)
    }
}

/// How [`Bilingual`] tells whether a token of one sentence has a cognate in
/// the other: [`cognate`]'s scan, or a [`Cognates`] table.
trait CognateTest: Fn(&Sent, &Tok, &Sent) -> bool + Copy {}

impl<F: Fn(&Sent, &Tok, &Sent) -> bool + Copy> CognateTest for F {}

impl Bilingual {
    /// [`SentenceSimilarity::overlap`], with `cognate` as the cognate test.
    fn overlap_by(&self, a: &Sent, b: &Sent, cognate: impl CognateTest) -> Overlap {
        // Sentences with no exact evidence at all are not worth the fuzzy pass,
        // unless they are very short (a title, a name).
        let long = a.toks.len().min(b.toks.len()) > 3;
        if long && containment(&a.pivots, &b.pivots) + containment(&a.folds, &b.folds) < 0.1 {
            return Overlap::default();
        }
        self.past_zero_by(a, b, cognate)
    }

    /// [`SentenceSimilarity::overlap_past_zero`], with `cognate` as the
    /// cognate test.
    fn past_zero_by(&self, a: &Sent, b: &Sent, cognate: impl CognateTest) -> Overlap {
        let (folds, pivots) = (
            Common::of(&a.folds, &b.folds),
            Common::of(&a.pivots, &b.pivots),
        );
        self.overlap_with(a, b, folds, pivots, cognate)
    }

    /// [`SentenceSimilarity::overlap_screened`], with `cognate` as the
    /// cognate test.
    fn screened_by(
        &self,
        a: &Sent,
        ka: &[WideScreen; 2],
        b: &Sent,
        kb: &[WideScreen; 2],
        cognate: impl CognateTest,
    ) -> Overlap {
        let [x, y] = Common::screened_pair(ka, kb);
        self.overlap_with(a, b, x, y, cognate)
    }

    /// The overlap of two sentences given the surface forms and pivots they
    /// may share, with `cognate` as the cognate test.
    fn overlap_with(
        &self,
        a: &Sent,
        b: &Sent,
        folds: Common,
        pivots: Common,
        cognate: impl CognateTest,
    ) -> Overlap {
        let long = a.toks.len().min(b.toks.len()) > 3;
        if long && Bilingual::cheap_side(a, b, &folds, &pivots) == 0 {
            return Overlap::default();
        }
        Overlap {
            a: self.side(a, b, &folds, &pivots, cognate),
            b: self.side(b, a, &folds, &pivots, cognate),
            a_exact: 0.0,
        }
    }

    /// This similarity for the sentences of two given documents, with the
    /// cognates between their words found once (see [`Cognates`]).
    pub fn between<'c>(self, cognates: &'c Cognates) -> BilingualPair<'c> {
        BilingualPair { bi: self, cognates }
    }
}

/// The cognate pairs among the words of two documents: each word of five
/// characters or more (as kept by [`Sent::text_of`], keyed by its
/// [`Tok::fold`]) with the words of either document that are cognates of it.
/// Finding them once per pair of documents spares each sentence pair a scan
/// of the other sentence's words for every word without an exact match.
#[derive(Debug, Default)]
pub struct Cognates {
    of: rustc_hash::FxHashMap<u64, Box<[u64]>>,
}

/// A word of [`Cognates`]: its fold key, text, length in characters and
/// [`letters`].
struct Word<'s> {
    fold: u64,
    text: &'s str,
    chars: usize,
    letters: u64,
}

impl Cognates {
    /// The cognates among the words of `a` and `b` (two documents' sentences).
    pub fn between(a: &[Sent], b: &[Sent]) -> Cognates {
        // Distinct kept words of five characters or more, by first character,
        // with the documents they occur in (bit 0: `a`, bit 1: `b`).
        let mut at: rustc_hash::FxHashMap<u64, usize> = Default::default();
        let mut by_first: rustc_hash::FxHashMap<char, Vec<(Word<'_>, u8)>> = Default::default();
        for (doc, sents) in [(1u8, a), (2u8, b)] {
            for s in sents {
                for t in s.toks.iter().filter(|t| t.text_chars >= 5) {
                    let words = by_first.entry(t.first).or_default();
                    match at.get(&t.fold) {
                        Some(&k) => words[k].1 |= doc,
                        None => {
                            at.insert(t.fold, words.len());
                            let text = s.text_of(t);
                            let word = Word {
                                fold: t.fold,
                                text,
                                chars: t.text_chars as usize,
                                letters: letters(text),
                            };
                            words.push((word, doc));
                        }
                    }
                }
            }
        }
        // Only pairs of a word of one document and a word of the other are
        // ever asked about; by length, only those within three characters.
        let mut of: rustc_hash::FxHashMap<u64, Vec<u64>> = Default::default();
        for words in by_first.values_mut() {
            words.sort_by_key(|(w, _)| w.chars);
            for (k, (u, du)) in words.iter().enumerate() {
                for (v, dv) in words[k + 1..]
                    .iter()
                    .take_while(|(v, _)| v.chars <= u.chars + 3)
                {
                    let across = (du & 1 != 0 && dv & 2 != 0) || (du & 2 != 0 && dv & 1 != 0);
                    if across && cognate_words(u, v) {
                        of.entry(u.fold).or_default().push(v.fold);
                        of.entry(v.fold).or_default().push(u.fold);
                    }
                }
            }
        }
        Cognates {
            of: of
                .into_iter()
                .map(|(k, v)| (k, v.into_boxed_slice()))
                .collect(),
        }
    }

    /// [`cognate`], from the table: whether token `a` (of a sentence of
    /// either document) has a cognate among the words of `b`.
    #[inline]
    fn has(&self, x: &Sent, a: &Tok, b: &Sent) -> bool {
        // The scan looks at the first 200 words of a sentence only.
        if b.toks.len() > COGNATE_SCAN {
            return cognate(x, a, b);
        }
        self.of
            .get(&a.fold)
            .is_some_and(|vs| vs.iter().any(|v| has(&b.folds, v)))
    }
}

/// [`Bilingual`] for the sentences of two documents whose [`Cognates`] are
/// known: the same overlaps, sooner.
#[derive(Clone, Copy, Debug)]
pub struct BilingualPair<'c> {
    bi: Bilingual,
    cognates: &'c Cognates,
}

impl BilingualPair<'_> {
    /// The cognate test of the table.
    fn cognate(&self) -> impl CognateTest + '_ {
        |x: &Sent, t: &Tok, y: &Sent| self.cognates.has(x, t, y)
    }
}

impl SentenceSimilarity for BilingualPair<'_> {
    fn overlap(&self, a: &Sent, b: &Sent) -> Overlap {
        self.bi.overlap_by(a, b, self.cognate())
    }

    fn screen(&self, s: &Sent) -> u64 {
        self.bi.screen(s)
    }

    fn zero_keys<'s>(&self, s: &'s Sent) -> [&'s [u64]; 2] {
        self.bi.zero_keys(s)
    }

    fn zero_given(&self, a: &Sent, b: &Sent, shared: [usize; 2]) -> bool {
        self.bi.zero_given(a, b, shared)
    }

    fn overlap_past_zero(&self, a: &Sent, b: &Sent) -> Overlap {
        self.bi.past_zero_by(a, b, self.cognate())
    }

    fn key_screens(&self, s: &Sent) -> [WideScreen; 2] {
        self.bi.key_screens(s)
    }

    fn overlap_screened(
        &self,
        a: &Sent,
        ka: &[WideScreen; 2],
        b: &Sent,
        kb: &[WideScreen; 2],
    ) -> Overlap {
        self.bi.screened_by(a, ka, b, kb, self.cognate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words from a small alphabet (so that close pairs are common),
    /// accents included; deterministic.
    fn words(n: usize) -> Vec<String> {
        let alphabet: Vec<char> = "abcdeéü".chars().collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = 3 + (x % 8) as usize;
                (0..len)
                    .map(|k| alphabet[((x >> (5 + 3 * k)) % alphabet.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn bounded_levenshtein_decides_as_the_full_measure() {
        let ws = words(150);
        let mut close = 0;
        for a in &ws {
            for b in &ws {
                for min in [0.5, COGNATE_MIN, 0.75, 0.9] {
                    let full = strsim::normalized_levenshtein(a, b) >= min;
                    assert_eq!(levenshtein_within(a, b, min), full, "{a} {b} {min}");
                    close += usize::from(full);
                }
            }
        }
        assert!(close > 1000, "too few close pairs to test: {close}");
        assert!(levenshtein_within("", "", 0.9) && !levenshtein_within("", "ab", 0.5));
        // Words longer than the stack buffers take the full measure.
        let long = "internationalisation-and-localisation";
        assert!(levenshtein_within(
            long,
            &long.replace('-', "_"),
            COGNATE_MIN
        ));
        assert!(!levenshtein_within(
            long,
            "internationalisation",
            COGNATE_MIN
        ));
    }

    #[test]
    fn jaro_bound_never_rejects_a_close_pair() {
        let ws = words(150);
        let (mut close, mut rejected) = (0, 0);
        for a in &ws {
            for b in &ws {
                let (la, lb) = (a.chars().count() as u32, b.chars().count() as u32);
                let may = jaro_may_reach(a, letters(a), la, b, lb);
                if strsim::jaro_winkler(a, b) >= 0.9 {
                    close += 1;
                    assert!(may, "{a} {b}");
                }
                rejected += usize::from(!may);
            }
        }
        // More close pairs than the identical ones, and most pairs rejected.
        assert!(
            close > ws.len() + 5 && rejected > 1000,
            "{close} close, {rejected} rejected"
        );
    }
    use crate::features::Pivots;

    /// A sentence of words with the given stems and synonym classes (the
    /// classes leaked: tests only).
    fn sent(words: &[(u64, Vec<u32>)]) -> Sent {
        let toks: Vec<Tok> = words
            .iter()
            .map(|(stem, syn)| Tok {
                stem: *stem,
                fold: *stem,
                pivot: Pivots::Own(*stem),
                syn: Box::leak(syn.clone().into_boxed_slice()),
                kind: Kind::Word,
                text_start: 0,
                text_len: 0,
                text_chars: 3,
                first: '\0',
            })
            .collect();
        let mut stems: Vec<u64> = toks.iter().map(|t| t.stem).collect();
        stems.sort_unstable();
        stems.dedup();
        let mut syns: Vec<u32> = toks.iter().flat_map(|t| t.syn.iter().copied()).collect();
        syns.sort_unstable();
        syns.dedup();
        Sent {
            start: 0,
            end: 0,
            chars: 0,
            weight: 1.0,
            line: 1,
            toks: toks.into_boxed_slice(),
            pivots: stems.clone().into_boxed_slice(),
            folds: stems.clone().into_boxed_slice(),
            stems: stems.into_boxed_slice(),
            syns: syns.into_boxed_slice(),
            texts: "".into(),
            firsts: 0,
        }
    }

    /// The overlap counted the plain way: every token looked up in the
    /// other sentence's sets.
    fn reference(w: f32, x: &Sent, y: &Sent) -> (f32, f32) {
        let (mut m, mut exact) = (0.0, 0.0);
        for t in x.toks.iter() {
            if y.stems.contains(&t.stem) {
                m += 1.0;
                exact += 1.0;
            } else if t.syn.iter().any(|c| y.syns.contains(c)) {
                m += w;
            }
        }
        (m, exact)
    }

    #[test]
    fn shared_sets_give_the_plain_overlap_few_or_many_shared() {
        let mono = Monolingual::default();
        // A small deterministic generator: sentences of 5 to 155 words over
        // vocabularies small enough to share from none to dozens of stems.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut many_shared = 0;
        for round in 0..300 {
            let vocab = [10, 60, 400][round % 3];
            let mut words = || {
                let len = 5 + next(150) as usize;
                (0..len)
                    .map(|_| {
                        let stem = next(vocab).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                        let syn = (0..next(3)).map(|_| next(vocab) as u32).collect();
                        (stem, syn)
                    })
                    .collect::<Vec<_>>()
            };
            let (a, b) = (sent(&words()), sent(&words()));
            let shared = crate::features::intersection(&a.stems, &b.stems);
            // Past a few dozen shared keys the 64-bit screen is nearly full.
            many_shared += usize::from(shared > 40);
            let got = mono.overlap(&a, &b);
            // The screened overlap is the plain one, for either similarity.
            let bi = Bilingual::default();
            let screened = |sim: &dyn SentenceSimilarity| {
                sim.overlap_screened(&a, &sim.key_screens(&a), &b, &sim.key_screens(&b))
            };
            assert_eq!(
                screened(&mono),
                mono.overlap_past_zero(&a, &b),
                "round {round}"
            );
            assert_eq!(screened(&bi), bi.overlap_past_zero(&a, &b), "round {round}");
            if share(shared, a.stems.len(), b.stems.len()) < 0.15 {
                assert_eq!(got, Overlap::default());
                continue;
            }
            let (ma, ea) = reference(mono.synonym_weight, &a, &b);
            let (mb, _) = reference(mono.synonym_weight, &b, &a);
            assert_eq!((got.a, got.a_exact, got.b), (ma, ea, mb), "round {round}");
            // Across languages (these words are too short for cognates): a
            // token counts when its form or a pivot is in the other sentence.
            let plain = |x: &Sent, y: &Sent| {
                x.toks
                    .iter()
                    .filter(|t| {
                        y.folds.contains(&t.fold) || t.pivot.iter().any(|p| y.pivots.contains(p))
                    })
                    .count() as f32
            };
            let (ba, bb) = (plain(&a, &b), plain(&b, &a));
            let evidence = containment(&a.pivots, &b.pivots) + containment(&a.folds, &b.folds);
            let want = if ba == 0.0 || evidence < 0.1 {
                Overlap::default()
            } else {
                Overlap {
                    a: ba,
                    b: bb,
                    a_exact: 0.0,
                }
            };
            assert_eq!(Bilingual::default().overlap(&a, &b), want, "round {round}");
        }
        assert!(many_shared > 10, "the test reaches saturated screens");
    }
    /// Two documents in two languages made of close spellings (some
    /// sentences past the scan's 200 words), profiled as the pipeline does.
    fn cognate_docs() -> (crate::features::Profile, crate::features::Profile) {
        use crossdup_text::analyze::{analyze, AnalyzeOptions};
        // Each document has its own words: cognates are across them.
        let ws = words(400);
        let doc = |lang: &str, ws: &[String]| {
            let mut text = String::new();
            for k in 0..14 {
                let len = if k == 6 { 230 } else { 9 };
                let sent: Vec<&str> = (0..len)
                    .map(|i| ws[(k * 37 + i * 11) % ws.len()].as_str())
                    .collect();
                // A number both documents share passes the exact-match test.
                text.push_str(&format!("{} 1987.\n", sent.join(" ")));
            }
            let mut d = crossdup_text::Document::new(lang, &text);
            d.lang = Some(lang.to_string());
            crate::features::profile(&analyze(d, &AnalyzeOptions::default(), None).unwrap())
        };
        (doc("en", &ws[..200]), doc("it", &ws[200..]))
    }

    #[test]
    fn the_cognate_table_answers_as_the_scan() {
        let (a, b) = cognate_docs();
        let table = Cognates::between(&a.sents, &b.sents);
        let (mut asked, mut found, mut past_scan) = (0, 0, 0);
        for (p, q) in [(&a, &b), (&b, &a)] {
            for x in &p.sents {
                for t in x.toks.iter().filter(|t| t.text_chars >= 5) {
                    // A word the other sentence has matches exactly: its
                    // cognates are never asked for.
                    for y in q.sents.iter().filter(|y| !has(&y.folds, &t.fold)) {
                        let want = cognate(x, t, y);
                        assert_eq!(table.has(x, t, y), want);
                        asked += 1;
                        found += usize::from(want);
                        past_scan += usize::from(y.toks.len() > COGNATE_SCAN);
                    }
                }
            }
        }
        assert!(found > 20 && found < asked, "{found} of {asked}");
        assert!(past_scan > 0);
        // And so the overlaps of every sentence pair are the same.
        let (bi, with) = (Bilingual::default(), Bilingual::default().between(&table));
        let mut nonzero = 0;
        for x in &a.sents {
            for y in &b.sents {
                let o = bi.overlap(x, y);
                assert_eq!(with.overlap(x, y), o);
                let (kx, ky) = (bi.key_screens(x), bi.key_screens(y));
                let past_zero = bi.overlap_screened(x, &kx, y, &ky);
                assert_eq!(with.overlap_screened(x, &kx, y, &ky), past_zero);
                nonzero += usize::from(past_zero.a > 0.0);
            }
        }
        assert!(nonzero > 10, "{nonzero} pairs with cognates");
    }
}
