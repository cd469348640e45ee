#!/usr/bin/env bash
# Soak test of `lessonlens watch` with the real pipeline: drops N distinct recordings (remuxed copies of a
# sample with different metadata, so their bytes differ), some exact duplicates, some bad files and hostile
# names into a watched folder while it runs with 2 workers, waits until every file has a terminal job, then
# stops the watcher with SIGTERM and checks that every file ended in exactly one terminal state.
#   scripts/soak-watch.sh [N] [BINARY]        (default N=40, BINARY=.build/release/lessonlens)
# KILLS=K SEED=S: while files are processed, kill -9 the watcher K times at random moments (seeded) and
# restart it; the checks then also cover crash recovery: no temporary folder left, every report folder
# has its done row and every done row its folder.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-40}
KILLS=${KILLS:-0}
RANDOM=${SEED:-1}
BIN=${2:-.build/release/lessonlens}
SRC=SampleMedia/lesson-audio.m4a
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/staging"
for ((i = 0; i < N; i++)); do
  ffmpeg -nostdin -loglevel error -y -i "$SRC" -c copy -metadata comment="soak $i" "$work/staging/lesson $i.m4a"
done
dups=$((N / 10)); bad=$((N / 10))
start_watch() {
  "$BIN" watch "$work/in" --out "$work/out" --workers 2 --debounce 1 --rescan 5 --pipeline audio-only 2>>"$work/watch.log" &
  pid=$!
}
start_watch
kills_done=0
start=$(date +%s.%N)
for ((i = 0; i < N; i++)); do
  name="lesson $i.m4a"; [ $((i % 7)) = 0 ] && name="课 $i \$(touch pwned) 'q'.m4a"
  # A Latin-1 name (not valid UTF-8), as Windows shares deliver them.
  [ $((i % 7)) = 3 ] && name="$(printf 'le\347on %d.m4a' "$i")"
  # Written under a temporary name, then renamed: the way recording servers upload.
  cp "$work/staging/lesson $i.m4a" "$work/in/$name.part" && mv "$work/in/$name.part" "$work/in/$name"
  [ $((i % 10)) = 9 ] && sleep 1
done
for ((i = 0; i < dups; i++)); do cp "$work/staging/lesson $i.m4a" "$work/in/copy of $i.m4a"; done
for ((i = 0; i < bad; i++)); do echo "not media $i" > "$work/in/bad $i.mp4"; done
total=$((N + dups + bad))
while :; do
  terminal=$("$BIN" jobs list --json --out "$work/out" | python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["state"] in ("done","failed","duplicate")))')
  [ "$terminal" -ge "$total" ] && break
  if [ "$kills_done" -lt "$KILLS" ] && [ $((RANDOM % 3)) = 0 ]; then
    sleep "0.$((RANDOM % 10))"
    kill -KILL $pid; wait $pid 2>/dev/null || true
    kills_done=$((kills_done + 1))
    start_watch
  fi
  sleep 1
done
end=$(date +%s.%N)
kill -TERM $pid; wait $pid; rc=$?
"$BIN" jobs list --json --out "$work/out" > "$work/jobs.json"
echo "kill -9 during the run: $kills_done"
python3 - "$work/jobs.json" "$N" "$dups" "$bad" "$start" "$end" "$rc" "$work/in" "$work/out" <<'PY'
import json, sys, os, collections
jobs = json.load(open(sys.argv[1])); n, dups, bad = map(int, sys.argv[2:5]); start, end = float(sys.argv[5]), float(sys.argv[6])
states = collections.Counter(j["state"] for j in jobs)
files = collections.Counter(j["file"] for j in jobs)
print(f"files dropped: {n} distinct + {dups} duplicates + {bad} bad = {n+dups+bad}; jobs: {len(jobs)}; states: {dict(states)}")
print(f"every file exactly one job: {all(c == 1 for c in files.values()) and len(files) == n+dups+bad}")
print(f"expected: done={n} duplicate={dups} failed={bad} -> {'OK' if states == {'done': n, 'duplicate': dups, 'failed': bad} else 'MISMATCH'}")
print(f"wall {end-start:.1f} s for {n+dups+bad} files ({(n+dups+bad)/(end-start):.2f} files/s); watcher exit code after SIGTERM: {sys.argv[7]}")
print(f"no shell injection: {not os.path.exists(os.path.join(sys.argv[8], 'pwned')) and not os.path.exists('pwned')}")
out = sys.argv[9]
names = os.listdir(out)
temps = [x for x in names if '.partial-' in x or '.old-' in x]
print(f"no temporary folder left: {not temps} {temps if temps else ''}")
folders = {os.path.join(out, x) for x in names if os.path.isdir(os.path.join(out, x)) and not x.startswith('.')}
done_dirs = {j["reportDir"] for j in jobs if j["state"] == "done"}
print(f"every report folder has its done row and every done row its folder: {folders == done_dirs}"
      + ("" if folders == done_dirs else f" (folders without row: {sorted(folders - done_dirs)}, rows without folder: {sorted(done_dirs - folders)})"))
bad_reasons = [j for j in jobs if j["state"] == "failed" and not j.get("error")]
print(f"every failed job has its reason: {not bad_reasons}")
PY
