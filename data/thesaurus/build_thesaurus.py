#!/usr/bin/env python3
"""Build the synonym-class files in data/thesaurus/ from Debian packages.

Inputs (installed by build.sh):
  wordnet-base   /usr/share/wordnet/data.{noun,verb,adj,adv}   -> en.tsv.gz, en-deriv.tsv.gz
  mythes-XX      /usr/share/mythes/th_*.dat / thes_*.dat        -> XX.tsv.gz

Output format (every *.tsv.gz): gzip-compressed UTF-8 (NFC) text, one synonym
class per line, the class's words lower-cased and separated by TAB.  Only
single words made of letters are kept (str.isalpha after lower-casing), so
multi-word lemmas, hyphenated and apostrophised forms and numbers are
dropped.  A class has at least 2 distinct words; identical classes (same set
of words) are written once.  Classes overlap: a polysemous word is in many.

Python 3 standard library only.  The output is deterministic: gzip mtime is
0 and no file name is stored, so a rebuild from the same package versions is
byte-identical.
"""

import argparse
import codecs
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import unicodedata

WORDNET_DIR = "/usr/share/wordnet"
MYTHES_DIR = "/usr/share/mythes"

# output language code -> (Debian package, .dat file name in MYTHES_DIR)
MYTHES = [
    ("de", "mythes-de", "th_de_DE_v2.dat"),
    ("es", "mythes-es", "th_es_ES_v2.dat"),
    ("fr", "mythes-fr", "thes_fr.dat"),
    ("it", "mythes-it", "th_it_IT_v2.dat"),
    ("pt", "mythes-pt-pt", "th_pt_PT_v2.dat"),
]

WORDNET_PKG = "wordnet-base"


def norm_word(raw):
    """Return the lower-cased NFC single word, or None if `raw` is not one."""
    w = unicodedata.normalize("NFC", raw.strip()).lower()
    if not w or not w.isalpha():
        return None
    return w


def add_class(words, seen, out):
    """Append the distinct words (first-seen order) as a class if >= 2 and new."""
    uniq = []
    for w in words:
        if w is not None and w not in uniq:
            uniq.append(w)
    if len(uniq) < 2:
        return False
    key = frozenset(uniq)
    if key in seen:
        return False
    seen.add(key)
    out.append(uniq)
    return True


def write_classes(path, classes):
    buf = io.StringIO()
    for c in classes:
        buf.write("\t".join(c))
        buf.write("\n")
    data = buf.getvalue().encode("utf-8")
    with open(path, "wb") as f:
        # filename="" and mtime=0: reproducible bytes
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(data)
    return os.path.getsize(path)


# ---------------------------------------------------------------- WordNet

WN_POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")


def read_wordnet(wn_dir):
    """Parse data.* files.

    Returns (synsets, pointers):
      synsets: dict (pos, offset) -> list of raw lemma strings (ss_type 's'
               satellites are filed under pos 'a', as WordNet pointers do)
      pointers: list of (src_pos, src_off, symbol, tgt_pos, tgt_off, src_word_no, tgt_word_no)
    """
    synsets = {}
    order = []
    pointers = []
    for fname in ("noun", "verb", "adj", "adv"):
        path = os.path.join(wn_dir, "data." + fname)
        file_pos = WN_POS[fname]
        with open(path, "r", encoding="utf-8", errors="strict") as f:
            for line in f:
                if line.startswith(" "):  # licence header lines start with two spaces
                    continue
                head = line.split(" | ", 1)[0].split()
                offset = head[0]
                w_cnt = int(head[3], 16)
                i = 4
                lemmas = []
                for _ in range(w_cnt):
                    lemma = ADJ_MARKER.sub("", head[i])
                    lemmas.append(lemma)
                    i += 2  # word, lex_id
                p_cnt = int(head[i])
                i += 1
                for _ in range(p_cnt):
                    sym, tgt_off, tgt_pos, st = head[i : i + 4]
                    i += 4
                    if tgt_pos == "s":
                        tgt_pos = "a"
                    pointers.append((file_pos, offset, sym, tgt_pos, tgt_off, int(st[:2], 16), int(st[2:], 16)))
                key = (file_pos, offset)
                synsets[key] = lemmas
                order.append(key)
    return synsets, order, pointers


