//! Duplicated headline: the document's first line appearing again later
//! (equal after normalisation, or equal once a " - Site" or " | Site" suffix
//! is dropped from either). A repeat ending in a colon introduces a list
//! and is body.
//!
//! Headline of another document: a line that is the first line of another
//! document of the collection is a link to it, as related-links blocks and
//! "Read also" lines are. Taken alone it might be a copy quoting the
//! original's headline, so it is flagged when it stands beside another such
//! line or beside other furniture, or when only such lines and furniture
//! follow it to the end of the page.

use super::cues::{line_cues, Positions};
use super::repeated::is_repeated;
use super::shape::word_count;
use super::{flag_lines, LineStats, NoiseContext, NoiseDetector, NoiseFlag, NoiseKind};

/// Flags repeats of the first line; see the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeadlineDetector;

fn keys(line: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let t = line.trim();
    out.extend(LineStats::line_key(t));
    for sep in [" - ", " | ", " \u{2013} ", " \u{2014} "] {
        if let Some(p) = t.rfind(sep) {
            let head = &t[..p];
            if word_count(head) >= 3 {
                out.extend(LineStats::line_key(head));
            }
        }
    }
    out
}

/// Least words of a line taken for another document's headline, or least
/// letters and digits in scripts written without spaces.
const LINK_MIN_WORDS: usize = 3;
const LINK_MIN_CHARS: usize = 10;
/// Most words of such a line.
const LINK_MAX_WORDS: usize = 40;

/// Which lines of the document are the headline (first line with words) of
/// another document of the collection; all false without statistics.
pub fn links_to_others(cx: &NoiseContext<'_>, pos: &Positions) -> Vec<bool> {
    let mut out = vec![false; cx.lines.len()];
    let Some(stats) = cx.stats else {
        return out;
    };
    let own = cx
        .lines
        .iter()
        .find_map(|l| LineStats::line_key(l.text(cx.text)));
    for (i, slot) in out.iter_mut().enumerate() {
        if pos.first_nonblank == Some(i) {
            continue;
        }
        let t = cx.lines[i].text(cx.text).trim();
        if t.is_empty() || t.ends_with(':') {
            continue;
        }
        let words = word_count(t);
        let chars = t.chars().filter(|c| c.is_alphanumeric()).count();
        if words > LINK_MAX_WORDS || (words < LINK_MIN_WORDS && chars < LINK_MIN_CHARS) {
            continue;
        }
        let Some(key) = LineStats::line_key(t) else {
            continue;
        };
        let mine = u32::from(own == Some(key));
        *slot = stats.headline_count(t) > mine;
    }
    out
}

/// Flags lines that are other documents' headlines; see the module
/// documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkDetector;

impl NoiseDetector for LinkDetector {
    fn name(&self) -> &'static str {
        "link"
    }

    fn detect(&self, cx: &NoiseContext<'_>, out: &mut Vec<NoiseFlag>) {
        if cx.stats.is_none() {
            return;
        }
        let pos = Positions::new(cx);
        let link = links_to_others(cx, &pos);
        if !link.contains(&true) {
            return;
        }
        let cues = line_cues(cx);
        let furniture = |i: usize| cues[i].is_some() || is_repeated(cx, &pos, i);
        let nonblank: Vec<usize> = (0..cx.lines.len())
            .filter(|&i| !cx.lines[i].is_blank(cx.text))
            .collect();
        // From the end: whether only links and furniture follow.
        let mut tail = vec![false; nonblank.len() + 1];
        tail[nonblank.len()] = true;
        for r in (0..nonblank.len()).rev() {
            let i = nonblank[r];
            tail[r] = tail[r + 1] && (link[i] || furniture(i));
        }
        for (r, &i) in nonblank.iter().enumerate() {
            if !link[i] {
                continue;
            }
            let beside = |j: usize| link[j] || furniture(j);
            let prev = r.checked_sub(1).map(|q| nonblank[q]);
            let next = nonblank.get(r + 1).copied();
            if prev.is_some_and(beside) || next.is_some_and(beside) || tail[r + 1] {
                out.push(flag_lines(cx, i, i, NoiseKind::RelatedLinks));
            }
        }
    }
}

impl NoiseDetector for HeadlineDetector {
    fn name(&self) -> &'static str {
        "headline"
    }

    fn detect(&self, cx: &NoiseContext<'_>, out: &mut Vec<NoiseFlag>) {
        let pos = Positions::new(cx);
        let Some(first) = pos.first_nonblank else {
            return;
        };
        let title = cx.lines[first].text(cx.text);
        if word_count(title) < 3 {
            return;
        }
        let tk = keys(title);
        if tk.is_empty() {
            return;
        }
        for i in first + 1..cx.lines.len() {
            let t = cx.lines[i].text(cx.text);
            // A heading that introduces a list is body even if it repeats the title.
            if t.trim().is_empty() || t.trim_end().ends_with(':') {
                continue;
            }
            if keys(t).iter().any(|k| tk.contains(k)) {
                out.push(flag_lines(cx, i, i, NoiseKind::DuplicateHeadline));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::flagged_lines;

    #[test]
    fn repeated_title_is_flagged() {
        let text = "Russia Asked China for Aid, Officials Say\n\nRussia asked China for aid, officials say\n\nBody text here, long enough.\n";
        assert_eq!(flagged_lines(text, None), vec![3]);
    }

    #[test]
    fn other_documents_headlines_are_links() {
        use super::super::LineStats;
        let mut stats = LineStats::new();
        let heads = [
            "Parliament passes the budget after a long night",
            "Floods close three schools in the valley",
            "The central bank holds its rate again",
        ];
        for h in heads {
            stats.add_document(&format!("{h}\n\nSome body text of that article.\n"));
        }
        let page = format!(
            "Tram line wins the council vote\n\nThe council voted for the tram line.\n\n{}\n{}\n\nThe work starts in May, the mayor said.\n",
            heads[0], heads[1]
        );
        stats.add_document(&page);
        // Two headlines of other documents side by side: links.
        assert_eq!(flagged_lines(&page, Some(&stats)), vec![5, 6]);
        // One alone in the body may be a quotation of the original: kept.
        let quoting = format!(
            "Copy of the bank story\n\n{}\n\nThe bank held its rate, it said on Monday.\n",
            heads[2]
        );
        assert!(flagged_lines(&quoting, Some(&stats)).is_empty());
        // At the end of the page, alone, it is a link.
        let trailing = format!(
            "Another story\n\nA paragraph of the story, ending in a full stop.\n\n{}\n",
            heads[2]
        );
        assert_eq!(flagged_lines(&trailing, Some(&stats)), vec![5]);
    }

    #[test]
    fn title_with_site_suffix() {
        let text = "Some Long Headline Here - Wire\n\nBody.\n\nSome long headline here\n";
        assert_eq!(flagged_lines(text, None), vec![5]);
    }
}
