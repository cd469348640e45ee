#!/usr/bin/env bash
# Generates N (default 8) TUNING lessons into DIR (default SampleMedia/generated/tuning; not committed):
# the tuning voice pool and seeds other than the committed samples' and the held-out set's,
# "tuning": true. Settings may be tuned on these (and on the committed samples).
#   bash SampleMedia/make_tuning.sh [DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-SampleMedia/generated/tuning}"
N="${2:-8}"
CACHE="${TMPDIR:-/tmp}/lessonlens-tts-cache"
mkdir -p "$DIR"
LANGS=(en zh en zh en zh en zh)
MODES=(lecture practice dialogue mixed practice lecture mixed dialogue)
CONTS=(mp4 mp4 ts mkv flv mp4 m4a ts)
SIZES=(640x360 640x360 854x480 640x360 640x360 1280x720 640x360 640x360)
DURS=(150 180 150 200 120 180 150 210)
for ((i = 0; i < N; i++)); do
  k=$((i % 8))
  seed=$((5001 + 29 * i))
  name=$(printf "tuning-%02d-%s-%s" "$i" "${LANGS[$k]}" "${MODES[$k]}")
  python3 SampleMedia/generate_lesson.py --tuning --seed "$seed" --language "${LANGS[$k]}" \
    --mode "${MODES[$k]}" --duration "${DURS[$k]}" --size "${SIZES[$k]}" \
    --crf 30 --audio-bitrate 64k --cache-dir "$CACHE" --out "$DIR/$name.${CONTS[$k]}"
done