def build_english(wn_dir):
    synsets, order, pointers = read_wordnet(wn_dir)
    seen = set()
    classes = []
    stats = {}

    # 1. synsets
    n = 0
    for key in order:
        if add_class([norm_word(w) for w in synsets[key]], seen, classes):
            n += 1
    stats["synsets"] = n

    # 2. adjective "similar to" (&): head synset + satellite synset as one class
    n = 0
    done = set()
    for sp, so, sym, tp, to, _sw, _tw in pointers:
        if sym != "&" or sp != "a" or tp != "a":
            continue
        pair = tuple(sorted((so, to)))
        if pair in done:
            continue
        done.add(pair)
        words = [norm_word(w) for w in synsets[("a", so)] + synsets[("a", to)]]
        if add_class(words, seen, classes):
            n += 1
    stats["adj_similar_to"] = n

    # 3. derivationally related forms (+) between a noun and a verb: word pairs,
    #    written to a separate file because they are morphological relatives
    #    (decide/decision, but also bank/banker), not synonyms.
    deriv = []
    dseen = set()
    for sp, so, sym, tp, to, sw, tw in pointers:
        if sym != "+" or {sp, tp} != {"n", "v"} or sw == 0 or tw == 0:
            continue
        a = norm_word(synsets[(sp, so)][sw - 1])
        b = norm_word(synsets[(tp, to)][tw - 1])
        add_class([a, b], dseen, deriv)
    stats["deriv_noun_verb_pairs"] = len(deriv)
    return classes, deriv, stats


# ---------------------------------------------------------------- MyThes

TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def mythes_entry(raw):
    """A thesaurus entry -> normalised single word or None.

    Trailing usage notes such as "liken (engl.)" or "Gartenzaun (ugs.)" are
    removed first; an entry that still holds a parenthesis, space or any
    non-letter is dropped.
    """
    s = raw.strip()
    while True:
        t = TRAILING_NOTE.sub("", s)
        if t == s:
            break
        s = t
    if "(" in s or ")" in s:
        return None
    return norm_word(s)


def read_mythes(path):
    with open(path, "rb") as f:
        raw = f.read()
    nl = raw.index(b"\n")
    enc_name = raw[:nl].decode("ascii").strip()
    try:
        codec = codecs.lookup(enc_name).name
    except LookupError:
        sys.exit("%s: unknown encoding line %r" % (path, enc_name))
    text = raw[nl + 1 :].decode(codec, errors="replace")
    return enc_name, text.split("\n")


def build_mythes(path):
    enc_name, lines = read_mythes(path)
    seen = set()
    classes = []
    i = 0
    n_lines = len(lines)
    while i < n_lines:
        line = lines[i].rstrip("\r")
        i += 1
        if not line:
            continue
        # headword line: "word|N"
        word, _, count = line.rpartition("|")
        try:
            count = int(count)
        except ValueError:
            continue  # stray line; resynchronise on the next headword
        head = mythes_entry(word)
        for _ in range(count):
            if i >= n_lines:
                break
            sense = lines[i].rstrip("\r")
            i += 1
            fields = sense.split("|")
            # fields[0] is the part-of-speech / note field, e.g. "(Nom)", "-", "(v. Avvilire)"
            words = [head] + [mythes_entry(x) for x in fields[1:]]
            words = [w for w in words if w is not None and "\ufffd" not in w]
            add_class(words, seen, classes)
    return enc_name, classes


# ---------------------------------------------------------------- main

