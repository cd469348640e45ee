#!/usr/bin/env bash
# Generates the two audio-only HELD-OUT sets of docs/MEASUREMENTS.md into DIR (not committed):
#   DIR/lapel:      8 lessons with the teacher's lapel microphone as audio track 1 (seeds 9901+41i)
#   DIR/soundtrack: 4 lessons that play a narrated video clip, labelled media (seeds 9951+43i)
# Held-out voice pool, "tuning": false. Settings must never be tuned on these.
#   bash SampleMedia/make_heldout_audio.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-SampleMedia/generated/heldout-audio}"
CACHE="${TMPDIR:-/tmp}/lessonlens-tts-cache"
mkdir -p "$DIR/lapel" "$DIR/soundtrack"
G="python3 SampleMedia/generate_lesson.py --heldout --no-video --cache-dir $CACHE"
LANGS=(zh en en zh en zh zh en)
MODES=(practice lecture dialogue mixed mixed dialogue lecture practice)
CONTS=(mkv m4a ts mp4 m4a mp4 ts mkv)
DURS=(180 150 200 240 120 170 210 160)
for i in 0 1 2 3 4 5 6 7; do
  $G --seed $((9901 + 41 * i)) --language "${LANGS[$i]}" --mode "${MODES[$i]}" --duration "${DURS[$i]}" \
     --lapel --audio-bitrate 96k --out "$DIR/lapel/holapel-$i-${LANGS[$i]}-${MODES[$i]}.${CONTS[$i]}"
done
SLANGS=(zh en zh en)
SMODES=(mixed dialogue lecture practice)
SCONTS=(mp4 m4a ts mkv)
for i in 0 1 2 3; do
  $G --seed $((9951 + 43 * i)) --language "${SLANGS[$i]}" --mode "${SMODES[$i]}" --duration 170 \
     --require media,question --soundtrack --out "$DIR/soundtrack/hosnd-$i-${SLANGS[$i]}-${SMODES[$i]}.${SCONTS[$i]}"
done
