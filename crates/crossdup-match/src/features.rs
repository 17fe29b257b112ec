//! Compact matching features of an analysed article.

use std::cell::RefCell;
use std::thread::LocalKey;

use crossdup_text::tokens::TokenKind;
use crossdup_text::util::hash64;
use crossdup_text::{Article, Lang};
use unicode_normalization::UnicodeNormalization;

use crate::lexicon::{lexicon, thesaurus, Lexicon, Thesaurus};

/// What a content token is, for matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An ordinary word.
    Word,
    /// A capitalised word not at the start of its sentence (a name, most likely).
    Name,
    /// A number.
    Number,
}

/// English pivots of a token: its own stem's key (English tokens) or the
/// keys of its lexicon translations, shared with the lexicon (no copy per
/// token). Reads as a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pivots {
    /// One key of the token's own (an English stem).
    Own(u64),
    /// The lexicon's keys for the token's stem (possibly none).
    Lexicon(&'static [u64]),
}

impl std::ops::Deref for Pivots {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        match self {
            Pivots::Own(k) => std::slice::from_ref(k),
            Pivots::Lexicon(s) => s,
        }
    }
}

/// One content token (stop words are left out). No heap data of its own:
/// pivots and synonym classes point into the shipped data, the folded text
/// into its sentence's [`Sent::texts`].
#[derive(Clone, Debug)]
pub struct Tok {
    /// Hash of the stem in the token's own language.
    pub stem: u64,
    /// Hash of the accent-free lower-case surface form (language-independent).
    pub fold: u64,
    /// Hashes of English stems this token may translate to (for English, its stem).
    pub pivot: Pivots,
    /// Synonym classes of the stem (same language only).
    pub syn: &'static [u32],
    /// Word, name or number.
    pub kind: Kind,
    /// Where the folded surface form starts in [`Sent::texts`] (kept for
    /// names and long words, for fuzzy matching; empty otherwise).
    pub text_start: u32,
    /// Its length in bytes.
    pub text_len: u32,
    /// Its length in characters (forms longer than `u16::MAX` are not kept).
    pub text_chars: u16,
    /// Its first character (`'\0'` when the form is not kept): most fuzzy
    /// comparisons end on it, without reading the text.
    pub first: char,
}

// Tokens are the bulk of a collection's profiles: keep them in one cache line.
const _: () = assert!(std::mem::size_of::<Tok>() <= 64);

/// One body sentence.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Byte span in the original text.
    pub start: u32,
    /// End of the byte span.
    pub end: u32,
    /// Length in characters.
    pub chars: u32,
    /// Evidence weight in `(0, 1]`: lower for lines repeated across many
    /// documents of the collection (boilerplate).
    pub weight: f32,
    /// 1-based line.
    pub line: u32,
    /// Content tokens.
    pub toks: Box<[Tok]>,
    /// Sorted stem hashes.
    pub stems: Box<[u64]>,
    /// Sorted pivot hashes.
    pub pivots: Box<[u64]>,
    /// Sorted fold hashes.
    pub folds: Box<[u64]>,
    /// Sorted synonym class ids.
    pub syns: Box<[u32]>,
    /// The folded forms the tokens keep, one after another.
    pub texts: Box<str>,
    /// The first characters of the kept forms of four bytes or more, by
    /// [`first_bit`]: a token whose first character is not among them has
    /// no fuzzy partner here.
    pub firsts: u32,
}

// Sentences are many too: the screen of first characters fills padding.
const _: () = assert!(std::mem::size_of::<Sent>() <= 120);

/// The bit of a character in [`Sent::firsts`]: letters a-z by bit, anything
/// else folded onto the remaining six.
pub fn first_bit(c: char) -> u32 {
    let bit = match c {
        'a'..='z' => c as u32 - 'a' as u32,
        _ => 26 + (c as u32) % 6,
    };
    1 << bit
}

