//! Shapes of lines: word tokens after normalisation, headline-like lines,
//! sentence ends. Shared by the detectors.

use crate::script::is_unspaced;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// One word of a line, as the cue patterns see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Normalised form: NFKC, lower case, accents and typography folded,
    /// hyphens inside words dropped (`"E-Mail"` gives `"email"`).
    pub norm: String,
    /// The original word starts with an upper-case letter.
    pub cap: bool,
    /// The word is all digits.
    pub num: bool,
    /// Punctuation such as `, | - / : ( »` stands between this word and the
    /// previous one (or, for the first word, before it).
    pub sep_before: bool,
}

/// Folds a word for matching: [`crate::normalize::normalize`], then accents
/// removed.
pub fn fold(word: &str) -> String {
    if word.is_ascii() {
        // What normalisation does to ASCII: lower case, backquote to quote.
        return word
            .bytes()
            .filter(|&b| b != 0)
            .map(|b| match b {
                b'`' => '\'',
                b => b.to_ascii_lowercase() as char,
            })
            .collect();
    }
    let n = crate::normalize::normalize_text(word);
    n.nfd()
        .filter(|c| !is_combining_mark(*c) && *c != '\0')
        .collect()
}

fn is_sep(c: char) -> bool {
    matches!(
        c,
        ',' | '|' | '-' | '\u{2010}'
            ..='\u{2015}'
                | '/'
                | ':'
                | ';'
                | '('
                | ')'
                | '['
                | ']'
                | '\u{00B7}'
                | '\u{2022}'
                | '\u{00AB}'
                | '\u{00BB}'
                | '>'
                | '<'
                | '\u{203A}'
                | '\u{2039}'
                | '\u{2192}'
                | '\u{25B8}'
                | '\u{25BA}'
                | '\u{2502}'
                | '\u{FF5C}'
    )
}

/// Splits a line into word tokens. `©` and `(c)` become a token `"©"`;
/// other punctuation is dropped but remembered in [`Token::sep_before`].
pub fn tokenize(line: &str) -> Vec<Token> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cap = false;
    let mut sep = false;
    let flush = |cur: &mut String, cap: bool, sep: &mut bool, out: &mut Vec<Token>| {
        if !cur.is_empty() {
            let norm = fold(cur);
            let num = cur.chars().all(|c| c.is_ascii_digit());
            out.push(Token {
                norm,
                cap,
                num,
                sep_before: *sep,
            });
            *sep = false;
            cur.clear();
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_unspaced(c) {
            // Scripts without spaces: each character (with its marks) is a
            // token, so that cues match the start of a line ("相关阅读 *").
            flush(&mut cur, cap, &mut sep, &mut out);
            let mut j = i + 1;
            while j < chars.len() && is_combining_mark(chars[j]) {
                j += 1;
            }
            let piece: String = chars[i..j].iter().collect();
            out.push(Token {
                norm: fold(&piece),
                cap: false,
                num: false,
                sep_before: sep,
            });
            sep = false;
            i = j;
            continue;
        }
        if c.is_alphanumeric() {
            if cur.is_empty() {
                cap = c.is_uppercase();
            }
            cur.push(c);
        } else if matches!(c, '-' | '\u{2010}' | '\u{2011}')
            && !cur.is_empty()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
        {
            // A hyphen inside a word joins it: "e-mail", "E-Mail-Adresse".
        } else if c == '\u{00A9}'
            || (c == '('
                && cur.is_empty()
                && matches!(chars.get(i + 1), Some('c') | Some('C'))
                && chars.get(i + 2) == Some(&')'))
        {
            flush(&mut cur, cap, &mut sep, &mut out);
            out.push(Token {
                norm: "\u{00A9}".to_string(),
                cap: false,
                num: false,
                sep_before: sep,
            });
            sep = false;
            if c == '(' {
                i += 2;
            }
        } else {
            flush(&mut cur, cap, &mut sep, &mut out);
            if is_sep(c) {
                sep = true;
            }
        }
        i += 1;
    }
    flush(&mut cur, cap, &mut sep, &mut out);
    out
}

/// Number of tokens [`tokenize`] gives the line, counted without building them.
///
/// ```
/// use crossdup_text::noise::shape::{token_count, tokenize};
/// let line = "À lire aussi : Deine E-Mail-Adresse (c) 2024";
/// assert_eq!(token_count(line), tokenize(line).len());
/// ```
pub fn token_count(line: &str) -> usize {
    let mut n = 0;
    let mut in_word = false;
    let mut it = line.chars();
    while let Some(c) = it.next() {
        if is_unspaced(c) {
            n += usize::from(in_word) + 1;
            in_word = false;
            while it.clone().next().is_some_and(is_combining_mark) {
                it.next();
            }
        } else if c.is_alphanumeric() {
            in_word = true;
        } else if matches!(c, '-' | '\u{2010}' | '\u{2011}')
            && in_word
            && it.clone().next().is_some_and(|n| n.is_alphanumeric())
        {
            // A hyphen inside a word joins it.
        } else if c == '\u{00A9}'
            || (c == '('
                && !in_word
                && matches!(it.clone().next(), Some('c') | Some('C'))
                && it.clone().nth(1) == Some(')'))
        {
            n += usize::from(in_word) + 1;
            in_word = false;
            if c == '(' {
                it.next();
                it.next();
            }
        } else {
            n += usize::from(in_word);
            in_word = false;
        }
    }
    n + usize::from(in_word)
}

