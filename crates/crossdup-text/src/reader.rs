//! Reading documents from files, folders, JSON Lines and standard input.
//!
//! Inputs that cannot be used (invalid UTF-8, binary data, empty files,
//! unreadable paths, malformed JSON lines) are skipped with a [`Skip`] record
//! that says why; reading never panics on bad input.

use std::fs;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

use crate::document::Document;

/// Why an input was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The file could not be read.
    Unreadable(String),
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// The file looks binary (NUL bytes or many control characters).
    Binary,
    /// Nothing but whitespace.
    Empty,
    /// A JSON Lines record that is not a usable document.
    BadRecord(String),
    /// Larger than the configured limit.
    TooLarge(u64),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Unreadable(e) => write!(f, "unreadable: {e}"),
            SkipReason::InvalidUtf8 => write!(f, "not valid UTF-8"),
            SkipReason::Binary => write!(f, "binary data"),
            SkipReason::Empty => write!(f, "empty"),
            SkipReason::BadRecord(e) => write!(f, "bad JSON Lines record: {e}"),
            SkipReason::TooLarge(n) => write!(f, "too large ({n} bytes)"),
        }
    }
}

/// An input that was skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// The path (and line, for JSON Lines) of the input.
    pub what: String,
    /// The reason.
    pub reason: SkipReason,
}

/// Options for reading inputs.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// File name extensions read from folders (without the dot).
    pub extensions: Vec<String>,
    /// Files larger than this are skipped.
    pub max_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            extensions: vec!["txt".into(), "md".into()],
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Documents read, and inputs skipped.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Usable documents, in a stable order (sorted paths within a folder).
    pub documents: Vec<Document>,
    /// Skipped inputs with reasons.
    pub skipped: Vec<Skip>,
}

/// Checks raw bytes and turns them into text, or says why not.
pub fn decode(bytes: Vec<u8>) -> Result<String, SkipReason> {
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.contains(&0) {
        return Err(SkipReason::Binary);
    }
    let text = String::from_utf8(bytes).map_err(|_| SkipReason::InvalidUtf8)?;
    // A byte-order mark stays in the text so that byte offsets match the file;
    // normalisation drops it.
    let controls = text
        .chars()
        .take(8192)
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if controls * 20 > text.len().min(8192) {
        return Err(SkipReason::Binary);
    }
    if text.trim().is_empty() {
        return Err(SkipReason::Empty);
    }
    Ok(text)
}

/// Reads every input path: a folder (recursively, files with the configured
/// extensions, ids relative to the folder), a `.jsonl`/`.ndjson` file (one
/// document per line), `-` for standard input (JSON Lines if it looks like it,
/// otherwise one document with id `-`), or a single file (id = its file name).
pub fn read_inputs<P: AsRef<Path>>(paths: &[P], opts: &ReadOptions) -> ReadOutcome {
    let mut out = ReadOutcome::default();
    for p in paths {
        let p = p.as_ref();
        if p == Path::new("-") {
            read_stdin(&mut out);
        } else if p.is_dir() {
            read_folder(p, opts, &mut out);
        } else if is_jsonl(p) {
            match fs::File::open(p) {
                Ok(f) => read_jsonl(io::BufReader::new(f), &p.display().to_string(), &mut out),
                Err(e) => out.skipped.push(Skip {
                    what: p.display().to_string(),
                    reason: SkipReason::Unreadable(e.to_string()),
                }),
            }
        } else {
            let id = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string());
            read_file(p, id, opts, &mut out);
        }
    }
    out
}

fn is_jsonl(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("jsonl") | Some("ndjson")
    )
}

/// Lists the files below `root` that [`read_inputs`] would read, sorted, with
/// their ids.
pub fn list_folder(
    root: &Path,
    opts: &ReadOptions,
    skipped: &mut Vec<Skip>,
) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                skipped.push(Skip {
                    what: dir.display().to_string(),
                    reason: SkipReason::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let ft = match entry.file_type() {
                Ok(t) => t,
                Err(_) => continue,
            };
            if ft.is_dir() || (ft.is_symlink() && path.is_dir()) {
                if !entry.file_name().to_string_lossy().starts_with('.') {
                    stack.push(path);
                }
            } else {
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if opts.extensions.iter().any(|x| x.eq_ignore_ascii_case(ext)) {
                    let rel = path.strip_prefix(root).unwrap_or(&path);
                    let id = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/");
                    files.push((path, id));
                }
            }
        }
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    files
}

fn read_folder(root: &Path, opts: &ReadOptions, out: &mut ReadOutcome) {
    use rayon::prelude::*;
    let files = list_folder(root, opts, &mut out.skipped);
    // Files are read on every worker thread (small files cost system calls
    // more than bytes), and kept in the sorted order of their ids.
    let read: Vec<Result<Document, Skip>> = files
        .into_par_iter()
        .map(|(path, id)| {
            load_file(&path, opts)
                .map(|text| Document::new(id, text))
                .map_err(|reason| Skip {
                    what: path.display().to_string(),
                    reason,
                })
        })
        .collect();
    for r in read {
        match r {
            Ok(d) => out.documents.push(d),
            Err(s) => out.skipped.push(s),
        }
    }
}

