#!/usr/bin/env python3
"""Builds the scale corpus: Debian's package descriptions and their human
translations (the Debian Description Translation Project), one document per
description, for benchmarking crossdup at scale. Benchmarking only: never ship
data built from it, never tune constants on it.

  benches/scale_corpus.py [--out /work/scale-corpus] [--langs en,it,de,fr,es]
                          [--no-update] [--replicate N] [--seed 1]

Steps:
  1. `apt-get -o Acquire::Languages=en,it,de,fr,es update` (needs root; skip with
     --no-update when the lists are already there);
  2. parses the `Translation-<lang>` files under /var/lib/apt/lists (deb822
     paragraphs: Package, Description-md5, Description-<lang>; lz4, xz, gz or
     plain, decompressed with apt-helper);
  3. writes OUT/<lang>/<package>.txt, one per distinct description of a language
     (the first package that carries it names it): the short description, a
     blank line, then one line per paragraph (a " ." line separates paragraphs);
  4. writes OUT/gold.tsv: translation pairs (same Description-md5 in two
     languages), and, with --replicate, near_duplicate pairs (original, copy);
  5. with --replicate N, adds lightly edited copies of random documents
     (OUT/<lang>/<package>~rK.txt: about 4% of the words dropped, 3% of
     neighbours swapped, a line sometimes left out) until there are N documents.

Output is outside the repository; it is rebuilt, not committed.
"""
import argparse
import glob
import os
import random
import re
import shutil
import subprocess
import sys

LISTS = "/var/lib/apt/lists"
HELPER = "/usr/lib/apt/apt-helper"


def read_list(path):
    """The decompressed text of an apt list file."""
    if os.path.exists(HELPER):
        return subprocess.run([HELPER, "cat-file", path], check=True,
                              stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")
    if path.endswith(".lz4"):
        cmd = ["lz4cat", path]
    elif path.endswith(".xz"):
        cmd = ["xzcat", path]
    elif path.endswith(".gz"):
        cmd = ["zcat", path]
    else:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")


def paragraphs(text):
    """deb822 paragraphs as dicts; continuation lines are kept with their field."""
    for block in text.split("\n\n"):
        fields, last = {}, None
        for line in block.split("\n"):
            if not line:
                continue
            if line[0] in " \t" and last:
                fields[last] += "\n" + line
            elif ":" in line:
                last, value = line.split(":", 1)
                fields[last] = value.strip()
        if fields:
            yield fields


def render(description):
    """A Description field as a document: synopsis, blank line, one line per paragraph."""
    lines = description.split("\n")
    synopsis, body = lines[0].strip(), lines[1:]
    paras, cur = [], []
    for line in body:
        content = line[1:] if line.startswith(" ") else line
        if content.strip() == ".":
            if cur:
                paras.append(" ".join(cur))
            cur = []
        elif content.strip():
            cur.append(content.strip())
    if cur:
        paras.append(" ".join(cur))
    return "\n\n".join([synopsis] + paras) + "\n"


def safe_name(package):
    return re.sub(r"[^A-Za-z0-9.+_-]", "_", package)


def edit(text, rng):
    """A near-duplicate of `text`: a few words dropped, neighbours swapped, maybe a paragraph cut."""
    out_lines = []
    lines = text.split("\n")
    body_lines = [i for i, l in enumerate(lines) if l.strip()]
    cut = rng.choice(body_lines[1:]) if len(body_lines) > 3 and rng.random() < 0.3 else -1
    for i, line in enumerate(lines):
        if i == cut:
            continue
        words = line.split(" ")
        if len(words) > 4:
            words = [w for w in words if rng.random() >= 0.04] or words
            for k in range(len(words) - 1):
                if rng.random() < 0.03:
                    words[k], words[k + 1] = words[k + 1], words[k]
        out_lines.append(" ".join(words))
    return "\n".join(out_lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/scale-corpus")
    ap.add_argument("--langs", default="en,it,de,fr,es")
    ap.add_argument("--no-update", action="store_true", help="use the lists already in /var/lib/apt/lists")
    ap.add_argument("--replicate", type=int, default=0, metavar="N",
                    help="add edited copies until there are N documents")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    langs = [l.strip() for l in args.langs.split(",") if l.strip()]
    if not args.no_update:
        subprocess.run(["apt-get", "-o", f"Acquire::Languages={','.join(langs)}", "update"],
                       check=True, stdout=subprocess.DEVNULL)
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    # md5 -> {lang: document id}
    by_md5 = {}
    written = {}
    for lang in langs:
        files = sorted(glob.glob(os.path.join(LISTS, f"*_i18n_Translation-{lang}*")))
        files = [f for f in files if not f.endswith((".diff", "IndexDiff"))]
        if not files:
            sys.exit(f"no Translation-{lang} list under {LISTS}: run without --no-update (as root)")
        os.makedirs(os.path.join(args.out, lang), exist_ok=True)
        n = 0
        for path in files:
            for p in paragraphs(read_list(path)):
                md5, desc, pkg = p.get("Description-md5"), p.get(f"Description-{lang}"), p.get("Package")
                if not (md5 and desc and pkg):
                    continue
                if lang in by_md5.get(md5, {}):
                    continue
                doc_id = f"{lang}/{safe_name(pkg)}.txt"
                if doc_id in written:  # another description of the same package name
                    continue
                text = render(desc)
                with open(os.path.join(args.out, doc_id), "w", encoding="utf-8") as fh:
                    fh.write(text)
                written[doc_id] = len(text.encode("utf-8"))
                by_md5.setdefault(md5, {})[lang] = doc_id
                n += 1
        print(f"{lang}: {n} documents", file=sys.stderr)
    gold = []
    for ids in by_md5.values():
        docs = sorted(ids.values())
        for i, a in enumerate(docs):
            for b in docs[i + 1:]:
                gold.append((a, b, "translation"))
    total = len(written)
    if args.replicate > total:
        rng = random.Random(args.seed)
        originals = sorted(written)
        k = 0
        while total < args.replicate:
            src = rng.choice(originals)
            with open(os.path.join(args.out, src), encoding="utf-8") as fh:
                text = fh.read()
            copy = f"{src[:-4]}~r{k}.txt"
            k += 1
            with open(os.path.join(args.out, copy), "w", encoding="utf-8") as fh:
                fh.write(edit(text, rng))
            gold.append((min(src, copy), max(src, copy), "near_duplicate"))
            total += 1
        print(f"replicated: {k} edited copies", file=sys.stderr)
    with open(os.path.join(args.out, "gold.tsv"), "w", encoding="utf-8") as fh:
        fh.write("a\tb\trelation\n")
        for a, b, r in gold:
            fh.write(f"{a}\t{b}\t{r}\n")
    size = sum(written.values())
    print(f"{total} documents ({size / 1e6:.0f} MB before copies), {len(gold)} gold pairs in {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
