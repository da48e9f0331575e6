#!/usr/bin/env bash
# Start-up to prompt: how long `tokenhunt --lake L` takes to open the session over an
# existing lake, read the catalog for completion and show the prompt on a terminal.
#
#   benches/repl/startup.sh [path/to/tokenhunt] [lake]
#
# time_to_prompt.py spawns the REPL on a pseudo-terminal and times exec → `tokenhunt>`
# (the number to hold under 300 ms). When hyperfine is installed
# (`apt-get install hyperfine`) it also times the whole start → prompt → `.quit`
# cycle, beside the same harness around `true` to show the harness's own cost.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-${CARGO_TARGET_DIR:-$root/target}/debug/tokenhunt}"
lake="${2:-}"
runs="${RUNS:-20}"

if [[ ! -x "$bin" ]]; then
    echo "no binary at $bin (build it, or pass its path)" >&2
    exit 1
fi
if [[ -z "$lake" ]]; then
    lake="$(mktemp -d)/lake"
    "$bin" --lake "$lake" -q ingest "$root/tests/fixtures/real"
fi

history="$(mktemp)"
export TOKENHUNT_HISTORY="$history" NO_COLOR=1 PAGER= TERM=xterm
python3 "$root/benches/repl/time_to_prompt.py" "$runs" -- "$bin" --lake "$lake" -q

if command -v hyperfine > /dev/null; then
    cycle="python3 -c 'import pty, sys; pty.spawn(sys.argv[1:])'"
    hyperfine --warmup 3 --runs "$runs" --shell=bash \
        -n "pty harness around true" "printf '.quit\r' | $cycle true" \
        -n "tokenhunt start, prompt, .quit" "printf '.quit\r' | $cycle $bin --lake $lake -q"
fi
rm -f "$history"
