#!/bin/sh
# Regenerates every committed file in SampleMedia/ (deterministic seeds). Run from anywhere:
#   sh SampleMedia/make_samples.sh
# Needs: python3 + numpy, espeak-ng, flite, sox, ffmpeg.
set -eu
cd "$(dirname "$0")/.."
G="python3 SampleMedia/generate_lesson.py"
CACHE="${TMPDIR:-/tmp}/lessonlens-tts-cache"
COMMON="--crf 32 --audio-bitrate 64k --size 640x360 --fps 25 --cache-dir $CACHE"

# 1. English dialogue lesson: slides, questions (answered and unanswered), group discussion, music.
$G --seed 11 --language en --mode dialogue --duration 150 --require media,discussion,question \
   --sprite yes --filmed no --cuts 0 $COMMON --out SampleMedia/lesson-en-dialogue.mp4
# 2. Mandarin lecture: teacher sprite, one camera cut (over a slide change), filmed slides (sensor noise).
$G --seed 21 --language zh --mode lecture --duration 150 --require question \
   --sprite yes --filmed yes --cuts 1 $COMMON --out SampleMedia/lesson-zh-lecture.mp4
# 3. Practice lesson in MPEG-TS (container start time ~1.4 s): seatwork with distractors, discussion.
$G --seed 31 --language en --mode practice --duration 125 --require seatwork,discussion \
   --sprite no --filmed no --cuts 0 $COMMON --out SampleMedia/lesson-practice.ts --no-plan
# 4. Audio-only lesson (AAC in .m4a), Mandarin, mixed mode.
$G --seed 41 --language zh --mode mixed --duration 95 --require question \
   $COMMON --out SampleMedia/lesson-audio.m4a --no-plan
# 5. Audio-only lesson with two tracks: the room microphone (track 0) and the teacher's lapel
#    microphone (track 1), English dialogue; 32 kb/s per track keeps it small.
$G --seed 51 --language en --mode dialogue --duration 80 --require question --lapel \
   --crf 32 --audio-bitrate 32k --cache-dir $CACHE --out SampleMedia/lesson-lapel.m4a --no-plan

# Broken and edge-case files (see SampleMedia/README.md).
B=SampleMedia/broken
mkdir -p $B
: > $B/empty.mp4
printf 'This is a plain text file with an .mp4 name. It is not media.\n' > $B/not-media.mp4
# a 12 s stream copy without faststart keeps the moov atom at the end; keeping the first 30 % loses it
ffmpeg -nostdin -v error -y -i SampleMedia/lesson-en-dialogue.mp4 -t 12 -c copy -map_metadata -1 \
   -fflags +bitexact $B/.full.mp4
head -c $(( $(wc -c < $B/.full.mp4) * 3 / 10 )) $B/.full.mp4 > $B/truncated.mp4
rm -f $B/.full.mp4
# a 12 s TS stream copy; keep its first half (packets after the cut are simply missing)
ffmpeg -nostdin -v error -y -i SampleMedia/lesson-practice.ts -t 12 -c copy -map_metadata -1 \
   -fflags +bitexact $B/.full.ts
head -c $(( $(wc -c < $B/.full.ts) / 2 )) $B/.full.ts > $B/truncated.ts
# the same 12 s TS with 40 % .. 55 % of its bytes overwritten by seeded random bytes
python3 -c '
import random, sys
d = bytearray(open(sys.argv[1], "rb").read())
a, b = len(d) * 40 // 100, len(d) * 55 // 100
rng = random.Random(5)
d[a:b] = bytes(rng.randrange(256) for _ in range(b - a))
open(sys.argv[2], "wb").write(bytes(d))
' $B/.full.ts $B/garbage-middle.ts
rm -f $B/.full.ts
# video only (no audio stream), 10 s
ffmpeg -nostdin -v error -y -i SampleMedia/lesson-en-dialogue.mp4 -t 10 -an -c copy -map_metadata -1 \
   -fflags +bitexact $B/no-audio.mp4
ls -l SampleMedia SampleMedia/broken
