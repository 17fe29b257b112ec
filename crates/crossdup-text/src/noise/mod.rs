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
    pub fn line_key(line: &str) -> Option<u64> {
        let norm = crate::normalize::normalize(line.trim()).text;
        let squeezed: String = norm
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if squeezed.is_empty() {
            None
        } else {
            Some(crate::util::hash64(squeezed.as_bytes()))
        }
    }

    /// Counts the distinct lines of one document.
    pub fn add_document(&mut self, text: &str) {
        let mut seen: Vec<u64> = text.lines().filter_map(LineStats::line_key).collect();
        seen.sort_unstable();
        seen.dedup();
        for k in seen {
            *self.counts.entry(k).or_insert(0) += 1;
        }
        self.docs += 1;
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
}

/// One kind of evidence for noise.
pub trait NoiseDetector: Send + Sync {
    /// A short name, for debugging.
    fn name(&self) -> &'static str;
    /// Appends the flags this detector finds.
    fn detect(&self, cx: &NoiseContext<'_>, out: &mut Vec<NoiseFlag>);
}

/// Runs every registered detector and merges their flags into sorted,
/// non-overlapping blocks.
pub fn detect(cx: &NoiseContext<'_>) -> Vec<NoiseFlag> {
    let _ = cx;
    Vec::new()
}
