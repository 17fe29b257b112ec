//! Cue phrases: lines that are furniture by their wording ("More Stories",
//! "Leave a Reply", "Advertisement", "© 2024 …", "By Jane Doe").
//!
//! The phrases live in `data/noise/cues/LANG.tsv` (kind, language, phrase),
//! one file per language, and the word classes they use in
//! `data/noise/vocab/LANG.tsv`; all are compiled in.
//! Phrases are matched on the word tokens of [`super::shape::tokenize`], so
//! case, accents, typographic quotes and punctuation do not matter, and the
//! whole line must be accounted for by the phrase: a cue is a line's shape,
//! not a substring of a sentence.

use rustc_hash::FxHashSet as HashSet;
use std::sync::OnceLock;

use super::shape::{ends_with_period, has_url, token_count, tokenize, Token};
use super::{NoiseContext, NoiseDetector, NoiseFlag, NoiseKind};

include!(concat!(env!("OUT_DIR"), "/noise_files.rs"));

/// The contents of a set of per-language files, one after another.
fn joined(files: &[(&str, &str)]) -> String {
    let mut all = String::new();
    for (_, text) in files {
        all.push_str(text);
        if !text.ends_with('\n') {
            all.push('\n');
        }
    }
    all
}

/// Most words a `<name>` placeholder takes.
const MAX_NAME: usize = 6;
/// Most words a `<date>` placeholder takes.
const MAX_DATE: usize = 10;
/// Most words in a line matched through a `*`.
const MAX_STAR_LINE: usize = 30;
/// Most words a `*` takes.
const MAX_STAR: usize = 20;
/// Most words of a share bar.
const MAX_SHARE_BAR: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
enum El {
    Word(String),
    Num,
    Name,
    Date,
    Social,
    Sep,
    Star,
    Tail,
}

/// One cue phrase from the table.
#[derive(Clone, Debug)]
pub struct Cue {
    /// What a line matching it is.
    pub kind: NoiseKind,
    /// The language the phrase was written for (`*` for any).
    pub lang: String,
    /// The phrase as written in the table.
    pub phrase: String,
    els: Vec<El>,
    /// The literal words of the phrase, sorted: a line lacking any of them
    /// cannot match, whatever its placeholders take.
    words: Vec<String>,
}

impl Cue {
    /// Whether the phrase is plain words only (no `*` or placeholder).
    pub fn is_exact(&self) -> bool {
        self.els.iter().all(|e| matches!(e, El::Word(_)))
    }

    fn has_name(&self) -> bool {
        self.els.contains(&El::Name)
    }
}

/// The compiled cue table and word classes.
#[derive(Debug, Default)]
pub struct CueTable {
    cues: Vec<Cue>,
    /// Index of cues by their first literal word (cues starting with a
    /// placeholder or `*` are in `loose`).
    by_first: rustc_hash::FxHashMap<String, Vec<usize>>,
    loose: Vec<usize>,
    /// The loose cues by the first literal word they hold (a line without
    /// that word cannot match them)...
    loose_by_word: rustc_hash::FxHashMap<String, Vec<usize>>,
    /// ...and those with no literal word at all.
    loose_bare: Vec<usize>,
    /// Most tokens of a plain-word cue.
    max_exact: usize,
    social: HashSet<String>,
    share_words: HashSet<String>,
    months: HashSet<String>,
    date_words: HashSet<String>,
    particles: HashSet<String>,
    related_words: HashSet<String>,
}

/// A cue that matched a line.
#[derive(Clone, Copy, Debug)]
pub struct CueMatch<'t> {
    /// The cue.
    pub cue: &'t Cue,
    /// Words taken by `*` in the match.
    pub star_words: usize,
}

impl CueMatch<'_> {
    /// The kind of furniture.
    pub fn kind(&self) -> NoiseKind {
        self.cue.kind
    }
}

fn parse_kind(s: &str) -> Option<NoiseKind> {
    Some(match s {
        "related" => NoiseKind::RelatedLinks,
        "comment" => NoiseKind::CommentPrompt,
        "share" => NoiseKind::ShareBar,
        "newsletter" => NoiseKind::Newsletter,
        "advert" => NoiseKind::Advert,
        "copyright" => NoiseKind::Copyright,
        "navigation" => NoiseKind::Navigation,
        "byline" => NoiseKind::Byline,
        _ => return None,
    })
}

