//! Lines repeated across many documents of a collection: a short line that
//! occurs in at least max(5, 2 %) of the documents is site furniture.
//!
//! Lines that read as body are never flagged by repetition alone: a
//! document's first line (its headline, repeated by copies and by other
//! pages' link lists), lines ending in a colon (they introduce lists) or
//! a semicolon or comma, lines indented like preformatted text (code),
//! sentences of more than four words ending with a period, and lines of more
//! than twelve words.

use super::cues::Positions;
use super::shape::{ends_with_period, indented, word_count};
use super::{flag_lines, NoiseContext, NoiseDetector, NoiseFlag, NoiseKind};

/// Least number of documents a line must occur in.
pub const MIN_DOCS: u32 = 5;
/// Least share of the collection's documents a line must occur in.
pub const MIN_SHARE: f64 = 0.02;
/// Most words of a line flagged by repetition.
pub const MAX_WORDS: usize = 12;

/// Whether line `index` is short furniture repeated across the collection.
pub fn is_repeated(cx: &NoiseContext<'_>, pos: &Positions, index: usize) -> bool {
    let Some(stats) = cx.stats else {
        return false;
    };
    if pos.first_nonblank == Some(index) {
        return false;
    }
    let raw = cx.lines[index].text(cx.text);
    let text = raw.trim();
    if text.is_empty() || indented(raw) {
        return false;
    }
    let words = word_count(text);
    if words == 0 || words > MAX_WORDS {
        return false;
    }
    if text.ends_with([':', ';', ',', '{', '}']) || (ends_with_period(text) && words > 4) {
        return false;
    }
    let docs = stats.documents();
    let need = MIN_DOCS.max((MIN_SHARE * docs as f64).ceil() as u32);
    stats.count(text) >= need
}

/// Flags short lines repeated across the collection; see the module
/// documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct RepeatedDetector;

impl NoiseDetector for RepeatedDetector {
    fn name(&self) -> &'static str {
        "repeated"
    }

    fn detect(&self, cx: &NoiseContext<'_>, out: &mut Vec<NoiseFlag>) {
        if cx.stats.is_none() {
            return;
        }
        let pos = Positions::new(cx);
        for i in 0..cx.lines.len() {
            if is_repeated(cx, &pos, i) {
                out.push(flag_lines(cx, i, i, NoiseKind::RepeatedLine));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::flagged_lines;
    use super::super::LineStats;

    #[test]
    fn repeated_short_line_is_flagged_body_is_not() {
        let mut stats = LineStats::new();
        let boiler = "The company did not respond to a request for comment on the matter.";
        for k in 0..10 {
            stats.add_document(&format!(
                "Title {k}\nJoin the Wire club\n{boiler}\nFeatures:\n"
            ));
        }
        let text = "Title 3\nJoin the Wire club\nThe company did not respond to a request for comment on the matter.\nFeatures:\n";
        assert_eq!(flagged_lines(text, Some(&stats)), vec![2]);
    }
}