def pkg_version(pkg):
    try:
        return subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", pkg],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)), help="output directory")
    ap.add_argument("--wordnet-dir", default=WORDNET_DIR)
    ap.add_argument("--mythes-dir", default=MYTHES_DIR)
    ap.add_argument("--langs", default="en," + ",".join(l for l, _, _ in MYTHES),
                    help="comma-separated subset of: en,de,es,fr,it,pt")
    args = ap.parse_args()
    want = set(args.langs.split(","))
    os.makedirs(args.out, exist_ok=True)

    rows = []  # manifest rows

    def record(fname, lang, pkg, source, classes, note):
        size = write_classes(os.path.join(args.out, fname), classes)
        nwords = len({w for c in classes for w in c})
        rows.append((fname, lang, pkg, pkg_version(pkg), source, len(classes), nwords, size, note))
        print("%-16s %8d classes %8d distinct words %9d bytes  %s" % (fname, len(classes), nwords, size, note))

    if "en" in want:
        classes, deriv, st = build_english(args.wordnet_dir)
        record("en.tsv.gz", "en", WORDNET_PKG, os.path.join(args.wordnet_dir, "data.*"), classes,
               "synsets=%d adj_similar_to=%d" % (st["synsets"], st["adj_similar_to"]))
        record("en-deriv.tsv.gz", "en", WORDNET_PKG, os.path.join(args.wordnet_dir, "data.{noun,verb}"), deriv,
               "noun<->verb derivational pairs")

    for lang, pkg, dat in MYTHES:
        if lang not in want:
            continue
        path = os.path.join(args.mythes_dir, dat)
        enc, classes = build_mythes(path)
        record(lang + ".tsv.gz", lang, pkg, path, classes, "source encoding %s" % enc)

    copy_licences(args.out, want)
    write_manifest(os.path.join(args.out, "manifest.tsv"), rows)


MANIFEST_HEADER = "file\tlang\tpackage\tversion\tsource\tclasses\tdistinct_words\tbytes\tnote"


def write_manifest(path, rows):
    """Write manifest.tsv; rows of files not rebuilt this run (--langs) are kept."""
    merged = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f.read().splitlines()[1:]:
                if line:
                    merged[line.split("\t", 1)[0]] = line
    for r in rows:
        merged[r[0]] = "\t".join(str(x) for x in r)
    order = ["en.tsv.gz", "en-deriv.tsv.gz"] + [l + ".tsv.gz" for l, _, _ in MYTHES]
    keys = sorted(merged, key=lambda k: (order.index(k) if k in order else len(order), k))
    with open(path, "w", encoding="utf-8") as f:
        f.write(MANIFEST_HEADER + "\n")
        for k in keys:
            f.write(merged[k] + "\n")


def copy_licences(out, want):
    """Copy the packages' Debian copyright files and the licence texts they cite.

    The WordNet licence asks for its notice on all copies; the GPL/LGPL data
    ships with the licence texts.  The four libreoffice-dictionaries based
    mythes packages (es, fr, it, pt-pt) share one copyright file.
    """
    d = os.path.join(out, "licenses")
    os.makedirs(d, exist_ok=True)
    files = []
    if "en" in want:
        files.append(("/usr/share/doc/wordnet-base/copyright", "wordnet-base.copyright"))
    if "de" in want:
        files.append(("/usr/share/doc/mythes-de/copyright", "mythes-de.copyright"))
    for lang, pkg, _ in MYTHES:
        if lang != "de" and lang in want:
            files.append(("/usr/share/doc/%s/copyright" % pkg, "libreoffice-dictionaries.copyright"))
            break
    if want - {"en"}:
        for lic in ("GPL-2", "GPL-3", "LGPL-2.1", "LGPL-3"):
            files.append(("/usr/share/common-licenses/" + lic, lic + ".txt"))
    for src, name in files:
        shutil.copyfile(src, os.path.join(d, name))


if __name__ == "__main__":
    main()
