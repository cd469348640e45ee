#!/bin/sh
# Renders a report.html to a PNG with headless Chromium, for eyeballing the layout.
# Usage: scripts/screenshot-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]
# Needs the Debian packages `chromium` and `fonts-noto-cjk` (Chinese glyphs).
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT]" >&2
    exit 64
fi
report=$1
out=$2
size=${3:-1200x3000}
[ -r "$report" ] || { echo "error: cannot read '$report'" >&2; exit 66; }
command -v chromium >/dev/null 2>&1 || { echo "error: chromium not found (apt-get install -y chromium fonts-noto-cjk)" >&2; exit 69; }
abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
width=${size%x*}
height=${size#*x}
# A private profile directory, so concurrent runs do not fight over the default one.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --screenshot="$out" --window-size="$width,$height" "file://$abs" >/dev/null 2>&1
[ -s "$out" ] || { echo "error: chromium wrote no screenshot to '$out'" >&2; exit 1; }
echo "$out"
