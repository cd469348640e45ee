#!/usr/bin/env bash
# Build LessonLens's real-audio evaluation set: SampleMedia/real/make_real_set.sh OUTDIR [SEED]
# Installs the Debian packages that ship the recordings (idempotent), checks every source is there,
# then runs make_real_set.py (numpy/scipy + ffmpeg CLI). Sources, licences, reference method and the
# dev / held-out split: SampleMedia/real/README.md. Fails loudly when a source is missing.
set -euo pipefail
OUT=${1:?usage: make_real_set.sh OUTDIR [SEED]}
SEED=${2:-11}
HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGES="pocketsphinx-testdata asterisk-core-sounds-en-wav asterisk-core-sounds-es-wav asterisk-core-sounds-fr-wav
 asterisk-core-sounds-it-wav asterisk-core-sounds-ru-wav asterisk-moh-opsound-wav minetest-data sonic-pi-samples
 openttd-opensfx ffmpeg"
missing=""
for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "make_real_set: installing:$missing" >&2
  SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || { echo "make_real_set: package $p is missing and could not be installed" >&2; exit 1; }; done

# silero-vad's source distribution (PyPI, MIT) carries tests/data/test.wav (60 s, one talker) and
# examples/c++/aepyx.wav. Use SILERO_SDIST if given, else unpack the sdist once into /tmp.
SILERO_SDIST=${SILERO_SDIST:-/tmp/sdist/silero_vad-6.2.3}
if [ ! -f "$SILERO_SDIST/tests/data/test.wav" ]; then
  echo "make_real_set: fetching the silero-vad 6.2.3 source distribution from PyPI" >&2
  d=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation -d "$d" silero-vad==6.2.3 \
    || { echo "make_real_set: cannot download the silero-vad sdist" >&2; exit 1; }
  mkdir -p "$(dirname "$SILERO_SDIST")"
  tar -xzf "$d"/silero_vad-6.2.3.tar.gz -C "$(dirname "$SILERO_SDIST")"
fi
[ -f "$SILERO_SDIST/tests/data/test.wav" ] || { echo "make_real_set: $SILERO_SDIST/tests/data/test.wav missing" >&2; exit 1; }
export SILERO_SDIST
python3 -c 'import numpy, scipy' || { echo "make_real_set: needs python3 with numpy and scipy" >&2; exit 1; }

rm -rf "$OUT/dev" "$OUT/heldout" "$OUT/unscored"
mkdir -p "$OUT"
python3 "$HERE/make_real_set.py" "$OUT" "$SEED"