/// Number of words (runs of letters or digits) in a line.
pub fn word_count(line: &str) -> usize {
    line.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count()
}

/// Whether the line ends like a sentence: a full stop of any script that is
/// not an ellipsis (closing quotes and brackets after it are looked through).
pub fn ends_with_period(line: &str) -> bool {
    let t = line.trim_end().trim_end_matches([
        '"', '\'', '\u{201D}', '\u{2019}', '\u{00BB}', ')', ']', '*', ' ',
    ]);
    if t.ends_with("...") || t.ends_with('\u{2026}') {
        return false;
    }
    // The ideographic and full-width stops, the Devanagari and Bengali
    // danda, the Urdu full stop.
    t.ends_with([
        '.', '\u{3002}', '\u{FF0E}', '\u{FF61}', '\u{0964}', '\u{0965}', '\u{06D4}',
    ])
}

/// Whether the line holds a web address.
pub fn has_url(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.contains("http://") || l.contains("https://") || l.contains("www.")
}

/// Whether a line is indented like preformatted text (a tab or four spaces).
pub fn indented(line: &str) -> bool {
    line.starts_with('\t') || line.starts_with("    ")
}

/// Whether a line looks like another article's headline in a list of
/// links: 1 to 25 words, no sentence-final period, no colon or semicolon at
/// the end, no web address, not indented like preformatted text.
pub fn headline_like(line: &str) -> bool {
    if indented(line) {
        return false;
    }
    let t = line.trim();
    if t.is_empty() || t.len() > 240 {
        return false;
    }
    let w = word_count(t);
    if w == 0 || w > 25 {
        return false;
    }
    if ends_with_period(t) || t.ends_with(':') || t.ends_with(';') || t.ends_with(',') {
        return false;
    }
    if has_url(t) {
        return false;
    }
    // Several sentences in one line make a paragraph, not a headline.
    let stops = t.matches(". ").count();
    stops < 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general path of [`fold`], which the ASCII shortcut must agree with.
    fn fold_slow(word: &str) -> String {
        let n = crate::normalize::normalize(word).text;
        n.nfd()
            .filter(|c| !is_combining_mark(*c) && *c != '\0')
            .collect()
    }

    #[test]
    fn ascii_fold_agrees_with_normalisation() {
        for w in [
            "Hello",
            "E-MAIL",
            "a`b",
            "x\0y",
            "Tab\tZ",
            "ABC123",
            "~!@#$%^&*()_+{}|:<>?",
            "",
        ] {
            assert_eq!(fold(w), fold_slow(w), "{w:?}");
        }
        for b in 0u8..128 {
            let w = format!("A{}z", b as char);
            assert_eq!(fold(&w), fold_slow(&w), "{w:?}");
        }
        assert_eq!(fold("Città"), "citta");
    }

    #[test]
    fn tokens_fold_case_accents_hyphens() {
        let t = tokenize("À lire aussi : Deine E-Mail-Adresse (c) 2024");
        let n: Vec<&str> = t.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(
            n,
            [
                "a",
                "lire",
                "aussi",
                "deine",
                "emailadresse",
                "\u{00A9}",
                "2024"
            ]
        );
        assert!(t[0].cap && t[3].cap && !t[1].cap);
        assert!(t[3].sep_before && !t[1].sep_before);
        assert!(t[6].num);
    }

    #[test]
    fn token_count_agrees_with_tokenize() {
        let alphabet: Vec<char> = "aZé 1-(c)C©\u{2010}\u{2011},.|中ก\u{0E31}ア"
            .chars()
            .collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..400 {
            let mut s = String::new();
            for _ in 0..len % 40 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            assert_eq!(token_count(&s), tokenize(&s).len(), "{s:?}");
        }
    }

    #[test]
    fn periods_and_headlines() {
        assert!(ends_with_period("He said so."));
        assert!(ends_with_period("He said \u{201C}so.\u{201D}"));
        assert!(!ends_with_period("Wait for it..."));
        assert!(headline_like("collection of misc Go packages"));
        assert!(headline_like(
            "Wordle 359 – Struggling today? THREE CLUES | Games"
        ));
        assert!(!headline_like("This is a sentence."));
        assert!(!headline_like("See also: https://example.org/x"));
        assert!(!headline_like("The current tools are:"));
        assert!(!headline_like("       ls(1), cp(1)"));
    }
}
