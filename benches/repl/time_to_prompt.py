#!/usr/bin/env python3
"""Time from exec to the REPL's prompt on a pseudo-terminal, over several runs.

    time_to_prompt.py RUNS -- tokenhunt --lake LAKE

Each run spawns the command on a fresh pty, waits for `tokenhunt>`, records the
elapsed time, then sends `.quit` and waits for the exit. Prints one line of stats
(milliseconds) and exits non-zero if a run never showed the prompt.
"""
import os
import pty
import select
import statistics
import sys
import time

PROMPT = b"tokenhunt>"


def one_run(argv):
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    seen = b""
    elapsed = None
    deadline = start + 30
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if elapsed is None and PROMPT in seen:
            elapsed = time.perf_counter() - start
            os.write(fd, b".quit\r")
    os.waitpid(pid, 0)
    os.close(fd)
    if elapsed is None:
        sys.stderr.write(seen.decode(errors="replace"))
        sys.exit(f"no prompt from {' '.join(argv)}")
    return elapsed * 1000


def main():
    runs = int(sys.argv[1])
    argv = sys.argv[sys.argv.index("--") + 1:]
    one_run(argv)  # warm the page cache
    times = sorted(one_run(argv) for _ in range(runs))
    print(
        f"time to prompt over {runs} runs: median {statistics.median(times):.0f} ms, "
        f"mean {statistics.mean(times):.0f} ms, min {times[0]:.0f} ms, max {times[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