impl Sent {
    /// The folded surface form a token of this sentence keeps (empty for
    /// short words).
    pub fn text_of(&self, t: &Tok) -> &str {
        let s = t.text_start as usize;
        self.texts.get(s..s + t.text_len as usize).unwrap_or("")
    }
}

/// The matching profile of an article.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Document id.
    pub id: String,
    /// Main language.
    pub lang: Lang,
    /// Body sentences.
    pub sents: Vec<Sent>,
    /// Total characters of body sentences.
    pub body_chars: u64,
    /// Hash of the normalised body (token sequence): equal means exact duplicate.
    pub exact_key: u64,
    /// Number of content tokens.
    pub content_tokens: u32,
    /// Sorted distinct stem hashes of the whole body.
    pub stem_set: Vec<u64>,
    /// Sorted distinct pivot hashes of the whole body.
    pub pivot_set: Vec<u64>,
    /// Spot signatures: a stop word and the two content stems after it
    /// (SpotSigs), hashed; they survive furniture and small edits.
    pub spots: Vec<u64>,
}

/// Lower-cases and strips diacritics: `Ilyušina` -> `ilyusina`.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

fn key(lang: Lang, s: &str) -> u64 {
    let mut h = hash64(s.as_bytes());
    h ^= (lang as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h
}

/// The language-tagged hash of a stem, as stored in [`Tok::stem`].
pub fn stem_key(lang: Lang, stem: &str) -> u64 {
    key(lang, stem)
}

/// Hash of an English stem, as stored in [`Tok::pivot`].
pub fn pivot_key(en_stem: &str) -> u64 {
    key(Lang::En, en_stem)
}

/// Hash of a folded surface form, as stored in [`Tok::fold`].
pub fn fold_key(folded: &str) -> u64 {
    hash64(folded.as_bytes()) ^ 0x5bd1_e995
}

/// FNV-1a, fed piece by piece (equal to [`hash64`] of the concatenation).
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// What [`sent_profile`] reuses from one sentence to the next: the lexicon
/// and thesaurus of the last language met (the shared caches are locked once
/// per language, not once per sentence) and two text buffers.
#[derive(Default)]
struct SentScratch {
    data: Option<(Lang, Option<&'static Lexicon>, &'static Thesaurus)>,
    folded: String,
    texts: String,
}

/// The [`Sent`] of one sentence of `art`.
fn sent_profile(cx: &mut SentScratch, art: &Article, s: &crossdup_text::Sentence) -> Sent {
    let lang = s.lang;
    let (lex, th) = match cx.data {
        Some((l, lex, th)) if l == lang => (lex, th),
        _ => {
            let lex = (lang != Lang::En).then(|| lexicon(lang));
            let th = thesaurus(lang);
            cx.data = Some((lang, lex, th));
            (lex, th)
        }
    };
    let SentScratch { folded, texts, .. } = cx;
    // Stop words are left out: counted first, so that the tokens are
    // allocated once at their final size.
    let content = s
        .tokens
        .iter()
        .filter(|t| !(t.stop && t.kind == TokenKind::Word))
        .count();
    let mut toks = Vec::with_capacity(content);
    texts.clear();
    for (i, t) in s.tokens.iter().enumerate() {
        if t.stop && t.kind == TokenKind::Word {
            continue;
        }
        fold_into(&t.norm, folded);
        let kind = match t.kind {
            TokenKind::Number => Kind::Number,
            TokenKind::Word if t.capitalized && i > 0 => Kind::Name,
            TokenKind::Word => Kind::Word,
        };
        let pivot = match lex {
            None => Pivots::Own(pivot_key(&t.stem)),
            Some(lex) => Pivots::Lexicon(lex.pivot_keys(&t.stem)),
        };
        let syn: &'static [u32] = if kind == Kind::Number {
            &[]
        } else {
            th.classes(&t.stem)
        };
        let chars = folded.chars().count();
        let keep_text = (kind == Kind::Name || chars >= 5) && chars <= usize::from(u16::MAX);
        let text_start = texts.len() as u32;
        if keep_text {
            texts.push_str(folded);
        }
        toks.push(Tok {
            stem: if kind == Kind::Number {
                fold_key(&t.norm)
            } else {
                stem_key(lang, &t.stem)
            },
            fold: fold_key(folded),
            pivot,
            syn,
            kind,
            text_start,
            text_len: texts.len() as u32 - text_start,
            text_chars: if keep_text { chars as u16 } else { 0 },
            first: match keep_text {
                true => folded.chars().next().unwrap_or('\0'),
                false => '\0',
            },
        });
    }
    let chars = s.text(art.text()).chars().count() as u32;
    let stems = sorted_set(toks.iter().map(|t| t.stem));
    let pivots = sorted_set(toks.iter().flat_map(|t| t.pivot.iter().copied()));
    let folds = sorted_set(toks.iter().map(|t| t.fold));
    let syns = sorted_classes(toks.iter().flat_map(|t| t.syn.iter().copied()));
    let firsts = toks
        .iter()
        .filter(|t| t.text_len >= 4)
        .fold(0, |acc, t| acc | first_bit(t.first));
    Sent {
        start: s.span.start as u32,
        end: s.span.end as u32,
        chars,
        weight: 1.0 / (1.0 + (s.line_df as f32).ln()),
        line: s.line,
        toks: toks.into_boxed_slice(),
        stems: stems.into_boxed_slice(),
        pivots: pivots.into_boxed_slice(),
        folds: folds.into_boxed_slice(),
        syns: syns.into_boxed_slice(),
        texts: texts.as_str().into(),
        firsts,
    }
}

