#!/usr/bin/env bash
# make bench-queue: the PostgreSQL job queue's cost and throughput (issue 12). A benchmark, not a test.
# Starts a throw-away PostgreSQL 15 cluster (initdb + pg_ctl in a temporary folder, a free loopback port,
# default durability: fsync and synchronous_commit on), then prints
#   1. per-job queue overhead: claim + heartbeat + complete through the real JobQueue API, p50/p95 over
#      BENCH_OVERHEAD_JOBS jobs (`lessonlens worker --bench-overhead N`, one connection, one job at a time);
#   2. throughput of 1, 2, 4 and 8 stub worker processes (`--stub-sleep MS`) on BENCH_JOBS queued jobs, for
#      a 0 ms job (the queue alone: claims/s the one jobs table sustains) and a 50 ms job, each row with
#      its ratio to 1 worker; elapsed = first claim to last commit, from the jobs table;
#   4. (first, to run on an idle machine) idle load: BENCH_IDLE_PROCS worker processes of 4 lanes each on an
#      empty queue for BENCH_IDLE_SECONDS, the database's committed transactions per second (pg_stat_database
#      xact_commit) with `--max-poll 0.25` (a fixed 0.25 s poll, before the eighth session) and the default 2 s;
#   3. the real pipeline's throughput with 2 worker processes on SampleMedia (each recording twice, the
#      second remuxed with another comment or TS id so its bytes differ, else it would be a duplicate):
#      recordings/min and x realtime, elapsed = first claim to last commit.
# Usage: scripts/bench-queue.sh [path/to/lessonlens]   (make bench-queue builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-.build/release/lessonlens}")
PGBIN=/usr/lib/postgresql/15/bin
JOBS=${BENCH_JOBS:-1000}
OVERHEAD_JOBS=${BENCH_OVERHEAD_JOBS:-1000}
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL 15 missing ($PGBIN/initdb): make deps installs postgresql-15" >&2; exit 69; }
[ -x "$BIN" ] || { echo "no lessonlens binary at $BIN: run make release" >&2; exit 66; }

work=$(mktemp -d /tmp/lessonlens-bench-queue-XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then (cd "$work" && /usr/sbin/runuser -u nobody -- "$@"); else "$@"; fi; }
[ "$(id -u)" = 0 ] && { chmod 755 "$work"; mkdir -p "$work/pg"; chown nobody:nogroup "$work/pg"; } || mkdir -p "$work/pg"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
    as_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$work/pg/data" -U lessonlens -A trust -E UTF8 --locale=C >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -t 30 start \
    -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" </dev/null >/dev/null 2>&1
psql_() { psql -h 127.0.0.1 -p "$port" -U lessonlens -v ON_ERROR_STOP=1 -At "$@"; }
newdb() { psql_ -d postgres -c "CREATE DATABASE $1" >/dev/null; echo "postgres://lessonlens@127.0.0.1:$port/$1"; }
# Seconds from the first claim to the last commit.
span() { psql_ -d "$1" -c "SELECT ROUND((MAX(finished_at) - MIN(started_at))::numeric, 3) FROM jobs WHERE state = 'done'"; }

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), fsync on, loopback TCP"
echo
SECTIONS=${BENCH_SECTIONS:-idle overhead stub real}
has() { case " $SECTIONS " in *" $1 "*) return 0;; esac; return 1; }

if has idle; then
    procs=${BENCH_IDLE_PROCS:-8}; secs=${BENCH_IDLE_SECONDS:-20}
    echo "== idle load: $procs worker processes x 4 lanes, empty queue, ${secs} s =="
    printf '%-12s %12s %14s %8s\n' max-poll 'xact/s' 'xact/s/lane' ratio
    base=""
    for mp in 0.25 2; do
        db="idle${mp/./_}"; url=$(newdb "$db")
        pids=()
        for _ in $(seq 1 "$procs"); do
            "$BIN" worker --catalog "$url" --out "$work/out-$db" --stub-sleep 0 --workers 4 --lease 60 --max-poll "$mp" \
                --metrics-interval 0 2>>"$work/worker-$db.log" &
            pids+=($!)
        done
        sleep 5   # start-up, connections, the first doublings
        x0=$(psql_ -d postgres -c "SELECT xact_commit FROM pg_stat_database WHERE datname = '$db'")
        sleep "$secs"
        x1=$(psql_ -d postgres -c "SELECT xact_commit FROM pg_stat_database WHERE datname = '$db'")
        kill -TERM "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
        rate=$(python3 -c "print(f'{($x1 - $x0) / $secs:.1f}')")
        [ -n "$base" ] || base=$rate
        printf '%-12s %12s %14s %8s\n' "$mp s" "$rate" "$(python3 -c "print(f'{$rate / ($procs * 4):.2f}')")" \
            "$(python3 -c "print(f'{$rate / $base:.2f}')")"
    done
    echo
