#!/usr/bin/env python3
"""Run the udfs bench's Parquet queries in DuckDB and compare with tokenhunt's timings.

Usage (from the workspace root, after `cargo bench --workspace --profile fast --bench udfs_bench`):

    pip install duckdb
    python3 benches/udfs/duckdb_compare.py [bench-data/signins.parquet] [--threads 1]

The bench writes `bench-data/signins.parquet` (user, t, lat, lon, ip) and
`bench-data/udfs_bench_results.json` (seconds per query, DataFusion with one partition). This
script times the same three computations in DuckDB with the same thread count and prints the
DuckDB/tokenhunt time ratio (> 1 means tokenhunt is faster):

* haversine distance of every row to Paris (DuckDB: the formula in SQL),
* LAG-based velocity per user ordered by time (DuckDB: LAG + formula; zero tolerance),
* the IPv4 /24 network of every address, grouped (DuckDB: string functions).
"""

import argparse
import json
import os
import sys
import time

try:
    import duckdb
except ImportError:  # pragma: no cover - environment dependent
    sys.exit("duckdb is not installed: pip install duckdb")

R = 6371.0088  # same mean Earth radius as tokenhunt's geo_distance_km

HAVERSINE = """
    2 * {r} * asin(least(1.0, sqrt(
        pow(sin(radians({lat2} - {lat1}) / 2), 2)
        + cos(radians({lat1})) * cos(radians({lat2})) * pow(sin(radians({lon2} - {lon1}) / 2), 2))))
"""


def haversine(lat1, lon1, lat2, lon2):
    return HAVERSINE.format(r=R, lat1=lat1, lon1=lon1, lat2=lat2, lon2=lon2)


QUERIES = {
    "parquet: haversine distance": f"""
        SELECT sum({haversine('lat', 'lon', '48.8566', '2.3522')}) FROM signins
    """,
    "parquet: LAG velocity": f"""
        SELECT max(v) FROM (
            SELECT CASE
                     WHEN prev_t IS NULL THEN NULL
                     WHEN d = 0 THEN 0.0
                     WHEN secs = 0 THEN 'inf'::DOUBLE
                     ELSE d * 3600.0 / abs(secs)
                   END AS v
            FROM (
                SELECT prev_t,
                       {haversine('prev_lat', 'prev_lon', 'lat', 'lon')} AS d,
                       epoch(t) - epoch(prev_t) AS secs
                FROM (
                    SELECT t, lat, lon,
                           lag(t) OVER w AS prev_t, lag(lat) OVER w AS prev_lat, lag(lon) OVER w AS prev_lon
                    FROM signins WINDOW w AS (PARTITION BY "user" ORDER BY t))))
    """,
    "parquet: IPv4 /24 prefix": """
        SELECT count(*) FROM (
            SELECT split_part(ip, '.', 1) || '.' || split_part(ip, '.', 2) || '.' || split_part(ip, '.', 3) || '.0/24' AS net,
                   count(*) AS c
            FROM signins GROUP BY net)
    """,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("parquet", nargs="?", default="bench-data/signins.parquet")
    ap.add_argument("--results", default=None, help="tokenhunt results JSON (default: beside the Parquet file)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per query; the best is kept")
    args = ap.parse_args()
    if not os.path.exists(args.parquet):
        sys.exit(f"{args.parquet} not found: run the udfs bench first")
    results_path = args.results or os.path.join(os.path.dirname(args.parquet), "udfs_bench_results.json")
    ours = {}
    if os.path.exists(results_path):
        with open(results_path) as f:
            ours = json.load(f)

    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.execute(f"CREATE VIEW signins AS SELECT * FROM read_parquet('{args.parquet}')")
    rows = con.execute("SELECT count(*) FROM signins").fetchone()[0]
    print(f"DuckDB {duckdb.__version__}, {args.threads} thread(s), {rows} rows from {args.parquet}")
    print(f"{'query':<32} {'duckdb s':>10} {'tokenhunt s':>12} {'ratio':>8}  result")
    for name, sql in QUERIES.items():
        best = None
        value = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            value = con.execute(sql).fetchone()[0]
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        th = ours.get(name, {}).get("seconds")
        ratio = f"{best / th:8.2f}" if th else "     n/a"
        th_s = f"{th:12.3f}" if th else f"{'n/a':>12}"
        print(f"{name:<32} {best:10.3f} {th_s} {ratio}  {value}")
    if "parquet: hop_kmh velocity" in ours:
        th = ours["parquet: hop_kmh velocity"]["seconds"]
        print(f"(tokenhunt hop_kmh window for the same velocity: {th:.3f} s)")


if __name__ == "__main__":
    main()
