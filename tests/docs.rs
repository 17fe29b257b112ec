//! The documentation's promises, checked against the binary: the outputs
//! the README and the user's guide show after `$ crossdup ...` are what
//! crossdup prints, the bash completion script loads, and the man page
//! renders. (That every documented command line parses is a unit test of
//! the cli crate, `readme_and_guide_commands_parse`.)
//!
//! Registered in `crates/crossdup-cli/Cargo.toml` as the `docs` test.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crossdup"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether `prog` is on the PATH (through the shell's `command -v`).
fn have(prog: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {prog}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A shown session: the command after `$ ` and the lines it prints.
struct Shown {
    file: &'static str,
    line: usize,
    args: Vec<String>,
    output: Vec<String>,
}

/// The `$ crossdup ...` commands of the ```console blocks of `file`, each
/// with the output lines shown under it.
fn sessions(file: &'static str) -> Vec<Shown> {
    let md = std::fs::read_to_string(repo_root().join(file)).expect(file);
    let mut out: Vec<Shown> = Vec::new();
    let mut in_console = false;
    let mut in_block = false;
    for (k, line) in md.lines().enumerate() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            in_block = !in_block;
            in_console = in_block && info.trim() == "console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            let mut words = cmd.split_whitespace().map(str::to_string);
            assert_eq!(
                words.next().as_deref(),
                Some("crossdup"),
                "{file}:{}: console blocks show crossdup sessions",
                k + 1
            );
            out.push(Shown {
                file,
                line: k + 1,
                args: words.collect(),
                output: Vec::new(),
            });
        } else if let Some(s) = out.last_mut() {
            s.output.push(line.trim_end().to_string());
        }
    }
    out
}

/// Whether `actual` matches `shown`, where a shown line `...` stands for
/// any number of lines.
fn matches(shown: &[String], actual: &[String]) -> bool {
    match shown.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual.first() == Some(first) && matches(rest, &actual[1..]),
    }
}

#[test]
fn shown_outputs_are_what_crossdup_prints() {
    let mut n = 0;
    for file in ["README.md", "docs/guide.md"] {
        for s in sessions(file) {
            let o = bin()
                .args(&s.args)
                .current_dir(repo_root())
                .env("COLUMNS", "100")
                .output()
                .expect("running crossdup");
            let actual: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| l.trim_end().to_string())
                .collect();
            assert!(
                matches(&s.output, &actual),
                "{}:{}: `crossdup {}` printed\n{}\nbut the documentation shows\n{}",
                s.file,
                s.line,
                s.args.join(" "),
                actual.join("\n"),
                s.output.join("\n")
            );
            n += 1;
        }
    }
    assert!(n >= 3, "only {n} shown sessions");
}

#[test]
fn shown_output_patterns() {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(matches(&v(&["a", "...", "d"]), &v(&["a", "b", "c", "d"])));
    assert!(matches(&v(&["a", "...", "d"]), &v(&["a", "d"])));
    assert!(!matches(&v(&["a", "...", "d"]), &v(&["a", "b"])));
    assert!(!matches(&v(&["a"]), &v(&["a", "b"])));
}

#[test]
fn bash_completion_loads() {
    if !have("bash") {
        eprintln!("skipped: no bash on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("crossdup.bash");
    let o = bin().args(["completions", "bash"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(&script, &o.stdout).unwrap();
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -e; source '{}'; complete -p crossdup",
            script.display()
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.contains("crossdup"),
        "sourcing the completion script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn every_shell_gets_a_completion_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = bin().args(["completions", shell]).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(o.stdout).unwrap();
        assert!(
            script.contains("crossdup") && script.contains("scan"),
            "{shell}"
        );
    }
    let o = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("crossdup.1");
    let o = bin().arg("man").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let roff = String::from_utf8(o.stdout).unwrap();
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH crossdup"),
        "{roff}"
    );
    for section in ["NAME", "SYNOPSIS", "SUBCOMMANDS", "crossdup\\-scan"] {
        assert!(roff.contains(section), "no {section} in the man page");
    }
    std::fs::write(&page, &roff).unwrap();

    // One page per command with --out.
    let pages = dir.path().join("man1");
    let o = bin().arg("man").arg("--out").arg(&pages).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    for name in [
        "crossdup.1",
        "crossdup-scan.1",
        "crossdup-index-add.1",
        "crossdup-man.1",
    ] {
        assert!(pages.join(name).is_file(), "no {name}");
    }

    if !have("man") {
        eprintln!(
            "skipped rendering: no `man` on this machine (apt-get install man-db groff-base)"
        );
        return;
    }
    let o = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "man -l failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("SYNOPSIS") && text.contains("crossdup-scan"),
        "{text}"
    );
}
