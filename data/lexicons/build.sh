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
LANGS=${LANGS:-it,de,fr,es,pt,nl,ro,sv,da,hu}
JOBS=${JOBS:-2}
ITERS=${ITERS:-5}

PKGS="python3 gettext lttoolbox lttoolbox-dev wamerican wbritish"

# FreeDict dictionaries (both directions where Debian has them; there is no Romanian one)
for l in ita deu fra spa por nld swe dan hun; do
    PKGS="$PKGS dict-freedict-$l-eng dict-freedict-eng-$l"
done

# Apertium bilingual dictionaries (direct es-en / ca-en, and pivots into es / ca)
PKGS="$PKGS apertium-eng-spa apertium-eng-cat apertium-spa-ita apertium-cat-ita"
PKGS="$PKGS apertium-fr-es apertium-fra-cat apertium-es-pt apertium-por-cat apertium-es-ro"

# LibreOffice help (paired paragraph by paragraph with en-US) and UI catalogs
PKGS="$PKGS libreoffice-help-en-us"
for l in it de fr es pt nl sv da hu; do
    PKGS="$PKGS libreoffice-help-$l libreoffice-l10n-$l"
done
PKGS="$PKGS libreoffice-l10n-ro"

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
python3 "$HERE/build_lexicons.py" --out "$HERE" --work "$WORK" --langs "$LANGS" \
    --jobs "$JOBS" --iters "$ITERS"

# Record the exact versions of the packages the data came from.
dpkg-query -W -f='${Package}\t${Version}\n' $PKGS 2>/dev/null | sort -u > "$WORK/package-versions.tsv"
echo "package versions: $WORK/package-versions.tsv"
