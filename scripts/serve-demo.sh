#!/usr/bin/env bash
# `make serve-demo`: the portal on the sample recordings. Analyses the samples into $OUT (once), imports a
# one-teacher timetable, assigns every lesson to that teacher, creates two demo accounts with random
# passwords (printed below; a demo only, never a default password) and serves on $LISTEN.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/lessonlens}
OUT=${OUT:-out/portal-demo}
LISTEN=${LISTEN:-127.0.0.1:8080}
CATALOG="$OUT/catalog.sqlite"
mkdir -p "$OUT"
if [ ! -f "$OUT/.analysed" ]; then
  for f in SampleMedia/lesson-en-dialogue.mp4 SampleMedia/lesson-zh-lecture.mp4 SampleMedia/lesson-practice.ts; do
    "$BIN" analyze "$f" --out "$OUT" || [ $? -eq 3 ]
  done
  touch "$OUT/.analysed"
fi
cat > "$OUT/timetable.csv" <<'CSV'
school,room,weekday,start,end,teacher_id,teacher_name,subject,class,term
Demo School,101,1,08:00,08:45,T-DEMO,Demo Teacher,Mathematics,Grade 7 (1),demo
CSV
"$BIN" timetable import "$OUT/timetable.csv" --catalog "$CATALOG" >/dev/null
for id in $("$BIN" jobs list --out "$OUT" --state done --json | python3 -c 'import json,sys; print(" ".join(str(j["id"]) for j in json.load(sys.stdin)))'); do
  "$BIN" timetable assign "$id" T-DEMO --catalog "$CATALOG" >/dev/null
done
TEACHER_PW=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
ADMIN_PW=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
printf '%s\n' "$TEACHER_PW" | "$BIN" users add demo-teacher --role teacher --teacher-id T-DEMO --catalog "$CATALOG" >/dev/null
printf '%s\n' "$ADMIN_PW" | "$BIN" users add demo-admin --role district-admin --catalog "$CATALOG" >/dev/null
echo "demo accounts (this run only): demo-teacher / $TEACHER_PW    demo-admin / $ADMIN_PW"
exec "$BIN" serve --catalog "$CATALOG" --out "$OUT" --listen "$LISTEN"