fn parse_phrase(p: &str) -> Vec<El> {
    let mut els = Vec::new();
    for piece in p.split_whitespace() {
        match piece {
            "*" => {
                if els.last() != Some(&El::Star) {
                    els.push(El::Star)
                }
            }
            "<n>" => els.push(El::Num),
            "<name>" => els.push(El::Name),
            "<date>" => els.push(El::Date),
            "<social>" => els.push(El::Social),
            "<sep>" => els.push(El::Sep),
            "<tail>" => els.push(El::Tail),
            _ => {
                for t in tokenize(piece) {
                    els.push(El::Word(t.norm));
                }
            }
        }
    }
    els
}

impl CueTable {
    /// Parses a cue table and a vocabulary in the formats of
    /// `data/noise/cues/*.tsv` and `data/noise/vocab/*.tsv`. Malformed lines are
    /// skipped.
    pub fn parse(cues_tsv: &str, vocab_tsv: &str) -> CueTable {
        let mut t = CueTable::default();
        for line in vocab_tsv.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut f = line.split('\t');
            let (Some(class), Some(_lang), Some(words)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let set = match class {
                "social" => &mut t.social,
                "share_word" => &mut t.share_words,
                "month" => &mut t.months,
                "date_word" => &mut t.date_words,
                "particle" => &mut t.particles,
                "related_word" => &mut t.related_words,
                _ => continue,
            };
            for w in words.split_whitespace() {
                for tok in tokenize(w) {
                    set.insert(tok.norm);
                }
            }
        }
        for line in cues_tsv.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut f = line.split('\t');
            let (Some(kind), Some(lang), Some(phrase)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Some(kind) = parse_kind(kind.trim()) else {
                continue;
            };
            let els = parse_phrase(phrase);
            if els.is_empty() || els == [El::Star] {
                continue;
            }
            let i = t.cues.len();
            match &els[0] {
                El::Word(w) => t.by_first.entry(w.clone()).or_default().push(i),
                _ => {
                    t.loose.push(i);
                    let word = els.iter().find_map(|e| match e {
                        El::Word(w) => Some(w.clone()),
                        _ => None,
                    });
                    match word {
                        Some(w) => t.loose_by_word.entry(w).or_default().push(i),
                        None => t.loose_bare.push(i),
                    }
                }
            }
            if els.iter().all(|e| matches!(e, El::Word(_))) {
                t.max_exact = t.max_exact.max(els.len());
            }
            let mut words: Vec<String> = els
                .iter()
                .filter_map(|e| match e {
                    El::Word(w) => Some(w.clone()),
                    _ => None,
                })
                .collect();
            words.sort();
            words.dedup();
            t.cues.push(Cue {
                kind,
                lang: lang.trim().to_string(),
                phrase: phrase.trim().to_string(),
                els,
                words,
            });
        }
        t
    }

