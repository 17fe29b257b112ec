//! Syndication-noise detection: site furniture that is not the article.
//!
//! Scraped news pages carry related-links blocks ("More Stories" and the
//! headlines after it), comment prompts, share bars, newsletter prompts,
//! advert markers, copyright and "exit mobile version" lines, bylines and
//! author boxes, duplicated headlines. Each kind of evidence is one
//! [`NoiseDetector`]; [`detect`] runs them all and merges their flags.
//! Noise is reported, and excluded from matching.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::lang::Lang;
use crate::lines::Line;

pub mod cues;
pub mod headline;
pub mod related;
pub mod repeated;
pub mod shape;

/// What kind of furniture a flagged block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseKind {
    /// A "More Stories"/"Related" heading and the other articles' headlines after it.
    RelatedLinks,
    /// "Leave a Reply", "Your email address will not be published", comment counts.
    CommentPrompt,
    /// "Share this article", lists of social networks.
    ShareBar,
    /// Newsletter sign-up and follow prompts.
    Newsletter,
    /// "Advertisement" and its kin.
    Advert,
    /// Copyright and rights-reserved lines.
    Copyright,
    /// "Exit mobile version" and other navigation furniture.
    Navigation,
    /// Bylines, author boxes, "contributed to this report" is not one (it is body).
    Byline,
    /// A headline repeated inside the page.
    DuplicateHeadline,
    /// A line repeated across many documents of the collection.
    RepeatedLine,
}

impl NoiseKind {
    /// The snake_case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            NoiseKind::RelatedLinks => "related_links",
            NoiseKind::CommentPrompt => "comment_prompt",
            NoiseKind::ShareBar => "share_bar",
            NoiseKind::Newsletter => "newsletter",
            NoiseKind::Advert => "advert",
            NoiseKind::Copyright => "copyright",
            NoiseKind::Navigation => "navigation",
            NoiseKind::Byline => "byline",
            NoiseKind::DuplicateHeadline => "duplicate_headline",
            NoiseKind::RepeatedLine => "repeated_line",
        }
    }
}

/// One flagged block of lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NoiseFlag {
    /// First and last 1-based line numbers, inclusive.
    pub lines: [u32; 2],
    /// First byte of the block in the original text.
    pub start: usize,
    /// One past the last byte of the block.
    pub end: usize,
    /// What it is.
    pub kind: NoiseKind,
}

/// How often each (normalised) line occurs across the documents of a collection.
#[derive(Clone, Debug, Default)]
pub struct LineStats {
    counts: FxHashMap<u64, u32>,
    docs: u32,
}

impl LineStats {
    /// Empty statistics.
    pub fn new() -> LineStats {
        LineStats::default()
    }

    /// The key under which a line is counted: a hash of its normalised
    /// letters and digits, or `None` for lines with nothing to compare.
    /// Line keys are even; [`LineStats::headline_key`] of a key is odd.
    pub fn line_key(line: &str) -> Option<u64> {
        // FNV-1a of the words joined by single spaces, without the joined string.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut any = false;
        let mut feed = |b: u8| {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        };
        // Normalising ASCII only lower-cases letters (and turns a backquote
        // into a quote, which separates words either way): done per byte.
        let line = line.trim();
        let norm;
        let text = if line.is_ascii() {
            line
        } else {
            norm = crate::normalize::normalize_text(line);
            &norm
        };
        for w in text.split(|c: char| !c.is_alphanumeric()) {
            if w.is_empty() {
                continue;
            }
            if any {
                feed(b' ');
            }
            any = true;
            w.bytes().for_each(|b| feed(b.to_ascii_lowercase()));
        }
        any.then_some(h & !1)
    }

    /// The key under which a document whose first line has the line key
    /// `key` counts that line as its headline: `key` with its lowest bit set,
    /// so that whoever holds the key of a line can ask whether it heads a
    /// document.
    pub fn headline_key(key: u64) -> u64 {
        key | 1
    }

    /// Whether `key` is a [`LineStats::headline_key`].
    pub fn is_headline_key(key: u64) -> bool {
        key & 1 == 1
    }

    /// Counts the distinct lines of one document.
    pub fn add_document(&mut self, text: &str) {
        for k in LineStats::document_keys(text) {
            *self.counts.entry(k).or_insert(0) += 1;
        }
        self.docs += 1;
    }

    /// The distinct keys under which [`LineStats::add_document`] counts the
    /// lines of `text`, sorted: what a document contributes to the statistics
    /// when they are gathered by another program (a query engine over shards).
    ///
    /// ```
    /// use crossdup_text::LineStats;
    /// let keys = LineStats::document_keys("Share this\n\nshare THIS!\nBody text.\n");
    /// // Two lines, and the first of them once more as the headline.
    /// assert_eq!(keys.len(), 3);
    /// assert_eq!(keys.iter().filter(|&&k| LineStats::is_headline_key(k)).count(), 1);
    /// ```
    pub fn document_keys(text: &str) -> Vec<u64> {
        let mut seen: Vec<u64> = text.lines().filter_map(LineStats::line_key).collect();
        // The headline: the first line with words, counted once more under
        // its headline key.
        if let Some(k) = text.lines().find_map(LineStats::line_key) {
            seen.push(LineStats::headline_key(k));
        }
        seen.sort_unstable();
        seen.dedup();
        seen
    }

