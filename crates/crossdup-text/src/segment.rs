//! Sentence segmentation with byte spans into the original text.
//!
//! Every line break ends a sentence (news pages put headlines, captions and
//! paragraphs on lines of their own). Within a line, a sentence ends at `.`,
//! `!`, `?` or `…` (with any closing quotes or brackets) followed by space and
//! something that can start a sentence, unless the period belongs to an
//! abbreviation, an initial, an acronym such as `U.S.` or an ordinal. Each
//! script's own marks end sentences too: the Arabic `؟` and Urdu `۔`, the
//! Devanagari danda `।`, the Greek question mark `;` (in Greek text), and
//! the full-width `。！？` of Chinese and Japanese, which need no space after
//! them. In scripts without letter case any letter may start a sentence.

use std::sync::OnceLock;

use rustc_hash::FxHashSet;

use crate::lang::Lang;
use crate::lines::Line;

/// A span of text: a sentence or a token, in bytes of the original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

fn abbrev_data(lang: Lang) -> &'static str {
    match lang {
        Lang::En => include_str!("../../../data/abbrev/en.txt"),
        Lang::It => include_str!("../../../data/abbrev/it.txt"),
        Lang::De => include_str!("../../../data/abbrev/de.txt"),
        Lang::Fr => include_str!("../../../data/abbrev/fr.txt"),
        Lang::Es => include_str!("../../../data/abbrev/es.txt"),
        Lang::Pt => include_str!("../../../data/abbrev/pt.txt"),
        Lang::Nl => include_str!("../../../data/abbrev/nl.txt"),
        _ => "",
    }
}

fn abbreviations(lang: Lang) -> &'static FxHashSet<String> {
    static SETS: OnceLock<Vec<FxHashSet<String>>> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        Lang::ALL
            .iter()
            .map(|&l| {
                let mut set: FxHashSet<String> = FxHashSet::default();
                // English abbreviations (Mr., U.S.) occur in every language's news.
                for src in [abbrev_data(l), abbrev_data(Lang::En)] {
                    for line in src.lines() {
                        let w = line.trim();
                        if !w.is_empty() && !w.starts_with('#') {
                            set.insert(w.to_lowercase());
                        }
                    }
                }
                set
            })
            .collect()
    });
    let i = Lang::ALL.iter().position(|&l| l == lang).unwrap_or(0);
    &sets[i]
}

fn is_closing(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | ')'
            | ']'
            | '}'
            | '»'
            | '›'
            | '”'
            | '’'
            | '“'
            | '«'
            | '‘'
            | '」'
            | '』'
            | '）'
            | '】'
            | '》'
            | '〉'
            | '〕'
    )
}

fn is_opening(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '('
            | '['
            | '«'
            | '‹'
            | '“'
            | '‘'
            | '„'
            | '¿'
            | '¡'
            | '-'
            | '—'
            | '–'
            | '「'
            | '『'
            | '（'
            | '【'
            | '《'
            | '〈'
            | '〔'
    )
}

/// Words that, capitalised after an acronym's period, show a new sentence.
/// Full-width sentence ends of Chinese and Japanese: a sentence ends there
/// whatever follows.
fn is_wide_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '｡' | '．')
}

/// Sentence ends that need a space after them.
fn is_terminator(c: char, lang: Lang) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | '…' | '؟' | '۔' | '।' | '॥' | '‼' | '⁇' | '\u{037E}'
    ) || (c == ';' && lang == Lang::El)
}

/// Whether a sentence may start with `c`: an upper-case letter, a digit, an
/// opening quote or bracket, or a letter of a script without case.
fn may_start_sentence(c: char) -> bool {
    c.is_uppercase() || c.is_numeric() || is_opening(c) || (c.is_alphabetic() && !c.is_lowercase())
}

fn starts_sentence_after_acronym(word: &str) -> bool {
    matches!(
        word,
        "The"
            | "A"
            | "An"
            | "In"
            | "It"
            | "He"
            | "She"
            | "They"
            | "We"
            | "But"
            | "And"
            | "This"
            | "That"
            | "There"
            | "Il"
            | "La"
            | "Le"
            | "Lo"
            | "Gli"
            | "I"
            | "Der"
            | "Die"
            | "Das"
            | "El"
            | "Los"
            | "Las"
            | "Les"
            | "Un"
            | "Una"
            | "Ma"
            | "Mais"
            | "Pero"
            | "Aber"
    )
}

