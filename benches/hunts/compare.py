#!/usr/bin/env python3
"""Runs every hunt of data/hunts/ with tokenhunt and its hand-written DuckDB port
(benches/hunts/duckdb/) on the same lake, and compares speed, peak memory and findings.

    python3 benches/hunts/compare.py --lake LAKE --tokenhunt target/fast/tokenhunt --json out.json

tokenhunt runs twice per hunt: once computing the baselines inside the run (a lake with
no stored baseline), and once after `tokenhunt baseline` stored them. DuckDB runs in one
child process: setup.sql once (views, macros, reference tables and the baseline tables:
the counterpart of `tokenhunt baseline`), then each hunt file. Both sides use --threads
threads. Findings are compared per hunt: the count, and the rows themselves (user,
session, first/last seen, score).

The given lake is never written to: tokenhunt runs on a scratch lake whose signins/ and
audit/ are symlinks to it, so the stored baseline lands in the scratch directory.

Needs Python 3.11 and the `duckdb` package (2.x). Any failure (a hunt erroring on either
side, a missing port, unparsable output) stops the script with a non-zero exit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HUNTS_DIR = REPO / "data" / "hunts"
REFERENCE_DIR = REPO / "data" / "reference"
DUCKDB_DIR = HERE / "duckdb"

# The `-v` line tokenhunt prints per hunt: the engine's time for the hunt's SQL and its
# findings, without process start-up, session set-up or the baseline.
VERBOSE_LINE = re.compile(r"^hunt\s+(\S+)\s+(\d+) finding\(s\) in ([0-9.]+) s\s*$")
# Inlined `min_score` defaults in the DuckDB ports: `>= 60 /* min_score */`.
MIN_SCORE_LITERAL = re.compile(r"\d+(?:\.\d+)? /\* min_score \*/")


class CompareError(Exception):
    """A failure that must stop the comparison."""


# ------------------------------------------------------------------------------------------
# Shared helpers
# ------------------------------------------------------------------------------------------


def rfc3339(value: dt.datetime) -> str:
    """Timestamps as tokenhunt prints them (engine/src/timerange.rs `rfc3339`)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if value.microsecond == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def finding_key(user, session_id, first_seen: str, last_seen: str, score) -> list:
    """What identifies a finding across the two engines. The score as the findings
    contract stores it: clamped to 0-100 and rounded to one decimal."""
    score = min(100.0, max(0.0, float(score)))
    return [
        user.lower() if user else None,
        session_id or None,
        first_seen,
        last_seen,
        round(score * 10.0) / 10.0,
    ]


def hunt_ids(selected: str | None) -> list[str]:
    ids = sorted(p.stem for p in HUNTS_DIR.glob("*.sql"))
    if not ids:
        raise CompareError(f"no hunts in {HUNTS_DIR}")
    if selected:
        wanted = [h.strip() for h in selected.split(",") if h.strip()]
        unknown = [h for h in wanted if h not in ids]
        if unknown:
            raise CompareError(f"unknown hunt(s): {', '.join(unknown)} (known: {', '.join(ids)})")
        ids = wanted
    missing = [h for h in ids if not (DUCKDB_DIR / f"{h}.sql").is_file()]
    if missing:
        raise CompareError(f"no DuckDB port for: {', '.join(missing)} (expected in {DUCKDB_DIR})")
    return ids