/// Builds the profile of an analysed article.
pub fn profile(art: &Article) -> Profile {
    // A long article's sentences are profiled in parallel (a wire-feed check
    // waits on them), a short one's in order, without the hand-off.
    let parallel = art.text().len() >= crossdup_text::analyze::PARALLEL_BYTES;
    let sents: Vec<Sent> = if parallel {
        use rayon::prelude::*;
        art.sentences
            .par_iter()
            .map_init(SentScratch::default, |cx, s| sent_profile(cx, art, s))
            .collect()
    } else {
        let mut cx = SentScratch::default();
        art.sentences
            .iter()
            .map(|s| sent_profile(&mut cx, art, s))
            .collect()
    };
    let mut exact = Fnv::new();
    let mut spots = Vec::new();
    for s in &art.sentences {
        for t in &s.tokens {
            exact.feed(t.norm.as_bytes());
            exact.feed(b" ");
        }
        spot_signatures(s, &mut spots);
    }
    Profile {
        id: art.doc.id.clone(),
        lang: art.lang,
        body_chars: sents.iter().map(|s| s.chars as u64).sum(),
        exact_key: exact.0,
        content_tokens: sents.iter().map(|s| s.toks.len() as u32).sum(),
        stem_set: sorted_set(sents.iter().flat_map(|s| s.stems.iter().copied())),
        pivot_set: sorted_set(sents.iter().flat_map(|s| s.pivots.iter().copied())),
        spots: sorted_set(spots.into_iter()),
        sents,
    }
}

/// [`fold`] into a reused buffer.
fn fold_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        // Nothing to decompose: lower-casing is all.
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
        return;
    }
    out.extend(
        s.nfd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .flat_map(|c| c.to_lowercase()),
    );
}

/// The distinct keys of `it`, sorted.
fn sorted_set(it: impl Iterator<Item = u64>) -> Vec<u64> {
    thread_local! {
        static BUF: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    }
    sorted_in(&BUF, it)
}

/// [`sorted_set`] for synonym class ids.
fn sorted_classes(it: impl Iterator<Item = u32>) -> Vec<u32> {
    thread_local! {
        static BUF: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    }
    sorted_in(&BUF, it)
}