    /// Statistics from counts gathered elsewhere: `counts` holds `(key, number
    /// of documents)` for keys of [`LineStats::document_keys`], `documents` is
    /// the number of documents counted. Keys left out count as 0, which
    /// analysis treats like 1, so a caller may keep only the keys it needs.
    ///
    /// ```
    /// use crossdup_text::LineStats;
    /// let key = LineStats::line_key("Share this").unwrap();
    /// let stats = LineStats::from_counts([(key, 7)], 100);
    /// assert_eq!((stats.count("share THIS!"), stats.documents()), (7, 100));
    /// ```
    pub fn from_counts(counts: impl IntoIterator<Item = (u64, u32)>, documents: u32) -> LineStats {
        let mut stats = LineStats {
            counts: FxHashMap::default(),
            docs: documents,
        };
        for (k, n) in counts {
            *stats.counts.entry(k).or_insert(0) += n;
        }
        stats
    }

    /// Merges statistics gathered elsewhere (e.g. in another thread).
    pub fn merge(&mut self, other: LineStats) {
        for (k, v) in other.counts {
            *self.counts.entry(k).or_insert(0) += v;
        }
        self.docs += other.docs;
    }

    /// In how many documents the line occurs.
    pub fn count(&self, line: &str) -> u32 {
        LineStats::line_key(line)
            .and_then(|k| self.counts.get(&k).copied())
            .unwrap_or(0)
    }

    /// How many documents of the collection have `line` as their first
    /// line with words (their headline).
    pub fn headline_count(&self, line: &str) -> u32 {
        LineStats::line_key(line)
            .and_then(|k| self.counts.get(&LineStats::headline_key(k)).copied())
            .unwrap_or(0)
    }

    /// How many documents were counted.
    pub fn documents(&self) -> u32 {
        self.docs
    }
}

/// What a detector sees of one document.
#[derive(Clone, Copy, Debug)]
pub struct NoiseContext<'a> {
    /// The original text.
    pub text: &'a str,
    /// Its lines.
    pub lines: &'a [Line],
    /// The document's language, if known.
    pub lang: Option<Lang>,
    /// Collection statistics, when the document is part of a collection.
    pub stats: Option<&'a LineStats>,
    /// Every line's cue match (see [`cues::line_cues`]), when already
    /// computed: [`detect`] classifies each line once for all detectors.
    pub cues: Option<&'a [Option<cues::CueMatch<'static>>]>,
}

