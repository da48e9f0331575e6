#!/usr/bin/env bash
# A pull over a long empty range (issue 17, item 6): a loopback Okta whose System
# Log holds nothing for a year but one busy week, pulled with
# `pull okta --since <a year before>`. Prints wall time, the requests the server
# saw, the ingest manifests written, and the pull's own summary.
#
#   benches/pull/gap_bench.sh [per_day] [busy_days] [days_before_until] [range_days]
#
# Defaults: 2,000 events a day for 7 days, the week ending 8 days before --until
# (today 00:00 UTC), over a range of 365 days. TOKENHUNT names the binary (default
# ${CARGO_TARGET_DIR:-target}/debug/tokenhunt); WORK the scratch folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
per_day=${1:-2000}
busy_days=${2:-7}
gap_after=${3:-8}
range_days=${4:-365}
bin=${TOKENHUNT:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/tokenhunt}
[ -x "$bin" ] || { echo "no $bin: cargo build -p tokenhunt (or set TOKENHUNT)" >&2; exit 2; }
WORK=${WORK:-$(mktemp -d /tmp/tokenhunt-pullgap.XXXXXX)}
mkdir -p "$WORK"
rm -rf "$WORK/lake"

until_s=$(( $(date -u +%s) / 86400 * 86400 ))
since_s=$(( until_s - range_days * 86400 ))
busy_s=$(( until_s - (gap_after + busy_days) * 86400 ))
cat > "$WORK/events.json" <<JSON
{"fixture": "$ROOT/tests/fixtures/real/okta/okta-developer-docs/system-log-api_example-logevent.json",
 "busy": [[$busy_s, $busy_days, $per_day]]}
JSON
rm -f "$WORK/port"
python3 "$ROOT/benches/pull/okta_server.py" "$WORK/events.json" "$WORK/port" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$WORK/port")"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
echo "range $(iso $since_s) .. $(iso $until_s) ($range_days days); busy $(iso $busy_s) + $busy_days days x $per_day events"
start=$(date +%s.%N)
OKTA_API_TOKEN=bench-token "$bin" --lake "$WORK/lake" --format jsonl \
    --since "$(iso $since_s)" --until "$(iso $until_s)" \
    pull okta --org https://acme.okta.com --okta-url "$base" \
    > "$WORK/summary.json" 2> "$WORK/stderr.txt"
end=$(date +%s.%N)
requests=$(curl -s "$base/_requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
manifests=$(find "$WORK/lake/_tokenhunt/ingest" -name '*.json' 2>/dev/null | wc -l)
parquet=$(find "$WORK/lake" -name '*.parquet' | wc -l)
printf 'wall %.2f s · %s requests · %s manifests · %s parquet files · %s events expected\n' \
    "$(echo "$end - $start" | bc)" "$requests" "$manifests" "$parquet" $(( per_day * busy_days ))
cat "$WORK/summary.json"
grep -v '^pulled ' "$WORK/stderr.txt" || true
