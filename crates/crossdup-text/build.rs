//! Lists the per-language noise files (`data/noise/cues/*.tsv`,
//! `data/noise/vocab/*.tsv`) for the crate to compile in, so that adding a
//! language is adding a file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn tsv_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    files
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let noise = manifest.join("../../data/noise");
    let mut out = String::new();
    for (name, sub) in [("CUE_FILES", "cues"), ("VOCAB_FILES", "vocab")] {
        let dir = noise.join(sub);
        println!("cargo:rerun-if-changed={}", dir.display());
        writeln!(
            out,
            "/// `(file stem, contents)` of every `data/noise/{sub}/*.tsv`."
        )
        .unwrap();
        writeln!(out, "pub(crate) const {name}: &[(&str, &str)] = &[").unwrap();
        for f in tsv_files(&dir) {
            println!("cargo:rerun-if-changed={}", f.display());
            let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
            let path = f.canonicalize().unwrap();
            writeln!(
                out,
                "    ({stem:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("noise_files.rs");
    std::fs::write(dest, out).unwrap();
}