/// One kind of evidence for noise.
pub trait NoiseDetector: Send + Sync {
    /// A short name, for debugging.
    fn name(&self) -> &'static str;
    /// Appends the flags this detector finds.
    fn detect(&self, cx: &NoiseContext<'_>, out: &mut Vec<NoiseFlag>);
}

/// Every detector, in order of precedence: when two detectors flag the same
/// line, the kind of the earlier one is kept.
pub static DETECTORS: &[&dyn NoiseDetector] = &[
    &cues::CueDetector,
    &related::RelatedDetector,
    &headline::HeadlineDetector,
    &headline::LinkDetector,
    &repeated::RepeatedDetector,
];

/// A flag for the lines `first..=last` (0-based indices into `cx.lines`).
pub fn flag_lines(cx: &NoiseContext<'_>, first: usize, last: usize, kind: NoiseKind) -> NoiseFlag {
    let (a, b) = (&cx.lines[first], &cx.lines[last.max(first)]);
    NoiseFlag {
        lines: [a.number, b.number],
        start: a.start,
        end: b.end,
        kind,
    }
}

/// Runs every registered detector and merges their flags into sorted,
/// non-overlapping blocks.
///
/// Each non-blank line takes the kind of the first detector (in
/// [`DETECTORS`] order) that flagged it; consecutive lines of one kind make
/// one block, and blank lines between two lines of a block belong to it.
pub fn detect(cx: &NoiseContext<'_>) -> Vec<NoiseFlag> {
    let classified = cues::line_cues(cx);
    let cx = &NoiseContext {
        cues: Some(&classified),
        ..*cx
    };
    let mut raw = Vec::new();
    let mut per_line: Vec<Option<NoiseKind>> = vec![None; cx.lines.len()];
    for d in DETECTORS {
        raw.clear();
        d.detect(cx, &mut raw);
        for f in &raw {
            for (i, line) in cx.lines.iter().enumerate() {
                if line.number >= f.lines[0]
                    && line.number <= f.lines[1]
                    && per_line[i].is_none()
                    && !line.is_blank(cx.text)
                {
                    per_line[i] = Some(f.kind);
                }
            }
        }
    }
    merge(cx, &per_line)
}

fn merge(cx: &NoiseContext<'_>, per_line: &[Option<NoiseKind>]) -> Vec<NoiseFlag> {
    let mut out: Vec<NoiseFlag> = Vec::new();
    // (first, last, kind) of the open block; blank lines do not close it.
    let mut open: Option<(usize, usize, NoiseKind)> = None;
    for (i, k) in per_line.iter().enumerate() {
        if cx.lines[i].is_blank(cx.text) {
            continue;
        }
        match (open, k) {
            (Some((a, _, ok)), Some(k)) if ok == *k => open = Some((a, i, ok)),
            (o, k) => {
                if let Some((a, b, ok)) = o {
                    out.push(flag_lines(cx, a, b, ok));
                }
                open = k.map(|k| (i, i, k));
            }
        }
    }
    if let Some((a, b, k)) = open {
        out.push(flag_lines(cx, a, b, k));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::lines::split_lines;

    /// The 1-based numbers of the flagged non-blank lines and blank lines
    /// inside blocks.
    pub(crate) fn flagged_lines(text: &str, stats: Option<&LineStats>) -> Vec<u32> {
        let lines = split_lines(text);
        let cx = NoiseContext {
            text,
            lines: &lines,
            lang: None,
            stats,
            cues: None,
        };
        let flags = detect(&cx);
        for w in flags.windows(2) {
            assert!(w[0].lines[1] < w[1].lines[0], "sorted, disjoint");
        }
        for f in &flags {
            assert!(f.start <= f.end && f.end <= text.len());
        }
        flags.iter().flat_map(|f| f.lines[0]..=f.lines[1]).collect()
    }

    #[test]
    fn ascii_line_keys_agree_with_normalised_ones() {
        // The same words with one non-ASCII character outside them take the
        // general path; the key must not change.
        for line in [
            "Share this, ARTICLE!",
            "a`b  C",
            "  x-y_z 12  ",
            "Tab\there",
        ] {
            let plain = LineStats::line_key(line);
            let general = LineStats::line_key(&format!("{line} \u{2014}"));
            assert_eq!(plain, general, "{line:?}");
        }
    }

    #[test]
    fn line_keys_hash_the_words_joined_by_spaces() {
        let key = LineStats::line_key("  Share  this, ARTICLE!  ").unwrap();
        assert_eq!(key, crate::util::hash64(b"share this article") & !1);
        assert_eq!(LineStats::line_key(" -- "), None);
    }

    #[test]
    fn body_is_not_flagged() {
        let text = "RUSSIA ASKED CHINA FOR MILITARY AID\n\nA US official told CBS News on Monday that the Kremlin asked Beijing for help.\n\nUS-China meeting in Rome on Monday\n\n\u{201C}No,\u{201D} Peskov told reporters.\n\nShort paragraph.\n\nMary Ilyushina and Camila Schick contributed to this report.\n";
        assert!(flagged_lines(text, None).is_empty());
    }

    #[test]
    fn seed_like_page() {
        let text = "Title of the article\n\nBy Staff Reporter\n\nBody one is a sentence.\n\nAdvertisement\n\nBody two is a sentence.\n\nMore Stories\nOther headline one\nOther headline two\n\nLeave a Reply\nYour email address will not be published. Required fields are marked *\n\u{00A9} 2024 All rights reserved.\nExit mobile version";
        assert_eq!(
            flagged_lines(text, None),
            vec![3, 7, 11, 12, 13, 15, 16, 17, 18]
        );
        let lines = split_lines(text);
        let cx = NoiseContext {
            text,
            lines: &lines,
            lang: None,
            stats: None,
            cues: None,
        };
        let kinds: Vec<&str> = detect(&cx).iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "byline",
                "advert",
                "related_links",
                "comment_prompt",
                "copyright",
                "navigation"
            ]
        );
        let last = detect(&cx).pop().unwrap();
        assert_eq!(&text[last.start..last.end], "Exit mobile version");
    }

    #[test]
    fn no_panic_on_arbitrary_text() {
        let alphabet: Vec<char> = "aZ .,:;|-\n\n\r()c\u{00A9}*1234567890By More Stories\u{2014}\u{00E9}\u{0301}\u{201C}\u{FEFF}\u{200B}\t".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut stats = LineStats::new();
        for round in 0..400 {
            let len = (round * 7) % 300;
            let mut s = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            stats.add_document(&s);
            let lines = split_lines(&s);
            let cx = NoiseContext {
                text: &s,
                lines: &lines,
                lang: None,
                stats: Some(&stats),
                cues: None,
            };
            for f in detect(&cx) {
                assert!(f.start <= f.end && f.end <= s.len());
                assert!(s.is_char_boundary(f.start) && s.is_char_boundary(f.end));
            }
        }
    }
}
