#!/usr/bin/env bash
# `make bench-portal`: the portal under load. Seeds a catalog with $LESSONS lessons (one teacher holds
# $TEACHER_LESSONS of them; every lesson shares one small report folder), starts `serve`, signs the
# teacher in, and runs `wrk -c 50 -d 10s --latency` on her lesson list, a lesson page and the report file.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/lessonlens}
LESSONS=${LESSONS:-10000}
TEACHER_LESSONS=${TEACHER_LESSONS:-400}
PORT=${PORT:-18089}
DUR=${DUR:-10s}
WORK=$(mktemp -d /tmp/lessonlens-bench-portal.XXXXXX)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
OUT="$WORK/out"; CATALOG="$OUT/catalog.sqlite"
mkdir -p "$OUT/report"
printf '<!DOCTYPE html><title>report</title><p>%s</p>\n' "$(head -c 60000 /dev/zero | tr '\0' 'x')" > "$OUT/report/report.html"
echo '{"findings":[],"microLessons":[]}' > "$OUT/report/report.json"
PW=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
printf '%s\n' "$PW" | "$BIN" users add bench --role teacher --teacher-id T0 --catalog "$CATALOG" >/dev/null
printf '%s\n' "$PW" | "$BIN" users add bench-district --role district-admin --catalog "$CATALOG" >/dev/null
python3 - "$CATALOG" "$OUT/report" "$LESSONS" "$TEACHER_LESSONS" <<'PY'
import sqlite3, sys, time
db, report, n, mine = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
c = sqlite3.connect(db); t = time.time()
with c:
    for i in range(n):
        c.execute("INSERT INTO recordings (path,size,mtime,sha256,created_at) VALUES (?,?,?,?,?)", (f"/rec/{i}.mp4", 1, t, f"{i+1:064x}", t))
        rid = c.execute("SELECT last_insert_rowid()").fetchone()[0]
        teacher = "T0" if i < mine else f"T{1 + i % 200}"
        c.execute("""INSERT INTO jobs (recording_id,path,state,attempts,pipeline,created_at,finished_at,report_dir,school,room,teacher_id,subject,class_name,recorded_at,attribution)
                     VALUES (?,?,'done',1,'default',?,?,?,?,?,?,?,?,?,'manual')""",
                  (rid, f"/rec/{i}.mp4", t, t, report, f"S{i % 20}", f"R{i % 30}", teacher, ["数学","物理","语文","英语"][i % 4], f"C{i % 12}",
                   f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} {8 + i % 9:02d}:00:00"))
        jid = c.execute("SELECT last_insert_rowid()").fetchone()[0]
        c.execute("""INSERT INTO results (job_id,duration,teacher_ratio,student_ratio,multi_ratio,silence_ratio,rt,ch,mode,median_wait,question_count,
                     turn_exchanges,findings_count,slide_changes,micro_lessons,language,lesson_title,report_dir,created_at)
                     VALUES (?,2400,?,0.3,0.05,0.1,0.6,0.35,'mixed',2.5,?,10,?,4,3,'zh',?,?,?)""",
                  (jid, (i % 100) / 100, i % 9, i % 5, f"Lesson {i}", report, t))
print(f"seeded {n} lessons ({mine} of teacher T0) in {time.time() - t:.1f} s")
PY
"$BIN" serve --catalog "$CATALOG" --out "$OUT" --listen "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done
sign_in() {  # USER → the session token
  local jar="$WORK/jar-$1" csrf
  curl -s -c "$jar" -b "$jar" -o /dev/null "http://127.0.0.1:$PORT/login"
  csrf=$(awk '$6 == "ll_login" {print $7}' "$jar")
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "user=$1" --data-urlencode "password=$PW" "http://127.0.0.1:$PORT/login"
  awk '$6 == "ll_session" {print $7}' "$jar"
}
SESSION=$(sign_in bench); ADMIN=$(sign_in bench-district)
[ -n "$SESSION" ] && [ -n "$ADMIN" ] || { echo "bench-portal: sign-in failed"; cat "$WORK/serve.log"; exit 1; }
JOB=$(curl -s -b "ll_session=$SESSION" "http://127.0.0.1:$PORT/api/v1/lessons?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
echo "catalog: $LESSONS lessons; teacher T0 has $TEACHER_LESSONS; wrk -c 50 -d $DUR on $(nproc) cores"
for run in "teacher /lessons" "teacher /lessons?page=5&sort=talk" "teacher /lessons/$JOB" "teacher /lessons/$JOB/files/report.html" \
           "teacher /api/v1/lessons" "district /lessons" "district /lessons?page=100&sort=talk"; do
  who=${run%% *}; path=${run#* }
  cookie=$SESSION; [ "$who" = district ] && cookie=$ADMIN
  R=$(wrk -c 50 -t 2 -d "$DUR" --latency -H "Cookie: ll_session=$cookie" "http://127.0.0.1:$PORT$path")
  P50=$(echo "$R" | awk '$1 == "50%" {print $2}'); P99=$(echo "$R" | awk '$1 == "99%" {print $2}')
  RPS=$(echo "$R" | awk '/Requests\/sec/ {print $2}'); NON2XX=$(echo "$R" | awk '/Non-2xx/ {print $5}')
  printf '%-9s %-36s p50 %-9s p99 %-9s %s req/s%s\n' "$who" "$path" "$P50" "$P99" "$RPS" "${NON2XX:+ non-2xx: $NON2XX}"
done
