//! Duplicated headline: the document's first line appearing again later
//! (equal after normalisation, or equal once a " - Site" or " | Site" suffix
//! is dropped from either). A repeat ending in a colon introduces a list
//! and is body.

use super::cues::Positions;
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
    fn title_with_site_suffix() {
        let text = "Some Long Headline Here - Wire\n\nBody.\n\nSome long headline here\n";
        assert_eq!(flagged_lines(text, None), vec![5]);
    }
}
