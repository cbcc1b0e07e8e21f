#!/usr/bin/env python3
"""Push and import throughput against a running server on 127.0.0.1 (promlet with
--web.enable-push, or a Pushgateway for comparison).

  push_bench.py push PORT [N]      N keep-alive PUTs of one 100-series group; prints pushes/s
  push_bench.py import PORT [N]    one POST /api/v1/import/prometheus of N timestamped samples
                                   (1000 series); prints samples/s
"""
import http.client
import sys
import time


def push(port, n):
    body = "".join('bench_metric{i="%d"} %d\n' % (i, i) for i in range(100)).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    start = time.perf_counter()
    for _ in range(n):
        conn.request("PUT", "/metrics/job/bench/instance/x", body,
                     {"Content-Type": "text/plain; version=0.0.4"})
        r = conn.getresponse()
        r.read()
        if r.status not in (200, 202):
            sys.exit("push failed: %d" % r.status)
    secs = time.perf_counter() - start
    print("pushes/s (100-series group): %.0f" % (n / secs))


def import_(port, n):
    now = int(time.time() * 1000) - 3600 * 1000
    lines = []
    for k in range(n):
        lines.append('import_metric{s="%d"} %d %d\n' % (k % 1000, k, now + (k // 1000) * 1000))
    body = "".join(lines).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    start = time.perf_counter()
    conn.request("POST", "/api/v1/import/prometheus", body)
    r = conn.getresponse()
    r.read()
    secs = time.perf_counter() - start
    if r.status != 204:
        sys.exit("import failed: %d" % r.status)
    print("import samples/s: %.0f (%d samples, %.2f MB)" % (n / secs, n, len(body) / 1e6))


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else (2000 if mode == "push" else 1000000)
    push(port, count) if mode == "push" else import_(port, count)
