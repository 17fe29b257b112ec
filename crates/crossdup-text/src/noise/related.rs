//! Related-links blocks: a "More Stories"-like heading followed by other
//! articles' headlines.
//!
//! After a heading cue (a related cue with at most a short tail, such as
//! "More Stories", "Altre notizie da Wire:"), the headline-like lines that
//! follow are taken into the block (short, no sentence-final period), across
//! blank lines, until a line that is not headline-like. When the block runs
//! to the end of the document, or only other furniture follows it, all of it
//! is flagged; in the middle of a document only the headlines that follow the
//! heading without a blank line are, since a body's section heading may sit
//! after a stray link line. A short line over two or more headlines of other
//! documents of the collection heads a block wherever it stands.

use super::cues::{line_cues, CueTable, Positions};
use super::headline::links_to_others;
use super::repeated::is_repeated;
use super::shape::{ends_with_period, headline_like, word_count};
use super::{flag_lines, NoiseContext, NoiseDetector, NoiseFlag, NoiseKind};

/// Most words a related cue's tail may have for the line to head a block.
const HEADING_TAIL: usize = 4;
/// Most words of a heading recognised by its vocabulary only.
const LOOSE_HEADING_WORDS: usize = 7;
/// Least number of headlines after a heading recognised by its vocabulary.
const LOOSE_MIN_ITEMS: usize = 2;

/// Most words of a bare heading (no cue, no vocabulary) over a trailing list.
const BARE_HEADING_WORDS: usize = 5;
/// Least number of headlines, one per line without blank lines between, under
/// a bare heading at the end of a page.
const BARE_MIN_ITEMS: usize = 3;

/// A heading with no cue words: short, not a sentence, a question, or the
/// introduction of a list.
fn bare_heading(line: &str) -> bool {
    let t = line.trim();
    let w = word_count(t);
    (1..=BARE_HEADING_WORDS).contains(&w)
        && !ends_with_period(t)
        && !t.ends_with(['?', ':', ';', ','])
}