def run_measured(cmd: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float, int]:
    """Runs a command to completion; returns the result, wall seconds and the child's
    peak RSS in KiB (from wait4, so it is this process alone)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(
            cmd, proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
        )
    # ru_maxrss is KiB on Linux.
    return result, seconds, int(usage.ru_maxrss)


def check(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0:
        raise CompareError(
            f"{what} failed with exit code {result.returncode}\n"
            f"command: {' '.join(result.args)}\nstderr:\n{result.stderr.strip()}"
        )


# ------------------------------------------------------------------------------------------
# DuckDB side (runs in a child process, so its peak RSS is measurable on its own)
# ------------------------------------------------------------------------------------------


def duckdb_sql(hunt: str, all_scores: bool) -> str:
    sql = (DUCKDB_DIR / f"{hunt}.sql").read_text()
    if all_scores:
        sql, count = MIN_SCORE_LITERAL.subn("0 /* min_score */", sql)
        if count == 0:
            raise CompareError(f"{hunt}: no `/* min_score */` literal to override in the DuckDB port")
    return sql


def duckdb_worker(args: argparse.Namespace) -> int:
    import duckdb  # imported here: the parent does not need it

    hunts = args.hunts.split(",")
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(args.threads)}")
    con.execute("SET temp_directory = ?", [str(Path(args.work) / "duckdb.tmp")])
    con.execute("SET VARIABLE lake = ?", [str(Path(args.lake).resolve())])
    con.execute("SET VARIABLE reference_dir = ?", [str(REFERENCE_DIR)])
    started = time.perf_counter()
    con.execute((DUCKDB_DIR / "setup.sql").read_text())
    setup_seconds = time.perf_counter() - started
    report = {"version": duckdb.__version__, "setup_seconds": setup_seconds, "hunts": {}}
    for hunt in hunts:
        sql = duckdb_sql(hunt, args.all_scores)
        samples, rows, columns = [], [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            cursor = con.execute(sql)
            rows = cursor.fetchall()
            samples.append(time.perf_counter() - started)
            columns = [d[0] for d in cursor.description]
        needed = {"user", "first_seen", "reason"}
        if not needed <= set(columns):
            raise CompareError(f"DuckDB {hunt}: result lacks {sorted(needed - set(columns))}")
        keys = []
        for row in rows:
            record = dict(zip(columns, row))
            first_seen = rfc3339(record["first_seen"])
            last_seen = rfc3339(record["last_seen"]) if record.get("last_seen") is not None else first_seen
            keys.append(finding_key(record["user"], record.get("session_id"), first_seen, last_seen,
                                    record.get("score", 0)))
        report["hunts"][hunt] = {"seconds": samples, "findings": len(rows), "keys": keys}
    json.dump(report, sys.stdout)
    return 0


# ------------------------------------------------------------------------------------------
# tokenhunt side
# ------------------------------------------------------------------------------------------


def tokenhunt_hunt(binary: Path, lake: Path, config: Path, threads: int, hunt: str, work: Path) -> dict:
    cmd = [str(binary), "--lake", str(lake), "--config", str(config), "--threads", str(threads),
           "--format", "jsonl", "-v", "hunt", hunt,
           # The CLI's own score cut (default 50 since the `--min-score` change) would drop
           # rows the hunt returned; the comparison is of each hunt's result, which already
           # applies the hunt's `min_score` parameter (as the DuckDB port does).
           "--min-score", "0"]
    result, wall, rss = run_measured(cmd, cwd=work)
    check(result, f"tokenhunt hunt {hunt}")
    engine = None
    for line in result.stderr.splitlines():
        match = VERBOSE_LINE.match(line.strip())
        if match and match.group(1) == hunt:
            engine = float(match.group(3))
    if engine is None:
        raise CompareError(f"tokenhunt hunt {hunt}: no timing line on stderr:\n{result.stderr}")
    keys = []
    for number, line in enumerate(result.stdout.splitlines(), 1):
        if not line.strip():
            continue
        try:
            finding = json.loads(line)
        except json.JSONDecodeError as error:
            raise CompareError(f"tokenhunt hunt {hunt}: line {number} is not JSON ({error}): {line[:200]}")
        keys.append(finding_key(finding.get("user"), finding.get("session_id"), finding["first_seen"],
                                finding["last_seen"], finding["score"]))
    return {"wall": wall, "engine": engine, "rss_kib": rss, "keys": keys}


def make_scratch_lake(lake: Path, work: Path) -> Path:
    """A lake whose data directories are the given lake's, with its own _tokenhunt/."""
    scratch = work / "lake"
    scratch.mkdir()
    for table in ("signins", "audit"):
        (scratch / table).symlink_to(lake / table, target_is_directory=True)
    return scratch


