#!/usr/bin/env bash
# Ingest of a hostile corpus under /usr/bin/time -v: every bad record quarantined
# with its reason, good records around it written, no crash, peak memory measured.
#
#   benches/hostile/run.sh                  # builds the dev binary, corpus in a temp dir
#   TOKENHUNT=target/demo/tokenhunt WORK=/tmp/hostile benches/hostile/run.sh
#
# The corpus (about 800 MB on disk, built once per WORK folder):
#   deep.jsonl        records nested 100,000 levels (objects, arrays, a wrapper element)
#                     between good Okta records
#   long-line.jsonl   one 200 MB line (a JSON object that is no log record), then a good record
#   max-line.jsonl    the same at 255 MiB, just under the 256 MiB value cap: the costliest record
#   huge-open.jsonl   one 300 MB value that never closes (past the 256 MiB value cap)
#   open-quote.csv    a portal CSV export whose second row opens a quote that never
#                     closes (9 MB to the end of its line), good rows after it
#   bomb.json.gz      a good record, then 8 GiB of zeros, gzip: 8 MB on disk
#   pair/             max-line.jsonl twice (hard links), ingested in one run: two parse
#                     workers each holding a maximal record at once (the good record
#                     after each is the same event, written once)
# Results: a table on stdout and WORK/results.tsv; exit status 1 when a check fails.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/tokenhunt-hostile.XXXXXX)}
mkdir -p "$WORK/corpus"
if [[ -z "${TOKENHUNT:-}" ]]; then
    (cd "$ROOT" && cargo build -q -p tokenhunt)
    TOKENHUNT="$ROOT/target/debug/tokenhunt"
fi
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }

OKTA="$ROOT/tests/fixtures/real/okta/elastic-integrations/test-okta-system-events.log"
CSV="$ROOT/tests/fixtures/real/entra-loganalytics/azure-sentinel/sign-in_adelete.first7.csv"
C="$WORK/corpus"
good1=$(sed -n 1p "$OKTA")
good2=$(sed -n 2p "$OKTA")

python3 - "$C" "$good1" "$good2" <<'EOF'
import os, sys
c, good1, good2 = sys.argv[1], sys.argv[2], sys.argv[3]
def write(name, parts):
    path = os.path.join(c, name)
    if os.path.exists(path):
        return
    with open(path + ".tmp", "w") as f:
        for part in parts:
            f.write(part)
    os.rename(path + ".tmp", path)
n = 100_000
write("deep.jsonl", [
    good1, "\n",
    '{"a":' * n, "1", "}" * n, "\n",
    "[" * n, "]" * n, "\n",
    '{"records":[', '{"a":' * n, "1", "}" * n, "]}\n",
    good2, "\n",
])
mb = 1 << 20
write("long-line.jsonl", ['{"pad":"'] + ["A" * mb for _ in range(200)] + ['"}\n', good2, "\n"])
write("max-line.jsonl", ['{"pad":"'] + ["A" * mb for _ in range(255)] + ['"}\n', good2, "\n"])
write("huge-open.jsonl", [good1, "\n", '{"eventType":"user.session.start","pad":"'] + ["B" * mb for _ in range(300)] + ["\n"])
EOF

if [[ ! -f "$C/open-quote.csv" ]]; then
    {
        sed -n 1p "$CSV"
        # The first data row (multi-line JSON cells, so by CSV records, not lines).
        python3 - "$CSV" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(rows[1])
print('x,"' + "C" * (9 << 20))   # a quote that never closes, 9 MB on its line
w.writerow(rows[2])
w.writerow(rows[3])
EOF
    } > "$C/open-quote.csv.tmp" && mv "$C/open-quote.csv.tmp" "$C/open-quote.csv"
fi

if [[ ! -f "$C/bomb.json.gz" ]]; then
    { printf '%s\n' "$good1"; head -c 8G /dev/zero; } | gzip -9 > "$C/bomb.json.gz.tmp"
    mv "$C/bomb.json.gz.tmp" "$C/bomb.json.gz"
fi

mkdir -p "$C/pair"
ln -f "$C/max-line.jsonl" "$C/pair/a.jsonl"
ln -f "$C/max-line.jsonl" "$C/pair/b.jsonl"

status=0
printf 'file\tbytes on disk\texit\tpeak RSS MiB\tseconds\tread\twritten\tquarantined\treasons\n' | tee "$WORK/results.tsv"
for file in deep.jsonl long-line.jsonl max-line.jsonl huge-open.jsonl open-quote.csv bomb.json.gz pair; do
    lake="$WORK/lake-$file"
    rm -rf "$lake"
    set +e
    # A folder's files are named one by one: discovery skips a folder's files whose first
    # record is no log, and these are meant to be read.
    inputs=("$C/$file")
    [[ -d "$C/$file" ]] && inputs=("$C/$file"/*)
    /usr/bin/time -v -o "$WORK/$file.time" "$TOKENHUNT" --lake "$lake" --format jsonl ingest "${inputs[@]}" \
        > "$WORK/$file.summary.json" 2> "$WORK/$file.stderr"
    code=$?
    set -e
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/$file.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/$file.time")
    read -r read written quarantined < <(python3 - "$WORK/$file.summary.json" <<'EOF' || echo "- - -"
import json, sys
s = json.load(open(sys.argv[1]))
print(s["read"], s["written"], s["quarantined"])
EOF
)
    reasons=$(cat "$lake"/_tokenhunt/quarantine/*.jsonl 2>/dev/null | python3 -c '
import json, sys
seen = []
for line in sys.stdin:
    r = json.loads(line)
    reason = r.get("reason", "?")[:90]
    if reason not in seen:
        seen.append(reason)
print(" | ".join(seen))' || true)
    error=$(grep -o 'error[^"]*' "$WORK/$file.stderr" | head -1 || true)
    size=$(du -blL "$C/$file" | cut -f1)
    printf '%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n' "$file" "$size" "$code" $((rss_kb / 1024)) "$wall" \
        "$read" "$written" "$quarantined" "${reasons:-$error}" | tee -a "$WORK/results.tsv"
    # Checks: no crash (a signal shows as 128+n), the good records written, the
    # bad ones quarantined with a reason.
    if (( code >= 128 )); then echo "  FAIL: $file killed by signal $((code - 128))"; status=1; fi
    case $file in
        deep.jsonl)
            [[ $written == 2 && $quarantined == 3 && $reasons == *"levels deep; the limit is 512"* ]] \
                || { echo "  FAIL: $file"; status=1; } ;;
        long-line.jsonl|max-line.jsonl)
            [[ $written == 1 && $quarantined == 1 ]] || { echo "  FAIL: $file"; status=1; } ;;
        huge-open.jsonl)
            [[ $written == 1 && $quarantined == 1 ]] || { echo "  FAIL: $file"; status=1; } ;;
        open-quote.csv)
            [[ $written -ge 2 && $quarantined -ge 1 && $reasons == *"CSV record larger than 8 MiB"* ]] \
                || { echo "  FAIL: $file"; status=1; } ;;
        pair)
            # The good record after each maximal one is the same event: written once.
            [[ $written == 1 && $quarantined == 2 ]] || { echo "  FAIL: $file"; status=1; } ;;
        bomb.json.gz)
            grep -q 'MAX_GZIP_RATIO' "$WORK/$file.stderr" "$WORK/$file.summary.json" \
                || { echo "  FAIL: $file: no gzip ratio error"; status=1; } ;;
    esac
done
echo "work folder: $WORK"
exit $status