fi
has overhead || has stub || has real || exit 0

echo "== per-job queue overhead (one worker, one job at a time) =="
url=$(newdb overhead)
"$BIN" worker --catalog "$url" --bench-overhead "$OVERHEAD_JOBS"
echo

# BENCH_JOBS small distinct files, hashed and enqueued once by the ingester into database $1.
inbox="$work/inbox"
mkdir -p "$inbox"
for i in $(seq 1 "$JOBS"); do echo "bench recording $i" > "$inbox/r$i.mp4"; done
enqueue() { "$BIN" watch "$inbox" --enqueue-only --once --debounce 0 --catalog "$1" 2>/dev/null; }

for ms in 0 50; do
    echo "== stub workers, $JOBS jobs of $ms ms each (one process per worker) =="
    printf '%-8s %10s %10s %8s\n' workers seconds jobs/s ratio
    base=""
    for k in 1 2 4 8; do
        db="stub${ms}w$k"; url=$(newdb "$db")
        enqueue "$url"
        pids=()
        for _ in $(seq 1 "$k"); do
            "$BIN" worker --catalog "$url" --out "$work/out-$db" --stub-sleep "$ms" --once --lease 30 --metrics-interval 0 \
                2>>"$work/worker-$db.log" &
            pids+=($!)
        done
        wait "${pids[@]}"
        done_count=$(psql_ -d "$db" -c "SELECT COUNT(*) FROM jobs WHERE state = 'done'")
        [ "$done_count" = "$JOBS" ] || { echo "only $done_count of $JOBS done (log: $work/worker-$db.log)" >&2; BENCH_KEEP=1; exit 1; }
        s=$(span "$db")
        rate=$(python3 -c "print(f'{$JOBS / $s:.1f}')")
        [ -n "$base" ] || base=$rate
        printf '%-8s %10s %10s %8s\n' "$k" "$s" "$rate" "$(python3 -c "print(f'{$rate / $base:.2f}')")"
    done
    echo
done

echo "== real pipeline, 2 worker processes, SampleMedia =="
real="$work/real"; mkdir -p "$real"
media=0
for f in SampleMedia/lesson-en-dialogue.mp4 SampleMedia/lesson-zh-lecture.mp4 SampleMedia/lesson-audio.m4a \
         SampleMedia/lesson-lapel.m4a SampleMedia/lesson-practice.ts; do
    name=$(basename "$f"); stem="${name%.*}"; ext="${name##*.}"
    cp "$f" "$real/$name"
    # MPEG-TS keeps no comment: another transport stream id makes its bytes differ.
    ts=(); [ "$ext" = ts ] && ts=(-mpegts_transport_stream_id 7)
    ffmpeg -nostdin -hide_banner -loglevel error -y -i "$f" -map 0 -c copy -metadata comment=bench-copy "${ts[@]}" "$real/$stem-copy.$ext"
    if [ -f "SampleMedia/$stem.plan.yml" ]; then
        cp "SampleMedia/$stem.plan.yml" "$real/"
        cp "SampleMedia/$stem.plan.yml" "$real/$stem-copy.plan.yml"
    fi
done
for f in "$real"/*.mp4 "$real"/*.m4a "$real"/*.ts; do
    media=$(python3 -c "print($media + $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f"))")
done
count=$(ls "$real"/*.mp4 "$real"/*.m4a "$real"/*.ts | wc -l)
url=$(newdb real2)
"$BIN" watch "$real" --enqueue-only --once --debounce 0 --catalog "$url" 2>/dev/null
pids=()
for _ in 1 2; do
    "$BIN" worker --catalog "$url" --out "$work/out-real" --once --lease 60 --metrics-interval 0 2>>"$work/worker-real.log" &
    pids+=($!)
done
wait "${pids[@]}"
done_count=$(psql_ -d real2 -c "SELECT COUNT(*) FROM jobs WHERE state = 'done'")
s=$(span real2)
python3 - "$count" "$done_count" "$media" "$s" <<'PY'
import sys
count, done, media, s = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"{done}/{count} recordings done, {media:.0f} s of media in {s:.1f} s: "
      f"{done / s * 60:.1f} recordings/min, {media / s:.1f}x realtime (2 workers)")
PY
