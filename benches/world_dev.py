#!/usr/bin/env python3
"""world-dev: a dev set of syndicated copies with site furniture in 43 languages.

    python3 benches/world_dev.py build            # writes benches/world-dev/{docs,gold.tsv,noise.tsv,langid.tsv}
    crossdup scan benches/world-dev/docs --format jsonl --quiet > out/world-dev.jsonl
    python3 benches/world_dev.py score out/world-dev.jsonl
    cargo run --release -p crossdup-text --example lang_eval -- benches/world-dev/langid.tsv

Article text: the news sentences that the Lingua language detector publishes as its test data
(`testdata/sentences.txt` of the `lingua-LANGUAGE-language-model` crates, version 1.3.0, on
crates.io; Apache-2.0, drawn by Lingua's author from the Leipzig Wortschatz news corpora). They
are fetched from crates.io (or read from the local cargo registry) when the set is built and are
not kept in the repository; only this script and the furniture are. The sentences are a random
sample, so an "article" here is a run of unrelated news sentences: enough for language
identification, copy detection and noise, not for topic.

Site furniture: `benches/world-dev/furniture/LANG.tsv` (`slot<TAB>line`, slots top, middle,
related_heading, end), written for this dev set by a different hand from the detector's cue
lists (data/noise), so that the set measures how the detector generalises.

Per language: 10 originals (`aNN.orig.txt`: headline, three paragraphs of three sentences), 8 of
them with a syndicated copy (`aNN.synd.txt`: another headline, furniture at the top, between
paragraphs and at the end, a related-links block naming other articles of the language; every
other copy loses its last sentence). gold.tsv: original~copy near_duplicate. noise.tsv: every
non-empty line of every document, noise or keep. langid.tsv: short probes from sentences the
articles do not use: `LANG<TAB>headline|para<TAB>text` (a headline of 3-12 words, or 8-30
characters in Chinese, Japanese and Thai; a paragraph of at least 20 words or 40 characters).
"""

import collections
import hashlib
import io
import json
import os
import random
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent / "world-dev"
VERSION = "1.3.0"
LINGUA = {
    "ar": "arabic", "bg": "bulgarian", "bn": "bengali", "ca": "catalan", "cs": "czech",
    "da": "danish", "de": "german", "el": "greek", "en": "english", "es": "spanish",
    "et": "estonian", "fa": "persian", "fi": "finnish", "fr": "french", "he": "hebrew",
    "hi": "hindi", "hr": "croatian", "hu": "hungarian", "id": "indonesian", "it": "italian",
    "ja": "japanese", "ko": "korean", "lt": "lithuanian", "lv": "latvian", "ms": "malay",
    "nl": "dutch", "no": "bokmal", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sk": "slovak", "sl": "slovene", "sr": "serbian", "sv": "swedish",
    "sw": "swahili", "ta": "tamil", "th": "thai", "tr": "turkish", "uk": "ukrainian",
    "ur": "urdu", "vi": "vietnamese", "zh": "chinese",
}
UNSPACED = {"ja", "zh", "th"}
ARTICLES = 10
COPIES = 8
PARAS = 3
PER_PARA = 3
HEADLINE_PROBES = 40
PARA_PROBES = 30


HTTP_JUNK = re.compile(r"Content-Length:|Connection: close|\bGMT\b")


NON_LATIN = {"ar", "bg", "bn", "el", "fa", "he", "hi", "ja", "ko", "ru", "sr", "ta", "th", "uk",
             "ur", "zh"}


def latin_heavy(lang, s):
    """Whether a sentence of a language written in another script is a fifth or more Latin."""
    if lang not in NON_LATIN:
        return False
    letters = [c for c in s if c.isalpha()]
    latin = sum(1 for c in letters if c.isascii())
    return bool(letters) and latin * 5 >= len(letters)


def sentences(lang):
    """Lingua's test sentences for one language, from the cargo registry or crates.io."""
    name = f"lingua-{LINGUA[lang]}-language-model"
    member = f"{name}-{VERSION}/testdata/sentences.txt"
    registry = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / "registry" / "src"
    for src in registry.glob(f"*/{name}-{VERSION}/testdata/sentences.txt"):
        return src.read_text(encoding="utf-8").splitlines()
    cache = HERE / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    crate = cache / f"{name}-{VERSION}.crate"
    if not crate.exists():
        url = f"https://static.crates.io/crates/{name}/{name}-{VERSION}.crate"
        with urllib.request.urlopen(url) as r:
            crate.write_bytes(r.read())
    with tarfile.open(crate, "r:gz") as tar:
        return tar.extractfile(member).read().decode("utf-8").splitlines()


