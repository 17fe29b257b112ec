//! Writing systems: which script a letter belongs to, and which scripts are
//! written without spaces between words.
//!
//! Language identification starts from the script (a text in Hangul is
//! Korean, one in Thai is Thai), and the tokenizer segments the runs of
//! unspaced scripts into words with a dictionary.

/// A writing system, as far as crossdup tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Script {
    /// Latin letters (with every accent).
    Latin,
    /// Cyrillic.
    Cyrillic,
    /// Greek.
    Greek,
    /// Arabic (Arabic, Persian, Urdu).
    Arabic,
    /// Hebrew.
    Hebrew,
    /// Devanagari (Hindi).
    Devanagari,
    /// Bengali.
    Bengali,
    /// Tamil.
    Tamil,
    /// Thai.
    Thai,
    /// Lao, Khmer and Myanmar: written without spaces, like Thai.
    OtherSoutheastAsian,
    /// Hangul (Korean).
    Hangul,
    /// Hiragana and katakana (Japanese).
    Kana,
    /// Han ideographs (Chinese, and Japanese kanji).
    Han,
    /// Any other letter.
    Other,
}

impl Script {
    /// Every script, in a fixed order (the index of [`ScriptCensus`]).
    pub const ALL: [Script; 14] = [
        Script::Latin,
        Script::Cyrillic,
        Script::Greek,
        Script::Arabic,
        Script::Hebrew,
        Script::Devanagari,
        Script::Bengali,
        Script::Tamil,
        Script::Thai,
        Script::OtherSoutheastAsian,
        Script::Hangul,
        Script::Kana,
        Script::Han,
        Script::Other,
    ];

    /// The script of an alphabetic character (or of a combining mark, which
    /// takes its block's script); `None` for anything else.
    ///
    /// ```
    /// use crossdup_text::script::Script;
    /// assert_eq!(Script::of('ж'), Some(Script::Cyrillic));
    /// assert_eq!(Script::of('が'), Some(Script::Kana));
    /// assert_eq!(Script::of('7'), None);
    /// ```
    pub fn of(c: char) -> Option<Script> {
        let u = c as u32;
        let s = match u {
            0x41..=0x5A | 0x61..=0x7A => Script::Latin,
            0..=0x7F => return None,
            0xC0..=0x24F
            | 0x1E00..=0x1EFF
            | 0x2C60..=0x2C7F
            | 0xA720..=0xA7FF
            | 0xFF21..=0xFF3A
            | 0xFF41..=0xFF5A => Script::Latin,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
            0x590..=0x5FF | 0xFB1D..=0xFB4F => Script::Hebrew,
            0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                Script::Arabic
            }
            0x900..=0x97F | 0xA8E0..=0xA8FF => Script::Devanagari,
            0x980..=0x9FF => Script::Bengali,
            0xB80..=0xBFF => Script::Tamil,
            0xE00..=0xE7F => Script::Thai,
            0xE80..=0xEFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x19E0..=0x19FF => {
                Script::OtherSoutheastAsian
            }
            0x1100..=0x11FF
            | 0x3130..=0x318F
            | 0xA960..=0xA97F
            | 0xAC00..=0xD7AF
            | 0xD7B0..=0xD7FF
            | 0xFFA0..=0xFFDC => Script::Hangul,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
            0x2E80..=0x2FDF
            | 0x3005
            | 0x3007
            | 0x3021..=0x3029
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0x20000..=0x3FFFF => Script::Han,
            _ if c.is_alphabetic() => Script::Other,
            _ => return None,
        };
        // Punctuation and digits inside the blocks above are not letters.
        if c.is_alphabetic() || unicode_normalization::char::is_combining_mark(c) {
            Some(s)
        } else {
            None
        }
    }

    /// Whether the script is written without spaces between words, so that
    /// words must be found with a dictionary (Chinese, Japanese, Thai, Lao,
    /// Khmer, Myanmar).
    pub fn is_unspaced(self) -> bool {
        matches!(
            self,
            Script::Han | Script::Kana | Script::Thai | Script::OtherSoutheastAsian
        )
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Whether `c` belongs to a script written without spaces between words.
///
/// ```
/// use crossdup_text::script::is_unspaced;
/// assert!(is_unspaced('中') && is_unspaced('ก') && is_unspaced('ア'));
/// assert!(!is_unspaced('a') && !is_unspaced('한') && !is_unspaced('。'));
/// ```
pub fn is_unspaced(c: char) -> bool {
    (c as u32) >= 0xE00 && Script::of(c).is_some_and(Script::is_unspaced)
}

/// How many letters of each script a text holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptCensus {
    counts: [usize; 14],
}