/// Reads one file as one document.
pub fn read_file(path: &Path, id: String, opts: &ReadOptions, out: &mut ReadOutcome) {
    match load_file(path, opts) {
        Ok(text) => out.documents.push(Document::new(id, text)),
        Err(reason) => out.skipped.push(Skip {
            what: path.display().to_string(),
            reason,
        }),
    }
}

/// Reads and checks one file's text.
pub fn load_file(path: &Path, opts: &ReadOptions) -> Result<String, SkipReason> {
    let meta = fs::metadata(path).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
    if meta.len() > opts.max_bytes {
        return Err(SkipReason::TooLarge(meta.len()));
    }
    let bytes = fs::read(path).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
    decode(bytes)
}

/// Reads JSON Lines records `{"id","text","lang"?,"source"?,"published"?}`.
pub fn read_jsonl<R: BufRead>(reader: R, name: &str, out: &mut ReadOutcome) {
    for (n, line) in reader.split(b'\n').enumerate() {
        let what = format!("{name}:{}", n + 1);
        let bytes = match line {
            Ok(b) => b,
            Err(e) => {
                out.skipped.push(Skip {
                    what,
                    reason: SkipReason::Unreadable(e.to_string()),
                });
                break;
            }
        };
        let Ok(line) = String::from_utf8(bytes) else {
            out.skipped.push(Skip {
                what,
                reason: SkipReason::InvalidUtf8,
            });
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        match parse_record(&line) {
            Ok(doc) => out.documents.push(doc),
            Err(reason) => out.skipped.push(Skip { what, reason }),
        }
    }
}

/// Parses one JSON Lines record into a document.
pub fn parse_record(line: &str) -> Result<Document, SkipReason> {
    let doc: Document =
        serde_json::from_str(line).map_err(|e| SkipReason::BadRecord(e.to_string()))?;
    if doc.id.is_empty() {
        return Err(SkipReason::BadRecord("missing \"id\"".into()));
    }
    if doc.text.trim().is_empty() {
        return Err(SkipReason::Empty);
    }
    Ok(doc)
}

fn read_stdin(out: &mut ReadOutcome) {
    let mut bytes = Vec::new();
    if let Err(e) = io::stdin().lock().read_to_end(&mut bytes) {
        out.skipped.push(Skip {
            what: "-".into(),
            reason: SkipReason::Unreadable(e.to_string()),
        });
        return;
    }
    let looks_jsonl = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if looks_jsonl {
        read_jsonl(io::Cursor::new(bytes), "-", out);
    } else {
        match decode(bytes) {
            Ok(text) => out.documents.push(Document::new("-", text)),
            Err(reason) => out.skipped.push(Skip {
                what: "-".into(),
                reason,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_ids_are_relative_and_bad_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("it")).unwrap();
        fs::write(dir.path().join("it/a.txt"), "Ciao mondo.").unwrap();
        fs::write(dir.path().join("b.md"), "Hello.").unwrap();
        fs::write(dir.path().join("bin.txt"), [0u8, 1, 2, 3, 255]).unwrap();
        fs::write(dir.path().join("bad.txt"), [b'a', 0xff, 0xfe, b'b']).unwrap();
        fs::write(dir.path().join("empty.txt"), "  \n").unwrap();
        fs::write(dir.path().join("skip.pdf"), "x").unwrap();
        let out = read_inputs(&[dir.path()], &ReadOptions::default());
        let ids: Vec<&str> = out.documents.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["b.md", "it/a.txt"]);
        let mut reasons: Vec<String> = out.skipped.iter().map(|s| s.reason.to_string()).collect();
        reasons.sort();
        assert_eq!(reasons, ["binary data", "empty", "not valid UTF-8"]);
    }

    #[test]
    fn jsonl_records() {
        let data = "{\"id\":\"x\",\"text\":\"Hi.\",\"lang\":\"en\"}\nnot json\n{\"id\":\"y\",\"text\":\"\"}\n\n{\"id\":\"z\",\"text\":\"Yo.\"}\n";
        let mut out = ReadOutcome::default();
        read_jsonl(io::Cursor::new(data), "in.jsonl", &mut out);
        assert_eq!(out.documents.len(), 2);
        assert_eq!(out.documents[0].lang.as_deref(), Some("en"));
        assert_eq!(out.skipped.len(), 2);
        assert_eq!(out.skipped[0].what, "in.jsonl:2");
    }

    #[test]
    fn missing_path_is_a_skip_not_a_panic() {
        let out = read_inputs(&["/no/such/file.txt"], &ReadOptions::default());
        assert!(out.documents.is_empty());
        assert_eq!(out.skipped.len(), 1);
    }
}
