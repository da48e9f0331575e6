#!/usr/bin/env python3
"""A loopback Okta System Log API for benches/pull/gap_bench.sh.

Serves GET /api/v1/logs (since, until, limit, sortOrder=ASCENDING, after) over a
fixed set of events: the System Log API documentation's example LogEvent with its
uuid, published time, address and session varied. Pages are JSON arrays; a
bounded query has a `Link: <...>; rel="next"` header while events remain, as Okta
does. Every request is counted: GET /_requests answers the count (not counted).

    okta_server.py EVENTS_JSON PORT_FILE

EVENTS_JSON holds {"fixture": path, "busy": [[start_epoch_seconds, days, per_day]]}.
The chosen port is written to PORT_FILE once the server listens.
"""
import bisect
import copy
import datetime
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def iso(seconds):
    return (
        datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        + "Z"
    )


def parse(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def build(spec):
    with open(spec["fixture"]) as f:
        template = json.load(f)
    events = []
    n = 0
    for start, days, per_day in spec["busy"]:
        total = days * per_day
        for i in range(total):
            at = start + days * 86400 * i / total + 1.234
            record = copy.deepcopy(template)
            record["uuid"] = f"5b2c4e9a-{n:08x}-4c1e-9d6f-gapbench{n:04x}"
            record["published"] = iso(at)
            record["client"]["ipAddress"] = f"198.51.{n // 250 % 250}.{n % 250 + 1}"
            if isinstance(record.get("authenticationContext"), dict):
                record["authenticationContext"]["externalSessionId"] = f"idxGap{n:06d}"
            events.append((at, json.dumps(record)))
            n += 1
    events.sort(key=lambda e: e[0])
    return [e[0] for e in events], [e[1] for e in events]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    times = []
    bodies = []
    requests = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_requests":
            return self.reply(200, json.dumps({"requests": Handler.requests}))
        with Handler.lock:
            Handler.requests += 1
        if url.path != "/api/v1/logs":
            return self.reply(404, '{"errorSummary":"Not found"}')
        query = dict(urllib.parse.parse_qsl(url.query))
        since, until = parse(query["since"]), parse(query["until"])
        limit = int(query.get("limit", "100"))
        first = bisect.bisect_left(Handler.times, since)
        end = bisect.bisect_left(Handler.times, until)
        start = max(first, int(query.get("after", first)))
        stop = min(end, start + limit)
        page = "[" + ",".join(Handler.bodies[start:stop]) + "]"
        headers = []
        if stop < end:
            rest = dict(query, after=str(stop))
            link = f"http://{self.headers['Host']}/api/v1/logs?{urllib.parse.urlencode(rest)}"
            headers.append(("Link", f'<{link}>; rel="next"'))
        self.reply(200, page, headers)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    Handler.times, Handler.bodies = build(spec)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[2], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