def write_config(path: Path, hunts: list[str], all_scores: bool) -> None:
    """An explicit configuration, so a tokenhunt.toml in the working directory or
    TOKENHUNT_CONFIG cannot change the hunts; defaults, or min_score 0 everywhere."""
    lines = ["# written by benches/hunts/compare.py: the default configuration"]
    if all_scores:
        for hunt in hunts:
            lines += [f"[hunts.{hunt}]", "min_score = 0"]
    path.write_text("\n".join(lines) + "\n")


def check_lake(lake: Path) -> None:
    for table in ("signins", "audit"):
        files = list((lake / table).glob("*/*/*.parquet"))
        if not files:
            # DuckDB's read_parquet fails on an empty glob; tokenhunt would not.
            raise CompareError(f"{lake / table}: no <source>/<date>/*.parquet files")


def warm_page_cache(lake: Path) -> int:
    """Reads every Parquet file once so that neither side pays for a cold disk."""
    total = 0
    for path in sorted(lake.glob("*/*/*/*.parquet")):
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                total += len(chunk)
    return total


# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------


def compare_keys(ours: list, theirs: list) -> dict:
    a = Counter(json.dumps(k) for k in ours)
    b = Counter(json.dumps(k) for k in theirs)
    only_ours = a - b
    only_duckdb = b - a
    return {
        "rows_match": not only_ours and not only_duckdb,
        "only_ours": [json.loads(k) for k in only_ours.elements()],
        "only_duckdb": [json.loads(k) for k in only_duckdb.elements()],
    }


def fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(rows: list[dict], summary: dict) -> None:
    header = ["hunt", "ours s", "ours wall s", "ours wall s", "DuckDB s", "ratio", "findings", "findings", "rows"]
    sub = ["", "(hunt SQL)", "(stored bl)", "(computed bl)", "(hunt SQL)", "DuckDB/ours", "ours", "DuckDB", "equal"]
    table = [header, sub]
    for row in rows:
        table.append([
            row["hunt"], fmt_seconds(row["ours_seconds"]), fmt_seconds(row["ours_wall_stored_seconds"]),
            fmt_seconds(row["ours_wall_computed_seconds"]), fmt_seconds(row["duckdb_seconds"]),
            "-" if row["ratio"] is None else f"{row['ratio']:.2f}",
            str(row["findings_ours"]), str(row["findings_duckdb"]),
            "yes" if row["rows_match"] else ("count only" if row["counts_match"] else "NO"),
        ])
    table.append([
        "TOTAL", fmt_seconds(summary["ours_seconds_total"]), fmt_seconds(summary["ours_wall_stored_total"]),
        fmt_seconds(summary["ours_wall_computed_total"]), fmt_seconds(summary["duckdb_seconds_total"]),
        "-" if summary["ratio_total"] is None else f"{summary['ratio_total']:.2f}",
        str(summary["findings_ours_total"]), str(summary["findings_duckdb_total"]),
        "yes" if summary["all_rows_match"] else "NO",
    ])
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for index, row in enumerate(table):
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        print("  ".join(cells))
        if index == 1 or index == len(table) - 2:
            print("  ".join("-" * w for w in widths))
    print()
    print(f"baseline: tokenhunt baseline {summary['ours_baseline_wall_seconds']:.3f} s wall; "
          f"DuckDB setup.sql {summary['duckdb_setup_seconds']:.3f} s "
          f"(views, macros, reference and baseline tables)")
    print(f"peak RSS: tokenhunt {summary['ours_peak_rss_mib']:.0f} MiB (largest single run); "
          f"DuckDB {summary['duckdb_peak_rss_mib']:.0f} MiB (whole child process incl. Python, all hunts)")
    print("ratio > 1: tokenhunt is faster. 'count only': same number of findings, different rows.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lake", required=True, type=Path, help="the lake (folder with signins/ and audit/)")
    parser.add_argument("--tokenhunt", type=Path, help="the tokenhunt binary")
    parser.add_argument("--json", type=Path, help="write the table (and details) as JSON here")
    parser.add_argument("--threads", type=int, default=2, help="threads for both engines (default 2)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per hunt and side; the table shows the fastest (default 1)")
    parser.add_argument("--hunts", help="comma-separated hunt ids (default: all of data/hunts)")
    parser.add_argument("--all-scores", action="store_true",
                        help="equivalence check: min_score = 0 on both sides (more findings to compare; "
                             "timings are then not the benchmark)")
    parser.add_argument("--keep-work", action="store_true", help="keep the scratch directory")
    parser.add_argument("--duckdb-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.duckdb_worker:
        return duckdb_worker(args)
    if args.tokenhunt is None or args.json is None:
        parser.error("--tokenhunt and --json are required")

    lake = args.lake.resolve()
    binary = args.tokenhunt.resolve()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        raise CompareError(f"{binary}: not an executable file")
    check_lake(lake)
    hunts = hunt_ids(args.hunts)

    work = Path(tempfile.mkdtemp(prefix="tokenhunt-compare-"))
    try:
        scratch = make_scratch_lake(lake, work)
        config = work / "tokenhunt.toml"
        write_config(config, hunts, args.all_scores)
        warmed = warm_page_cache(lake)
        print(f"lake {lake} ({warmed / 2**20:.0f} MiB of Parquet, page cache warmed); "
              f"threads {args.threads}; repeat {args.repeat}"
              + ("; ALL SCORES (min_score = 0)" if args.all_scores else ""), file=sys.stderr)

        # 1. tokenhunt computing the baselines in every run (no stored baseline yet).
        computed: dict[str, list[dict]] = {}
        for hunt in hunts:
            computed[hunt] = [tokenhunt_hunt(binary, scratch, config, args.threads, hunt, work)
                              for _ in range(args.repeat)]
            print(f"  tokenhunt (computed baseline) {hunt}: {min(r['wall'] for r in computed[hunt]):.2f} s",
                  file=sys.stderr)

        # 2. `tokenhunt baseline` once, then every hunt on the stored baseline.
        result, baseline_wall, baseline_rss = run_measured(
            [str(binary), "--lake", str(scratch), "--config", str(config), "--threads", str(args.threads),
             "baseline"], cwd=work)
        check(result, "tokenhunt baseline")
        print(f"  tokenhunt baseline: {baseline_wall:.2f} s", file=sys.stderr)
        stored: dict[str, list[dict]] = {}
        for hunt in hunts:
            stored[hunt] = [tokenhunt_hunt(binary, scratch, config, args.threads, hunt, work)
                            for _ in range(args.repeat)]
            print(f"  tokenhunt (stored baseline) {hunt}: {min(r['engine'] for r in stored[hunt]):.2f} s",
                  file=sys.stderr)

        # 3. DuckDB in a child process.
        worker = [sys.executable, str(Path(__file__).resolve()), "--duckdb-worker", "--lake", str(lake),
                  "--threads", str(args.threads), "--repeat", str(args.repeat), "--hunts", ",".join(hunts),
                  "--work", str(work)] + (["--all-scores"] if args.all_scores else [])
        result, duck_wall, duck_rss = run_measured(worker, cwd=work)
        check(result, "the DuckDB worker")
        try:
            duck = json.loads(result.stdout)
        except json.JSONDecodeError as error:
            raise CompareError(f"DuckDB worker output is not JSON ({error}):\n{result.stdout[:500]}\n{result.stderr}")
        print(f"  DuckDB {duck['version']}: setup {duck['setup_seconds']:.2f} s, whole process {duck_wall:.2f} s",
              file=sys.stderr)
    finally:
        if args.keep_work:
            print(f"scratch directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    rows = []
    for hunt in hunts:
        ours_engine = min(r["engine"] for r in stored[hunt])
        duck_seconds = min(duck["hunts"][hunt]["seconds"])
        ours_keys = stored[hunt][0]["keys"]
        # Every tokenhunt run should agree with the others (baseline stored or computed);
        # ties in a window's ORDER BY can make a run differ, so this is reported, not fatal.
        consistent = all(sorted(map(json.dumps, run["keys"])) == sorted(map(json.dumps, ours_keys))
                         for run in computed[hunt] + stored[hunt][1:])
        if not consistent:
            print(f"warning: tokenhunt {hunt}: findings differ between runs; comparing the first stored-baseline run",
                  file=sys.stderr)
        detail = compare_keys(ours_keys, duck["hunts"][hunt]["keys"])
        rows.append({
            "hunt": hunt,
            "ours_seconds": ours_engine,
            "ours_wall_stored_seconds": min(r["wall"] for r in stored[hunt]),
            "ours_wall_computed_seconds": min(r["wall"] for r in computed[hunt]),
            "ours_engine_computed_seconds": min(r["engine"] for r in computed[hunt]),
            "duckdb_seconds": duck_seconds,
            # > 1: DuckDB took longer, i.e. tokenhunt is faster. The engine reports 2 decimals.
            "ratio": duck_seconds / ours_engine if ours_engine > 0 else None,
            "findings_ours": len(ours_keys),
            "findings_duckdb": duck["hunts"][hunt]["findings"],
            "counts_match": len(ours_keys) == duck["hunts"][hunt]["findings"],
            "rows_match": detail["rows_match"],
            "ours_runs_consistent": consistent,
            "only_ours": detail["only_ours"],
            "only_duckdb": detail["only_duckdb"],
            "samples": {
                "ours_engine_stored": [r["engine"] for r in stored[hunt]],
                "ours_wall_stored": [r["wall"] for r in stored[hunt]],
                "ours_wall_computed": [r["wall"] for r in computed[hunt]],
                "duckdb": duck["hunts"][hunt]["seconds"],
            },
            "ours_peak_rss_kib": max(r["rss_kib"] for r in stored[hunt] + computed[hunt]),
        })
    ours_total = sum(r["ours_seconds"] for r in rows)
    duck_total = sum(r["duckdb_seconds"] for r in rows)
    summary = {
        "lake": str(lake),
        "tokenhunt": str(binary),
        "duckdb_version": duck["version"],
        "threads": args.threads,
        "repeat": args.repeat,
        "all_scores": args.all_scores,
        "ours_seconds_total": ours_total,
        "ours_wall_stored_total": sum(r["ours_wall_stored_seconds"] for r in rows),
        "ours_wall_computed_total": sum(r["ours_wall_computed_seconds"] for r in rows),
        "duckdb_seconds_total": duck_total,
        "ratio_total": duck_total / ours_total if ours_total > 0 else None,
        "ours_baseline_wall_seconds": baseline_wall,
        "duckdb_setup_seconds": duck["setup_seconds"],
        "duckdb_process_wall_seconds": duck_wall,
        "ours_peak_rss_mib": max([r["ours_peak_rss_kib"] for r in rows] + [baseline_rss]) / 1024,
        "ours_baseline_peak_rss_mib": baseline_rss / 1024,
        "duckdb_peak_rss_mib": duck_rss / 1024,
        "findings_ours_total": sum(r["findings_ours"] for r in rows),
        "findings_duckdb_total": sum(r["findings_duckdb"] for r in rows),
        "all_counts_match": all(r["counts_match"] for r in rows),
        "all_rows_match": all(r["rows_match"] for r in rows),
    }
    print_table(rows, summary)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"summary": summary, "hunts": rows}, indent=2) + "\n")
    print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CompareError as error:
        print(f"compare.py: {error}", file=sys.stderr)
        sys.exit(1)
