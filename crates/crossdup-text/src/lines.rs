//! Lines of a document, with byte spans and 1-based numbers.

use serde::Serialize;

/// One line of a document: its 1-based number and the byte span of its
/// content (without the line terminator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    /// 1-based line number.
    pub number: u32,
    /// Byte offset of the first byte of the line.
    pub start: usize,
    /// Byte offset just past the line's content (before `\r\n` or `\n`).
    pub end: usize,
}

impl Line {
    /// The line's content in `text`.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }

    /// Whether the line has only whitespace.
    pub fn is_blank(&self, text: &str) -> bool {
        self.text(text).trim().is_empty()
    }
}

/// Splits `text` into lines (`\n` or `\r\n` terminated; a last line without a
/// terminator counts too).
///
/// ```
/// use crossdup_text::lines::split_lines;
/// let l = split_lines("a\r\nbc\n\nd");
/// assert_eq!(l.len(), 4);
/// assert_eq!((l[1].number, l[1].start, l[1].end), (2, 3, 5));
/// ```
pub fn split_lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut number = 1u32;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        let mut end = nl;
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        out.push(Line { number, start, end });
        number += 1;
        start = nl + 1;
    }
    if start < text.len() {
        out.push(Line {
            number,
            start,
            end: text.len(),
        });
    }
    out
}

/// Maps byte offsets to 1-based line numbers.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Builds the index for `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// The 1-based line that holds byte `offset`.
    pub fn line_of(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }
}