    /// The table compiled into the crate.
    pub fn builtin() -> &'static CueTable {
        static TABLE: OnceLock<CueTable> = OnceLock::new();
        TABLE.get_or_init(|| CueTable::parse(&joined(CUE_FILES), &joined(VOCAB_FILES)))
    }

    /// Number of cue phrases.
    pub fn len(&self) -> usize {
        self.cues.len()
    }

    /// Whether the table has no phrases.
    pub fn is_empty(&self) -> bool {
        self.cues.is_empty()
    }

    fn is_date_word(&self, t: &Token) -> bool {
        t.num || self.months.contains(&t.norm) || self.date_words.contains(&t.norm)
    }

    fn is_name_word(&self, t: &Token) -> bool {
        t.cap && !t.num
    }

    fn m(&self, els: &[El], toks: &[Token], star: &mut usize) -> bool {
        let Some(first) = els.first() else {
            return toks.is_empty();
        };
        let rest = &els[1..];
        match first {
            El::Word(w) => {
                toks.first().is_some_and(|t| &t.norm == w) && self.m(rest, &toks[1..], star)
            }
            El::Num => toks.first().is_some_and(|t| t.num) && self.m(rest, &toks[1..], star),
            El::Social => {
                toks.first().is_some_and(|t| self.social.contains(&t.norm))
                    && self.m(rest, &toks[1..], star)
            }
            El::Sep => (toks.is_empty() || toks[0].sep_before) && self.m(rest, toks, star),
            El::Star => {
                let max = toks.len().min(MAX_STAR);
                for k in 0..=max {
                    let mut s = *star + k;
                    if self.m(rest, &toks[k..], &mut s) {
                        *star = s;
                        return true;
                    }
                }
                false
            }
            El::Tail => {
                // The rest of the line, starting with a capital or a number.
                let ok = rest.is_empty()
                    && !toks.is_empty()
                    && toks.len() <= MAX_STAR
                    && (toks[0].cap || toks[0].num);
                if ok {
                    *star += toks.len();
                }
                ok
            }
            El::Name => {
                let max = toks.len().min(MAX_NAME);
                for k in (1..=max).rev() {
                    let span = &toks[..k];
                    let ok = self.is_name_word(&span[0])
                        && self.is_name_word(&span[k - 1])
                        && span[1..].iter().all(|t| !t.sep_before)
                        && span
                            .iter()
                            .all(|t| self.is_name_word(t) || self.particles.contains(&t.norm));
                    if ok && self.m(rest, &toks[k..], star) {
                        return true;
                    }
                }
                false
            }
            El::Date => {
                let max = toks.len().min(MAX_DATE);
                for k in (1..=max).rev() {
                    let span = &toks[..k];
                    // A number, and a month or a second number: "March 14",
                    // "14/03/2022", "14 marzo 2022 alle 10:30".
                    let nums = span.iter().filter(|t| t.num).count();
                    let months = span
                        .iter()
                        .filter(|t| self.months.contains(&t.norm))
                        .count();
                    let ok = span.iter().all(|t| self.is_date_word(t))
                        && nums >= 1
                        && (months >= 1 || nums >= 2);
                    if ok && self.m(rest, &toks[k..], star) {
                        return true;
                    }
                }
                false
            }
        }
    }

    /// How many distinct words of the line are related-links heading words
    /// (`related_word` in `data/noise/vocab/*.tsv`).
    pub fn related_words(&self, line: &str) -> usize {
        let mut seen: Vec<String> = tokenize(line)
            .into_iter()
            .map(|t| t.norm)
            .filter(|w| self.related_words.contains(w))
            .collect();
        seen.sort();
        seen.dedup();
        seen.len()
    }

    /// Whether every word of the line is a social network or a share word,
    /// with at least two networks (or one network and a share verb).
    pub fn is_share_bar(&self, toks: &[Token]) -> bool {
        if toks.len() < 2 || toks.len() > MAX_SHARE_BAR {
            return false;
        }
        let mut nets = 0;
        let mut verbs = 0;
        for t in toks {
            if self.social.contains(&t.norm) {
                nets += 1;
            } else if self.share_words.contains(&t.norm) {
                if matches!(
                    t.norm.as_str(),
                    "share"
                        | "condividi"
                        | "teilen"
                        | "partager"
                        | "compartir"
                        | "compartilhe"
                        | "compartilhar"
                        | "partilhar"
                        | "delen"
                        | "dela"
                        | "tweet"
                ) {
                    verbs += 1;
                }
            } else {
                return false;
            }
        }
        nets >= 2 || (nets >= 1 && verbs >= 1)
    }

    /// The first cue that matches the whole line, if any. `exact_only`
    /// restricts to plain-word cues (used for a document's first line, which
    /// is its headline).
    pub fn classify(&self, line: &str, exact_only: bool) -> Option<CueMatch<'_>> {
        // A line longer than every plain-word cue, than any line a pattern
        // may take and than a share bar matches nothing: most body lines.
        let n = token_count(line);
        if n > self.max_exact && n > MAX_STAR_LINE && n > MAX_SHARE_BAR {
            return None;
        }
        if line.is_ascii() && !self.may_match_ascii(line) {
            return None;
        }
        self.classify_tokens(line, exact_only)
    }

    /// [`CueTable::classify`] on the line's tokens, without the ASCII
    /// pre-filter.
    fn classify_tokens(&self, line: &str, exact_only: bool) -> Option<CueMatch<'_>> {
        let toks = tokenize(line);
        if toks.is_empty() {
            return None;
        }
        // The loose cues whose literal word the line holds, in table order.
        let mut loose: Vec<usize> = self.loose_bare.clone();
        for t in &toks {
            if let Some(v) = self.loose_by_word.get(&t.norm) {
                loose.extend_from_slice(v);
            }
        }
        loose.sort_unstable();
        loose.dedup();
        let candidates = self
            .by_first
            .get(&toks[0].norm)
            .into_iter()
            .flatten()
            .chain(loose.iter());
        let mut present: Vec<&str> = toks.iter().map(|t| t.norm.as_str()).collect();
        present.sort_unstable();
        for &i in candidates {
            let cue = &self.cues[i];
            let exact = cue.is_exact();
            if exact_only && !exact {
                continue;
            }
            if !exact && toks.len() > MAX_STAR_LINE {
                continue;
            }
            if cue
                .words
                .iter()
                .any(|w| present.binary_search(&w.as_str()).is_err())
            {
                continue;
            }
            let mut star = 0;
            if !self.m(&cue.els, &toks, &mut star) {
                continue;
            }
            if !exact && !self.shape_ok(cue, line, star) {
                continue;
            }
            return Some(CueMatch {
                cue,
                star_words: star,
            });
        }
        if !exact_only && self.is_share_bar(&toks) {
            return Some(CueMatch {
                cue: self.share_cue(),
                star_words: 0,
            });
        }
        None
    }

    /// Whether any cue could match an ASCII line, judged on its words
    /// without building tokens (folding ASCII only lower-cases it): a cue
    /// needs all its literal words in the line (and a number or a social
    /// network if it has such a placeholder) and, unless it starts with a
    /// placeholder, the line to start with its first word; share bars need a
    /// social network and dates a number.
    fn may_match_ascii(&self, line: &str) -> bool {
        if line.contains("(c)") || line.contains("(C)") {
            return true;
        }
        // The line's words, lower-cased one after another in `text`.
        let mut text = String::with_capacity(line.len());
        let mut ends: Vec<usize> = Vec::new();
        let b = line.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            let open = ends.last().copied().unwrap_or(0) < text.len();
            if c.is_ascii_alphanumeric() {
                text.push(c.to_ascii_lowercase() as char);
            } else if c == b'-' && open && b.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric()) {
                // A hyphen inside a word joins it, as in `tokenize`.
            } else if open {
                ends.push(text.len());
            }
        }
        if ends.last().copied().unwrap_or(0) < text.len() {
            ends.push(text.len());
        }
        let word = |k: usize| &text[if k == 0 { 0 } else { ends[k - 1] }..ends[k]];
        if ends.is_empty() {
            return false;
        }
        let holds = |w: &str| (0..ends.len()).any(|k| word(k) == w);
        let number = (0..ends.len()).any(|k| word(k).bytes().all(|c| c.is_ascii_digit()));
        let social = (0..ends.len()).any(|k| self.social.contains(word(k)));
        let fits = |cues: &Vec<usize>| {
            cues.iter().any(|&i| {
                let cue = &self.cues[i];
                cue.words.iter().all(|w| holds(w))
                    && (number || !cue.els.contains(&El::Num))
                    && (social || !cue.els.contains(&El::Social))
            })
        };
        if self.by_first.get(word(0)).is_some_and(fits) {
            return true;
        }
        social
            || number
            || (0..ends.len()).any(|k| self.loose_by_word.get(word(k)).is_some_and(fits))
    }

    fn share_cue(&self) -> &Cue {
        static SHARE: OnceLock<Cue> = OnceLock::new();
        SHARE.get_or_init(|| Cue {
            kind: NoiseKind::ShareBar,
            lang: "*".into(),
            phrase: "<social> <social> ...".into(),
            els: Vec::new(),
            words: Vec::new(),
        })
    }

    /// Shape checks for cues with `*` or placeholders: a sentence that merely
    /// starts with a cue word is body.
    fn shape_ok(&self, cue: &Cue, line: &str, star: usize) -> bool {
        let sentence_ok = matches!(
            cue.kind,
            NoiseKind::CommentPrompt | NoiseKind::Newsletter | NoiseKind::Copyright
        );
        if !sentence_ok && star > 3 && ends_with_period(line) {
            return false;
        }
        if matches!(cue.kind, NoiseKind::RelatedLinks | NoiseKind::Byline)
            && star > 0
            && has_url(line)
        {
            return false;
        }
        // More than two sentences is a paragraph whatever its first words.
        if line.matches(". ").count() >= 3 {
            return false;
        }
        true
    }
}