/// Whether a line starts like an item of a body list.
fn bulleted(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with(['-', '*', '\u{2022}', '\u{00B7}', '+'])
        || t.split_whitespace().next().is_some_and(|w| {
            w.len() <= 3
                && w.trim_end_matches(['.', ')'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
                && w != w.trim_end_matches(['.', ')'])
        })
}

/// A heading not in the cue table: short, not a sentence or a question, with
/// two related-links words ("Other stories from Wire").
fn loose_heading(table: &CueTable, line: &str) -> bool {
    let t = line.trim();
    let w = word_count(t);
    (2..=LOOSE_HEADING_WORDS).contains(&w)
        && !ends_with_period(t)
        && !t.ends_with('?')
        && table.related_words(t) >= 2
}

/// Least number of other documents' headlines (see [`links_to_others`])
/// that make a heading of the short line above them.
const LINKED_MIN_ITEMS: usize = 2;

/// Finds related-links blocks; see the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct RelatedDetector;

impl NoiseDetector for RelatedDetector {
    fn name(&self) -> &'static str {
        "related"
    }

    fn detect(&self, cx: &NoiseContext<'_>, out: &mut Vec<NoiseFlag>) {
        let table = CueTable::builtin();
        let pos = Positions::new(cx);
        let n = cx.lines.len();
        let cue_kind: Vec<Option<(NoiseKind, usize)>> = line_cues(cx)
            .iter()
            .map(|m| m.as_ref().map(|m| (m.kind(), m.star_words)))
            .collect();
        let link = links_to_others(cx, &pos);
        let furniture = |i: usize| cue_kind[i].is_some() || link[i] || is_repeated(cx, &pos, i);
        let blank = |i: usize| cx.lines[i].is_blank(cx.text);

        let mut i = 0;
        while i < n {
            let line = cx.lines[i].text(cx.text);
            let (heading, tail, min_items) = match cue_kind[i] {
                Some((NoiseKind::RelatedLinks, s)) if s <= HEADING_TAIL => (true, s, 0),
                None if pos.first_nonblank != Some(i) && loose_heading(table, line) => {
                    (false, 0, LOOSE_MIN_ITEMS)
                }
                None if pos.first_nonblank != Some(i) && bare_heading(line) => {
                    (false, 0, BARE_MIN_ITEMS)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            // Gather the candidate items: (index, blank line before it).
            let mut items: Vec<(usize, bool)> = Vec::new();
            let mut saw_blank = false;
            let mut j = i + 1;
            while j < n {
                if blank(j) {
                    saw_blank = true;
                    j += 1;
                    continue;
                }
                match cue_kind[j] {
                    Some((NoiseKind::RelatedLinks, _)) => {}
                    Some(_) => break,
                    None => {
                        if !link[j] && !headline_like(cx.lines[j].text(cx.text)) {
                            break;
                        }
                    }
                }
                items.push((j, saw_blank));
                saw_blank = false;
                j += 1;
            }
            // What follows the candidates: only furniture and blanks?
            let at_end = (j..n).all(|k| blank(k) || furniture(k));
            // Two or more other documents' headlines right under it make a
            // heading of any short line, wherever it stands.
            let run: Vec<usize> = items
                .iter()
                .map(|&(k, _)| k)
                .take_while(|&k| link[k] || cue_kind[k].is_some())
                .collect();
            if !heading && run.iter().filter(|&&k| link[k]).count() >= LINKED_MIN_ITEMS {
                let last = run.last().copied().unwrap_or(i);
                out.push(flag_lines(cx, i, last, NoiseKind::RelatedLinks));
                i = last + 1;
                continue;
            }
            if !heading {
                // A heading known by its vocabulary only: it must head a
                // list of headlines that ends the page.
                // Bare headings need a tight list: no blank lines, no bullets.
                let tight = if min_items == BARE_MIN_ITEMS {
                    items
                        .iter()
                        .all(|&(k, gap)| !gap && !bulleted(cx.lines[k].text(cx.text)))
                } else {
                    items.first().is_some_and(|x| !x.1)
                };
                if !at_end || items.len() < min_items || !tight {
                    i += 1;
                    continue;
                }
            }
            let mut last = i;
            for &(k, gap) in &items {
                // In mid-document only a list right under a plain heading
                // counts; "Read more: <headline>" is a link, not a heading.
                if !at_end && (gap || tail > 0) {
                    break;
                }
                last = k;
            }
            out.push(flag_lines(cx, i, last, NoiseKind::RelatedLinks));
            i = last + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::flagged_lines;

    #[test]
    fn trailing_block_is_flagged() {
        let text = "Headline of the story\n\nBody paragraph that is long enough to be a paragraph of the article.\nMore Stories\nA headline here\nAnother headline there\n";
        assert_eq!(flagged_lines(text, None), vec![4, 5, 6]);
    }

    #[test]
    fn block_with_blank_lines_before_furniture() {
        let text = "Title\n\nBody sentence one. Body sentence two is here.\n\nAltre notizie\nprimo titolo di un altro articolo\n\nsecondo titolo\n\nLascia un commento\n© Riproduzione riservata\n";
        assert_eq!(flagged_lines(text, None), vec![5, 6, 7, 8, 10, 11]);
    }

    #[test]
    fn mid_document_heading_keeps_section_heading() {
        let text = "Title\n\nBody paragraph one is long and ends with a period.\n\nRead more\n\nUS-China meeting in Rome on Monday\n\nAnother body paragraph, long enough, ending with a period.\n";
        assert_eq!(flagged_lines(text, None), vec![5]);
    }

    #[test]
    fn heading_known_by_vocabulary() {
        let text = "Title\n\nBody sentence one. Body sentence two.\n\nOther Stories From Wire\nFirst headline here\nSecond headline there\nThird one\n";
        assert_eq!(flagged_lines(text, None), vec![5, 6, 7, 8]);
        // A section heading with the same words inside the body stays.
        let text = "Title\n\nBody sentence one.\n\nLatest stories from the front line\n\nA long paragraph of the body that ends with a full stop.\n";
        assert!(flagged_lines(text, None).is_empty());
    }

    #[test]
    fn block_stops_at_paragraph() {
        let text = "Title\n\nBody.\n\nRelated Articles\nFirst headline\nSecond headline\n\nThe article goes on here with a long paragraph that ends in a full stop.\n";
        assert_eq!(flagged_lines(text, None), vec![5, 6, 7]);
    }
}
