#!/usr/bin/env bash
# Generator throughput and memory: builds the release example and generates a slice of the large profile
# (45,000 users; 2 days by default, about 10 million events), reporting events/s and peak RSS.
#
#   benches/gen/gen_bench.sh [days] [formats] [gzip|plain] [out-dir]
#
# Needs /usr/bin/time (Debian package `time`). The output directory is deleted afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
days="${1:-2}"
formats="${2:-entra-la,okta}"
compress="${3:-gzip}"
out="${4:-${TMPDIR:-/tmp}/tokenhunt-gen-bench}"
target="${CARGO_TARGET_DIR:-target}"

CARGO_TARGET_DIR="$target" cargo build --release -q -p tokenhunt-gen --example gen_tenant
rm -rf "$out"
log="$(mktemp)"
/usr/bin/time -v "$target/release/examples/gen_tenant" large 1 "$out" 0 "$days" "$formats" "$compress" \
    >"$out.summary.json" 2>"$log" || { cat "$log"; exit 1; }
grep -E "events in" "$log"
grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$log"
du -sh "$out" | sed 's/^/on disk: /'
rm -rf "$out" "$out.summary.json" "$log"