/// Splits each non-blank line of `text` into sentences.
///
/// ```
/// use crossdup_text::{lang::Lang, lines::split_lines, segment::sentences};
/// let text = "Mr. Xi met U.S. officials on Feb. 4. They spoke of 5.000 troops.\nHeadline";
/// let s: Vec<&str> = sentences(text, &split_lines(text), Lang::En)
///     .iter().map(|s| &text[s.start..s.end]).collect();
/// assert_eq!(s, ["Mr. Xi met U.S. officials on Feb. 4.", "They spoke of 5.000 troops.", "Headline"]);
/// ```
pub fn sentences(text: &str, lines: &[Line], lang: Lang) -> Vec<Span> {
    let mut out = Vec::new();
    for line in lines {
        split_line(text, line.start, line.end, lang, &mut out);
    }
    out
}

/// Splits the single line `text[start..end]` into sentences, appending to `out`.
pub fn split_line(text: &str, start: usize, end: usize, lang: Lang, out: &mut Vec<Span>) {
    crate::util::with_char_indices(&text[start..end], |chars| {
        split_chars(text, start, end, lang, out, chars)
    })
}

/// [`split_line`], given the line's `char_indices`.
fn split_chars(
    text: &str,
    start: usize,
    end: usize,
    lang: Lang,
    out: &mut Vec<Span>,
    chars: &[(usize, char)],
) {
    let abbr = abbreviations(lang);
    let line = &text[start..end];
    let mut sent_start = 0usize; // index into line
    let mut i = 0usize;
    while i < chars.len() {
        let (pos, c) = chars[i];
        let wide = is_wide_terminator(c);
        if !wide && !is_terminator(c, lang) {
            i += 1;
            continue;
        }
        // Extend over runs of terminators and closing punctuation.
        let mut j = i + 1;
        while j < chars.len()
            && (is_terminator(chars[j].1, lang)
                || is_wide_terminator(chars[j].1)
                || is_closing(chars[j].1))
        {
            j += 1;
        }
        if wide {
            let mut k = j;
            while k < chars.len() && chars[k].1.is_whitespace() {
                k += 1;
            }
            if k >= chars.len() {
                break;
            }
            let end_pos = if j < chars.len() {
                chars[j].0
            } else {
                line.len()
            };
            push_trimmed(text, start + chars[sent_start].0, start + end_pos, out);
            sent_start = k;
            i = k;
            continue;
        }
        // Need whitespace next (or the end of the line).
        if j < chars.len() && !chars[j].1.is_whitespace() {
            i = j;
            continue;
        }
        let mut k = j;
        while k < chars.len() && chars[k].1.is_whitespace() {
            k += 1;
        }
        if k >= chars.len() {
            break; // end of line ends the sentence anyway
        }
        let next = chars[k].1;
        let mut boundary = may_start_sentence(next);
        if boundary && c == '.' && j == i + 1 {
            // The word before the period.
            let mut w0 = i;
            while w0 > 0 && !chars[w0 - 1].1.is_whitespace() && !is_opening(chars[w0 - 1].1) {
                w0 -= 1;
            }
            let word = &line[chars[w0].0..pos];
            let lower = word.to_lowercase();
            let letters = word.chars().filter(|c| c.is_alphabetic()).count();
            let next_word: String = chars[k..]
                .iter()
                .map(|&(_, c)| c)
                .take_while(|c| c.is_alphanumeric())
                .collect();
            let dotted = word.contains('.')
                && word.split('.').all(|p| p.chars().count() <= 2)
                && letters > 0;
            if dotted {
                // A dotted acronym (U.S., C.I.A.): a boundary only before a typical sentence opener.
                boundary = starts_sentence_after_acronym(&next_word);
            } else if abbr.contains(&lower) {
                boundary = false;
            } else if letters == 1
                && word.chars().count() == 1
                && word.chars().all(|c| c.is_uppercase())
            {
                // An initial: "George W. Bush", "J. R. R. Tolkien".
                boundary = false;
            } else if lang == Lang::De
                && !word.is_empty()
                && word.len() <= 2
                && word.chars().all(|c| c.is_ascii_digit())
            {
                // German ordinals: "am 3. März".
                boundary = false;
            }
        }
        if boundary {
            let end_pos = if j < chars.len() {
                chars[j].0
            } else {
                line.len()
            };
            push_trimmed(text, start + chars[sent_start].0, start + end_pos, out);
            sent_start = k;
            i = k;
        } else {
            i = j.max(i + 1);
        }
    }
    if sent_start < chars.len() {
        push_trimmed(text, start + chars[sent_start].0, end, out);
    }
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead + trail < s.len() {
        out.push(Span {
            start: start + lead,
            end: end - trail,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::split_lines;

    fn seg(text: &str, lang: Lang) -> Vec<&str> {
        sentences(text, &split_lines(text), lang)
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect()
    }

    #[test]
    fn splits_on_terminators_and_lines() {
        assert_eq!(
            seg("One here. Two there! Three?\n\nFour", Lang::En),
            ["One here.", "Two there!", "Three?", "Four"]
        );
    }

    #[test]
    fn keeps_quotes_with_their_sentence() {
        assert_eq!(
            seg(
                "“No,” Peskov said. “Russia has its own potential.” Then he left.",
                Lang::En
            ),
            [
                "“No,” Peskov said.",
                "“Russia has its own potential.”",
                "Then he left."
            ]
        );
    }

    #[test]
    fn abbreviations_initials_and_numbers() {
        assert_eq!(
            seg(
                "William J. Burns, the C.I.A. director, spoke. Il dott. Rossi ha 5.000 euro. Fine.",
                Lang::It
            ),
            [
                "William J. Burns, the C.I.A. director, spoke.",
                "Il dott. Rossi ha 5.000 euro.",
                "Fine."
            ]
        );
        assert_eq!(
            seg("Er kam am 3. März. Dann ging er.", Lang::De),
            ["Er kam am 3. März.", "Dann ging er."]
        );
        assert_eq!(
            seg("It grew in the U.S. The end.", Lang::En),
            ["It grew in the U.S.", "The end."]
        );
        assert_eq!(
            seg("Version 2.5 is out. Get it.", Lang::En),
            ["Version 2.5 is out.", "Get it."]
        );
    }

    #[test]
    fn lower_case_after_period_does_not_split() {
        assert_eq!(seg("See fig. and more e.g. this one.", Lang::En).len(), 1);
        assert_eq!(seg("Ha detto ... poi è andato.", Lang::It).len(), 1);
    }

    #[test]
    fn every_script_has_its_sentence_ends() {
        assert_eq!(
            seg(
                "東京で会議が開かれた。首相は「賛成だ」と述べた。次へ",
                Lang::Ja
            ),
            [
                "東京で会議が開かれた。",
                "首相は「賛成だ」と述べた。",
                "次へ"
            ]
        );
        assert_eq!(
            seg("他说：“好！”我们走吧？好的。", Lang::Zh),
            ["他说：“好！”", "我们走吧？", "好的。"]
        );
        assert_eq!(
            seg("सरकार ने घोषणा की। नया नियम लागू होगा।", Lang::Hi),
            ["सरकार ने घोषणा की।", "नया नियम लागू होगा।"]
        );
        assert_eq!(
            seg("هل انتهت الحرب؟ قال الوزير إنها لم تنته.", Lang::Ar),
            ["هل انتهت الحرب؟", "قال الوزير إنها لم تنته."]
        );
        assert_eq!(
            seg("Τι έγινε; Ο υπουργός μίλησε.", Lang::El),
            ["Τι έγινε;", "Ο υπουργός μίλησε."]
        );
        // A semicolon is a question mark in Greek only.
        assert_eq!(seg("One; Two.", Lang::En).len(), 1);
        assert_eq!(
            seg("Президент заявил. Войска отошли.", Lang::Ru),
            ["Президент заявил.", "Войска отошли."]
        );
    }

    #[test]
    fn french_and_spanish() {
        assert_eq!(
            seg(
                "M. Dupont est venu. « Non », a-t-il dit. ¿Qué pasa? Nada.",
                Lang::Fr
            ),
            [
                "M. Dupont est venu.",
                "« Non », a-t-il dit.",
                "¿Qué pasa?",
                "Nada."
            ]
        );
    }
}
