//! Shipped data: bilingual lexicons and thesauri, found in the data folder.
//!
//! The data folder is, in order: the `CROSSDUP_DATA` environment variable,
//! `data/` beside the executable or two levels above it (a `target/release`
//! build), `share/crossdup/data` next to the executable's parent, and the
//! source tree's `data/` (the path this crate was built from).

use std::io::Read;
use std::path::{Path, PathBuf};

/// Finds the data folder (see the module docs), if any exists.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CROSSDUP_DATA") {
        let p = PathBuf::from(p);
        if p.is_dir() {
            return Some(p);
        }
    }
    if let Ok(exe) = std::env::current_exe() {
        let mut cands = Vec::new();
        if let Some(dir) = exe.parent() {
            cands.push(dir.join("data"));
            if let Some(up) = dir.parent() {
                cands.push(up.join("share/crossdup/data"));
                if let Some(up2) = up.parent() {
                    cands.push(up2.join("data"));
                    if let Some(up3) = up2.parent() {
                        cands.push(up3.join("data"));
                    }
                }
            }
        }
        for c in cands {
            if c.join("lexicons").is_dir() || c.join("thesaurus").is_dir() {
                return Some(c);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    if src.is_dir() {
        return Some(src);
    }
    None
}

/// Reads a data file, gunzipping `.gz` files. `None` if it does not exist.
pub fn read_data_file(rel: &str) -> Option<std::io::Result<String>> {
    let path = data_dir()?.join(rel);
    if !path.is_file() {
        return None;
    }
    Some((|| {
        let bytes = std::fs::read(&path)?;
        if rel.ends_with(".gz") {
            let mut s = String::new();
            flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut s)?;
            Ok(s)
        } else {
            String::from_utf8(bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        }
    })())
}