/// The distinct items of `it`, sorted in a buffer each thread reuses and
/// copied once at their final size (rather than collected, sorted and
/// shrunk in place: a realloc per set, and profiles make several per
/// sentence).
fn sorted_in<T: Ord + Copy>(
    buf: &'static LocalKey<RefCell<Vec<T>>>,
    it: impl Iterator<Item = T>,
) -> Vec<T> {
    buf.with(|b| {
        let mut v = b.borrow_mut();
        v.clear();
        v.extend(it);
        v.sort_unstable();
        v.dedup();
        v.to_vec()
    })
}

/// Size of the intersection of two sorted sets.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    // A merge without branches on the comparisons, whose outcomes are too
    // irregular to predict.
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

/// Share of the smaller set found in the larger.
pub fn containment(a: &[u64], b: &[u64]) -> f32 {
    share(intersection(a, b), a.len(), b.len())
}

/// [`containment`] of two sets of sizes `a` and `b` known to share `shared`
/// members (the same value, computed the same way).
///
/// ```
/// use crossdup_match::features::{containment, share};
/// let (a, b) = ([1, 4, 9], [4, 9, 16, 25]);
/// assert_eq!(share(2, a.len(), b.len()), containment(&a, &b));
/// ```
pub fn share(shared: usize, a: usize, b: usize) -> f32 {
    let m = a.min(b);
    if m == 0 {
        0.0
    } else {
        shared as f32 / m as f32
    }
}

/// Appends the spot signatures of one sentence: each stop word (an
/// antecedent) with the next two content stems.
fn spot_signatures(s: &crossdup_text::Sentence, out: &mut Vec<u64>) {
    let toks = &s.tokens;
    for (i, t) in toks.iter().enumerate() {
        if !t.stop {
            continue;
        }
        let mut chain = Fnv::new();
        chain.feed(t.norm.as_bytes());
        let mut taken = 0;
        for u in &toks[i + 1..] {
            if u.stop {
                continue;
            }
            chain.feed(b"\x01");
            chain.feed(u.stem.as_bytes());
            taken += 1;
            if taken == 2 {
                break;
            }
        }
        if taken == 2 {
            out.push(chain.0 ^ 0x51_9E_7C_0D_EA_DB_EE_F1);
        }
    }
}

fn count_terms(mut all: Vec<u64>) -> Vec<(u64, u32)> {
    all.sort_unstable();
    let mut out: Vec<(u64, u32)> = Vec::with_capacity(all.len());
    for k in all {
        match out.last_mut() {
            Some((last, n)) if *last == k => *n += 1,
            _ => out.push((k, 1)),
        }
    }
    out
}

/// Same-language candidate-search terms: native stems (tagged by language),
/// spot signatures, and anchors (numbers, names), each once with its count.
pub fn mono_terms(p: &Profile) -> Vec<(u64, u32)> {
    let mut all: Vec<u64> = Vec::with_capacity(2 * p.content_tokens as usize + p.spots.len());
    for s in &p.sents {
        for t in s.toks.iter() {
            all.push(t.stem);
            if t.kind != Kind::Word {
                all.push(t.fold);
            }
        }
    }
    all.extend(p.spots.iter().copied());
    count_terms(all)
}

/// Cross-language candidate-search terms: English pivot stems (for English,
/// the stems themselves) and language-independent anchors.
pub fn pivot_terms(p: &Profile) -> Vec<(u64, u32)> {
    let mut all: Vec<u64> = Vec::with_capacity(2 * p.content_tokens as usize);
    for s in &p.sents {
        for t in s.toks.iter() {
            all.extend(t.pivot.iter().copied());
            if t.kind != Kind::Word {
                all.push(t.fold);
            }
        }
    }
    count_terms(all)
}

/// Both term sets, for an index that holds one bag per document.
pub fn search_terms(p: &Profile) -> Vec<(u64, u32)> {
    let mut all = mono_terms(p);
    all.extend(pivot_terms(p));
    all.sort_unstable();
    all.dedup_by_key(|x| x.0);
    all
}