/// Flags every line that matches a cue phrase, or is a bar of social
/// network names. A document's first non-blank line (its headline) is only
/// flagged by a plain-word cue; bylines with a name must sit in the first
/// four or the last eight non-blank lines.
#[derive(Clone, Copy, Debug, Default)]
pub struct CueDetector;

/// Classifies one line of a document as furniture by its cue, with the
/// position rules of [`CueDetector`]. `index` is the 0-based index into
/// `cx.lines`.
pub fn classify_line<'t>(
    table: &'t CueTable,
    cx: &NoiseContext<'_>,
    pos: &Positions,
    index: usize,
) -> Option<CueMatch<'t>> {
    let line = cx.lines[index];
    let text = line.text(cx.text);
    if text.trim().is_empty() {
        return None;
    }
    let first = pos.first_nonblank == Some(index);
    let m = table.classify(text, first)?;
    if m.cue.has_name() {
        let rank = pos.rank(index);
        let from_end = pos.nonblank - 1 - rank;
        if rank >= 4 && from_end >= 8 {
            return None;
        }
    }
    Some(m)
}

/// The cue match of every line of a document ([`classify_line`] with the
/// built-in table), or the matches the context already holds.
pub fn line_cues<'a>(cx: &NoiseContext<'a>) -> std::borrow::Cow<'a, [Option<CueMatch<'static>>]> {
    if let Some(done) = cx.cues {
        return std::borrow::Cow::Borrowed(done);
    }
    let table = CueTable::builtin();
    let pos = Positions::new(cx);
    let one = |i| classify_line(table, cx, &pos, i);
    // A long document's lines are classified in parallel.
    std::borrow::Cow::Owned(if cx.text.len() >= crate::analyze::PARALLEL_BYTES {
        use rayon::prelude::*;
        (0..cx.lines.len()).into_par_iter().map(one).collect()
    } else {
        (0..cx.lines.len()).map(one).collect()
    })
}

