#!/usr/bin/env bash
# Generates N (default 8) HELD-OUT lessons into DIR (default SampleMedia/generated/heldout; not committed).
# Held-out lessons use other seeds, the held-out voice pool (voices never used in committed or tuning
# lessons), wider level/noise ranges, both languages, every container and mode, and "tuning": false.
# Settings must never be tuned on these; accuracy numbers are reported on them.
#   bash SampleMedia/make_heldout.sh [DIR] [N]     (SEED_BASE=… for another held-out set; default 9001;
#                                                  GOP=10 for 10 s between keyframes, default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-SampleMedia/generated/heldout}"
N="${2:-8}"
CACHE="${TMPDIR:-/tmp}/lessonlens-tts-cache"
mkdir -p "$DIR"
LANGS=(zh en en zh en zh zh en)
MODES=(practice lecture dialogue mixed mixed dialogue lecture practice)
CONTS=(mkv flv ts mp4 m4a mp4 ts mkv)
SIZES=(854x480 640x360 1280x720 640x360 640x360 854x480 640x360 1280x720)
DURS=(180 150 200 240 120 170 210 160)
CHANS=(2 1 1 2 1 1 2 1)
for ((i = 0; i < N; i++)); do
  k=$((i % 8))
  seed=$((${SEED_BASE:-9001} + 37 * i))
  name=$(printf "heldout-%02d-%s-%s" "$i" "${LANGS[$k]}" "${MODES[$k]}")
  python3 SampleMedia/generate_lesson.py --heldout --seed "$seed" --language "${LANGS[$k]}" \
    --mode "${MODES[$k]}" --duration "${DURS[$k]}" --size "${SIZES[$k]}" --channels "${CHANS[$k]}" \
    --crf 28 --gop "${GOP:-2}" --audio-bitrate 96k --cache-dir "$CACHE" --out "$DIR/$name.${CONTS[$k]}"
done
