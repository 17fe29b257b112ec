#!/bin/sh
# Rebuild data/thesaurus/*.tsv.gz, manifest.tsv and licenses/ from Debian packages.
# Run as root on Debian (bookworm was used); needs only apt and python3.
#   sh data/thesaurus/build.sh            # all languages
#   sh data/thesaurus/build.sh --langs en # a subset (other rows of manifest.tsv are kept)
set -eu

here=$(cd "$(dirname "$0")" && pwd)

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
    python3 wordnet-base \
    mythes-de mythes-es mythes-fr mythes-it mythes-pt-pt

dpkg-query -W wordnet-base mythes-de mythes-es mythes-fr mythes-it mythes-pt-pt

exec python3 "$here/build_thesaurus.py" --out "$here" "$@"