/// Positions of non-blank lines in a document.
#[derive(Clone, Debug)]
pub struct Positions {
    /// Index of the first non-blank line.
    pub first_nonblank: Option<usize>,
    /// Number of non-blank lines.
    pub nonblank: usize,
    ranks: Vec<usize>,
}

impl Positions {
    /// Computes the positions for a document.
    pub fn new(cx: &NoiseContext<'_>) -> Positions {
        let mut ranks = Vec::with_capacity(cx.lines.len());
        let mut n = 0;
        let mut first = None;
        for (i, l) in cx.lines.iter().enumerate() {
            ranks.push(n);
            if !l.is_blank(cx.text) {
                if first.is_none() {
                    first = Some(i);
                }
                n += 1;
            }
        }
        Positions {
            first_nonblank: first,
            nonblank: n,
            ranks,
        }
    }

    /// How many non-blank lines come before line `index`.
    pub fn rank(&self, index: usize) -> usize {
        self.ranks[index]
    }
}

impl NoiseDetector for CueDetector {
    fn name(&self) -> &'static str {
        "cues"
    }

    fn detect(&self, cx: &NoiseContext<'_>, out: &mut Vec<NoiseFlag>) {
        for (i, m) in line_cues(cx).iter().enumerate() {
            if let Some(m) = m {
                out.push(super::flag_lines(cx, i, i, m.kind()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(line: &str) -> Option<NoiseKind> {
        CueTable::builtin().classify(line, false).map(|m| m.kind())
    }

    #[test]
    fn ascii_prefilter_never_hides_a_match() {
        let t = CueTable::builtin();
        let mut lines: Vec<String> = [
            "More Stories",
            "Leave a Reply",
            "Facebook",
            "Facebook Twitter WhatsApp Email",
            "March 14, 2022",
            "14/03/2022",
            "(c) 2024 Example Media",
            "By John Smith",
            "Share this article",
            "Advertisement",
            "12 Comments",
            "e-mail this to a friend",
            "Plugins for loading gerber layers and drill files.",
        ]
        .map(String::from)
        .to_vec();
        // Every line of the shipped samples, furniture included.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/samples");
        for lang in ["en", "it"] {
            for e in std::fs::read_dir(root.join(lang)).unwrap().flatten() {
                let text = std::fs::read_to_string(e.path()).unwrap();
                lines.extend(text.lines().map(String::from));
            }
        }
        // Every phrase of the table, its placeholders filled in.
        let cues = joined(CUE_FILES);
        for line in cues.lines().filter(|l| !l.starts_with('#')) {
            let Some(phrase) = line.split('\t').nth(2) else {
                continue;
            };
            let filled: Vec<&str> = phrase
                .split_whitespace()
                .map(|p| match p {
                    "*" => "the latest news",
                    "<n>" => "12",
                    "<name>" => "Jane Doe",
                    "<date>" => "March 14, 2022",
                    "<social>" => "Facebook",
                    "<sep>" => "|",
                    "<tail>" => "Example Media",
                    w => w,
                })
                .collect();
            lines.push(filled.join(" "));
        }
        let mut matched = 0;
        for l in lines.iter().filter(|l| l.is_ascii()) {
            for exact_only in [false, true] {
                let full = t.classify_tokens(l, exact_only);
                if full.is_some() {
                    matched += 1;
                    assert!(t.may_match_ascii(l), "{l}");
                }
                assert_eq!(
                    t.classify(l, exact_only).map(|m| m.kind()),
                    full.map(|m| m.kind()),
                    "{l}"
                );
            }
        }
        assert!(matched >= 500, "only {matched} furniture lines");
        assert!(!t.may_match_ascii("Plugins for loading gerber layers and drill files."));
        // Words that start or hold some cue, without the rest of its words.
        assert!(!t.may_match_ascii("This package holds the rest of the plugins."));
    }

    #[test]
    fn table_loads() {
        assert!(CueTable::builtin().len() > 1000);
    }

    #[test]
    fn furniture_lines() {
        use NoiseKind::*;
        let cases = [
            ("More Stories", RelatedLinks),
            ("MORE STORIES:", RelatedLinks),
            ("You May Also Like", RelatedLinks),
            ("Read more: small app for event processing", RelatedLinks),
            ("Leggi anche: modulo per Python 3", RelatedLinks),
            ("À lire aussi", RelatedLinks),
            ("Das könnte Sie auch interessieren", RelatedLinks),
            ("Te puede interesar", RelatedLinks),
            ("Leia também", RelatedLinks),
            ("Lees ook", RelatedLinks),
            ("Leave a Reply", CommentPrompt),
            ("Your email address will not be published. Required fields are marked *", CommentPrompt),
            ("Il tuo indirizzo email non sarà pubblicato. I campi obbligatori sono contrassegnati *", CommentPrompt),
            ("12 Comments", CommentPrompt),
            ("Schreibe einen Kommentar", CommentPrompt),
            ("Share this article", ShareBar),
            ("Facebook Twitter WhatsApp Email", ShareBar),
            ("Share on Facebook", ShareBar),
            ("Condividi questo articolo", ShareBar),
            ("Sign up for our daily newsletter", Newsletter),
            ("Iscriviti alla nostra newsletter quotidiana", Newsletter),
            ("Follow us on Twitter", Newsletter),
            ("Advertisement", Advert),
            ("Pubblicità", Advert),
            ("Anzeige", Advert),
            ("© 2024 All rights reserved.", Copyright),
            ("(c) 2023 Example Media Ltd", Copyright),
            ("© Riproduzione riservata", Copyright),
            ("Tous droits réservés", Copyright),
            ("Exit mobile version", Navigation),
            ("Torna alla versione mobile", Navigation),
            ("Card 1 of 4", Navigation),
            ("By Staff Reporter", Byline),
            ("By Jane Doe", Byline),
            ("Di Redazione", Byline),
            ("Author: Luana Pavaluca", Byline),
            ("Published on March 14, 2022", Byline),
            ("Pubblicato il 14 marzo 2022 alle 10:30", Byline),
        ];
        for (line, k) in cases {
            assert_eq!(kind(line), Some(k), "{line}");
        }
    }

    #[test]
    fn body_lines_are_not_cues() {
        let body = [
            "Mary Ilyushina and Camila Schick contributed to this report.",
            "US-China meeting in Rome on Monday",
            "By default, git revise will apply staged changes to a target commit, then update HEAD.",
            "See also: https://www.projectcounter.org/ https://metacpan.org/pod/x",
            "Features:",
            "Share prices fell sharply on Monday after the announcement.",
            "Read more books, the minister told pupils on a visit to a school in Leeds.",
            "Subscribers to the service rose by ten per cent last year.",
            "Copyright dispute over the song reaches the high court",
            "The current tools are:",
            "What is stream multiplexing?",
            "Di recente il governo ha approvato la riforma.",
        ];
        for line in body {
            assert_eq!(kind(line), None, "{line}");
        }
    }
}