impl ScriptCensus {
    /// Counts the letters of `text` by script.
    ///
    /// ```
    /// use crossdup_text::script::{Script, ScriptCensus};
    /// let c = ScriptCensus::of("Путин met 习近平");
    /// assert_eq!(c.count(Script::Cyrillic), 5);
    /// assert_eq!(c.count(Script::Han), 3);
    /// assert_eq!(c.count(Script::Latin), 3);
    /// ```
    pub fn of(text: &str) -> ScriptCensus {
        let mut c = ScriptCensus::default();
        for ch in text.chars() {
            if let Some(s) = Script::of(ch) {
                c.counts[s.index()] += 1;
            }
        }
        c
    }

    /// Letters of script `s`.
    pub fn count(&self, s: Script) -> usize {
        self.counts[s.index()]
    }

    /// All letters counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The script carrying most of the text, if any letter was found. An
    /// ideograph, a kana or a Hangul syllable counts as much as three
    /// alphabetic letters (about a word's worth), so a Japanese text full of
    /// English product names is still Japanese.
    pub fn dominant(&self) -> Option<Script> {
        let weight = |s: Script| {
            let n = self.count(s);
            match s {
                Script::Han | Script::Kana | Script::Hangul => 3 * n,
                _ => n,
            }
        };
        // The CJK scripts compete as one: Japanese mixes kanji and kana.
        let cjk = weight(Script::Han) + weight(Script::Kana);
        let mut best: Option<(Script, usize)> = None;
        for s in Script::ALL {
            if matches!(s, Script::Latin | Script::Han | Script::Kana) {
                continue;
            }
            let w = weight(s);
            if w > 0 && best.is_none_or(|(_, b)| w > b) {
                best = Some((s, w));
            }
        }
        if cjk > 0 && best.is_none_or(|(_, b)| cjk > b) {
            // Japanese shows itself by its kana; a text of ideographs alone
            // is Chinese.
            let kana = self.count(Script::Kana);
            let han = self.count(Script::Han);
            let s = if kana * 10 >= han + kana || (han == 0 && kana > 0) {
                Script::Kana
            } else {
                Script::Han
            };
            best = Some((s, cjk));
        }
        // Latin letters count a fifth against another script's.
        let latin = weight(Script::Latin);
        match best {
            Some((s, w)) if w * OVER_LATIN >= latin => Some(s),
            _ if latin > 0 => Some(Script::Latin),
            _ => best.map(|(s, _)| s),
        }
    }
}

/// A script other than Latin whose weight is at least this share of the
/// Latin letters' is the text's: Latin words (names, commands, product
/// names, lists of them) stand in text of every script, while a Russian
/// or Japanese passage in an English article is rare and short.
const OVER_LATIN: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_of_the_news_languages_is_told() {
        let cases = [
            ("Ελλάδα", Script::Greek),
            ("العربية", Script::Arabic),
            ("فارسی", Script::Arabic),
            ("עברית", Script::Hebrew),
            ("हिन्दी", Script::Devanagari),
            ("বাংলা", Script::Bengali),
            ("தமிழ்", Script::Tamil),
            ("ภาษาไทย", Script::Thai),
            ("한국어", Script::Hangul),
            ("ひらがなカタカナ", Script::Kana),
            ("中文", Script::Han),
            ("Tiếng Việt", Script::Latin),
            ("Українська", Script::Cyrillic),
        ];
        for (t, s) in cases {
            assert_eq!(ScriptCensus::of(t).dominant(), Some(s), "{t}");
        }
        assert_eq!(ScriptCensus::of("123 !?").dominant(), None);
    }

    #[test]
    fn japanese_with_english_names_is_japanese() {
        let t = "Firefox と Thunderbird の設定を変更します";
        assert_eq!(ScriptCensus::of(t).dominant(), Some(Script::Kana));
        let t = "软件包 libfoo 提供了 Python 绑定";
        assert_eq!(ScriptCensus::of(t).dominant(), Some(Script::Han));
    }
}