def size(lang, s):
    """Words, or characters for the unspaced scripts."""
    return len(s.replace(" ", "")) if lang in UNSPACED else len(s.split())


def furniture(lang):
    slots = collections.defaultdict(list)
    path = HERE / "furniture" / f"{lang}.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        slot, _, text = line.partition("\t")
        if text.strip():
            slots[slot.strip()].append(text.strip())
    for slot in ("top", "middle", "related_heading", "end"):
        if not slots[slot]:
            sys.exit(f"{path}: no {slot} lines")
    return slots


def build():
    docs = HERE / "docs"
    gold, noise, probes = [], [], []
    langs = sorted(LINGUA)
    missing = [l for l in langs if not (HERE / "furniture" / f"{l}.tsv").exists()]
    if missing:
        print("no furniture yet for", " ".join(missing), "- skipped", file=sys.stderr)
    for lang in langs:
        rng = random.Random(f"world-dev {lang}")
        # Some samples carry scraped HTTP headers ("Date: ... GMT Connection: close
        # Content-Length: ..."), the same in many sentences: left out, they are no article.
        # And in a language of another script, sentences mostly in Latin letters are
        # scraped page furniture (one Urdu sample repeats "Read More Latest News from ...").
        pool = [s.strip() for s in sentences(lang)
                if s.strip() and not HTTP_JUNK.search(s) and not latin_heavy(lang, s)]
        cut = min(700, len(pool) * 3 // 5)
        lo, hi = (15, 120) if lang in UNSPACED else (6, 45)
        body = [s for s in pool[:cut] if lo <= size(lang, s) <= hi]
        hlo, hhi = (8, 30) if lang in UNSPACED else (3, 12)
        heads = [s.rstrip(".。!！?？") for s in pool[:cut] if hlo <= size(lang, s) <= hhi]
        need = ARTICLES * PARAS * PER_PARA
        if len(body) < need or len(heads) < ARTICLES + COPIES:
            sys.exit(f"{lang}: too few sentences ({len(body)} body, {len(heads)} headlines)")
        arts = []
        for i in range(ARTICLES):
            sents = body[i * PARAS * PER_PARA:(i + 1) * PARAS * PER_PARA]
            paras = [" ".join(sents[p * PER_PARA:(p + 1) * PER_PARA]) for p in range(PARAS)]
            arts.append((heads[i], paras))
        for i, (head, paras) in enumerate(arts if lang not in missing else []):
            furn = furniture(lang)
            (docs / lang).mkdir(parents=True, exist_ok=True)
            lines = [(head, "keep")]
            for p in paras:
                lines += [("", None), (p, "keep")]
            orig = f"{lang}/a{i:02}.orig.txt"
            write(docs, orig, lines, noise)
            if i >= COPIES:
                continue
            cp = list(paras)
            if i % 2:
                last = body[(i + 1) * PARAS * PER_PARA - 1]
                cp[-1] = cp[-1][: len(cp[-1]) - len(last)].rstrip()
            lines = [(heads[ARTICLES + i], "keep"), ("", None)]
            lines += [(t, "noise") for t in rng.sample(furn["top"], rng.randint(1, 3))]
            middles = rng.sample(furn["middle"], 2)
            for k, p in enumerate(cp):
                lines += [("", None), (p, "keep")]
                if k < len(cp) - 1 and (k == 0 or i % 3 == 0):
                    lines += [("", None), (middles[k], "noise")]
            lines += [("", None), (rng.choice(furn["related_heading"]), "noise")]
            others = [h for j, (h, _) in enumerate(arts) if j != i]
            lines += [(h, "noise") for h in rng.sample(others, 3)]
            lines += [("", None)]
            lines += [(t, "noise") for t in rng.sample(furn["end"], rng.randint(2, 4))]
            synd = f"{lang}/a{i:02}.synd.txt"
            write(docs, synd, lines, noise)
            gold.append((orig, synd, "near_duplicate"))
        rest = pool[cut:]
        hp = [s for s in rest if hlo <= size(lang, s) <= hhi][:HEADLINE_PROBES]
        probes += [(lang, "headline", s.rstrip(".。!！?？")) for s in hp]
        plo = 40 if lang in UNSPACED else 20
        para, n = [], 0
        for s in rest:
            if size(lang, s) < (10 if lang in UNSPACED else 4):
                continue
            para.append(s)
            if size(lang, " ".join(para)) >= plo:
                probes.append((lang, "para", " ".join(para)))
                para = []
                n += 1
                if n == PARA_PROBES:
                    break
    HERE.mkdir(parents=True, exist_ok=True)
    with open(HERE / "gold.tsv", "w", encoding="utf-8") as f:
        f.writelines("\t".join(r) + "\n" for r in gold)
    with open(HERE / "noise.tsv", "w", encoding="utf-8") as f:
        f.writelines(f"{d}\t{n}\t{l}\n" for d, n, l in noise)
    with open(HERE / "langid.tsv", "w", encoding="utf-8") as f:
        f.writelines("\t".join(r).replace("\n", " ") + "\n" for r in probes)
    digest = hashlib.sha256()
    for p in sorted(docs.rglob("*.txt")):
        digest.update(p.read_bytes())
    print(f"{len(gold)} copies, {len(noise)} labelled lines, {len(probes)} probes; docs sha256 {digest.hexdigest()[:16]}")


def write(docs, doc_id, lines, noise):
    with open(docs / doc_id, "w", encoding="utf-8") as f:
        for n, (text, label) in enumerate(lines, 1):
            f.write(text + "\n")
            if label:
                noise.append((doc_id, n, label))


def score(scan):
    gold = {}
    for line in open(HERE / "gold.tsv", encoding="utf-8"):
        a, b, _ = line.rstrip("\n").split("\t")
        gold[frozenset((a, b))] = a.split("/")[0]
    labels = {}
    for line in open(HERE / "noise.tsv", encoding="utf-8"):
        d, n, l = line.rstrip("\n").split("\t")
        labels[(d, int(n))] = l
    langs = sorted({d.split("/")[0] for d, _ in labels})
    pred, flagged, doc_lang = set(), set(), {}
    for line in open(scan, encoding="utf-8"):
        rec = json.loads(line)
        if rec.get("type") == "doc":
            doc_lang[rec["id"]] = rec.get("lang")
            for span in rec.get("noise", []):
                first, last = span["lines"]
                flagged.update((rec["id"], n) for n in range(first, last + 1))
        elif "a" in rec and rec.get("relation") in ("exact", "near_duplicate", "rewrite"):
            pred.add(frozenset((rec["a"], rec["b"])))
    docs = collections.defaultdict(set)
    for d, _ in labels:
        docs[d.split("/")[0]].add(d)
    tot = collections.Counter()
    print(f"{'lang':5} {'id':>6} {'copyP':>6} {'copyR':>6} {'copyF1':>6} {'noiseP':>6} {'noiseR':>6}")
    worst = {}
    for lang in langs:
        ids = docs[lang]
        right = sum(doc_lang.get(d) == lang for d in ids)
        g = {p for p, l in gold.items() if l == lang}
        pr = {p for p in pred if any(x.split("/")[0] == lang for x in p)}
        tp, fp, fn = len(g & pr), len(pr - g), len(g - pr)
        ntp = sum(1 for k, v in labels.items() if k[0] in ids and v == "noise" and k in flagged)
        nfn = sum(1 for k, v in labels.items() if k[0] in ids and v == "noise" and k not in flagged)
        nfp = sum(1 for k, v in labels.items() if k[0] in ids and v == "keep" and k in flagged)
        p, r, f = prf(tp, fp, fn)
        np_, nr, _ = prf(ntp, nfp, nfn)
        worst[lang] = (right / len(ids), f, nr)
        tot.update(id=right, docs=len(ids), tp=tp, fp=fp, fn=fn, ntp=ntp, nfp=nfp, nfn=nfn)
        print(f"{lang:5} {right / len(ids):6.3f} {p:6.3f} {r:6.3f} {f:6.3f} {np_:6.3f} {nr:6.3f}")
    p, r, f = prf(tot["tp"], tot["fp"], tot["fn"])
    np_, nr, nf = prf(tot["ntp"], tot["nfp"], tot["nfn"])
    print(f"{'all':5} {tot['id'] / tot['docs']:6.3f} {p:6.3f} {r:6.3f} {f:6.3f} {np_:6.3f} {nr:6.3f}")
    print("lowest: id " + min((v[0], k) for k, v in worst.items())[1]
          + f" {min(v[0] for v in worst.values()):.3f}, copies "
          + min((v[1], k) for k, v in worst.items())[1]
          + f" {min(v[1] for v in worst.values()):.3f}, noise recall "
          + min((v[2], k) for k, v in worst.items())[1]
          + f" {min(v[2] for v in worst.values()):.3f}")
    print(f"world-dev copies F1={f:.4f} noise P={np_:.4f} R={nr:.4f} F1={nf:.4f}")


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "build":
        build()
    elif len(sys.argv) == 3 and sys.argv[1] == "score":
        score(sys.argv[2])
    else:
        sys.exit(__doc__)
