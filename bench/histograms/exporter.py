#!/usr/bin/env python3
"""Deterministic histogram exporter for the issue-20 benches (bench/histograms/README.md).

Serves --series histograms (label buckets = 10, 20, 40, 80 or 160: about that many populated
native buckets) twice, from the same observations: as native histograms (spans and deltas) in
the family request_duration_seconds, and as classic ones (Prometheus' default bounds) in
request_duration_classic_seconds, so every TSDB keeps both. The observations: log-normal
latencies whose median drifts slowly (so the native span layout changes now and then), a
Poisson-like number of them per scrape.

Scrape k (the k-th request, 0-based) returns the state after k + 1 steps with explicit
timestamps --start-ms + k * --step-ms: two instances with the same arguments serve byte-equal
pages, so two scrapers see the same data however fast they scrape. After --scrapes requests
the last page is repeated (a duplicate sample, which both TSDBs drop).

Protobuf (delimited MetricFamily) when the Accept header asks for it, else the text format
(the classic family only). --dump DIR writes page --scrapes - 1 as DIR/native.pb, and its
classic family as DIR/classic.pb and DIR/classic.txt (the parse bench's input), and exits.
Listens on 127.0.0.1 only.
"""
import argparse
import http.server
import math
import random
import struct
import sys
import time

CLASSIC = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
WIDTHS = [10, 20, 40, 80, 160]


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(v):
    return (v << 1) ^ (v >> 63) if v >= 0 else ((-v) << 1) - 1


def key(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, v):
    return key(field, 0) + varint(v)


def f_double(field, v):
    return key(field, 1) + struct.pack("<d", v)


def f_bytes(field, b):
    return key(field, 2) + varint(len(b)) + b


class Series:
    def __init__(self, rng, j):
        self.width = WIDTHS[j % len(WIDTHS)]
        self.schema = {10: 1, 20: 2, 40: 3, 80: 4, 160: 5}[self.width]
        self.sigma = self.width / 2.0 ** self.schema / 6.0  # in log2 units
        self.median = math.log2(0.05) + rng.uniform(-1, 1)
        self.rate = 20 + 10 * (j % 7)
        self.native = {}
        self.classic = [0] * len(CLASSIC)
        self.count = 0
        self.sum = 0.0
        self.labels = [("buckets", str(self.width)), ("series", str(j))]

    def step(self, rng):
        self.median += 0.002 * rng.gauss(0, 1)
        n = max(0, round(rng.gauss(self.rate, math.sqrt(self.rate))))
        scale = 2.0 ** self.schema
        for _ in range(n):
            l2 = self.median + self.sigma * rng.gauss(0, 1)
            v = 2.0 ** l2
            idx = math.ceil(l2 * scale)
            self.native[idx] = self.native.get(idx, 0) + 1
            for i, b in enumerate(CLASSIC):
                if v <= b:
                    self.classic[i] += 1
                    break
            self.count += 1
            self.sum += v

    def spans_deltas(self):
        spans, deltas = [], []
        nxt, prev = None, 0
        for idx in sorted(self.native):
            if nxt is None or idx > nxt:
                spans.append([idx if nxt is None else idx - nxt, 0])
            spans[-1][1] += 1
            c = self.native[idx]
            deltas.append(c - prev)
            prev = c
            nxt = idx + 1
        return spans, deltas

    def proto_metric(self, ts, native):
        h = f_varint(1, self.count) + f_double(2, self.sum)
        cum = 0
        for b, c in zip(CLASSIC, self.classic):
            if native:
                break
            cum += c
            h += f_bytes(3, f_varint(1, cum) + f_double(2, b))
        m = b"".join(f_bytes(1, f_bytes(1, k.encode()) + f_bytes(2, v.encode()))
                     for k, v in self.labels)
        if not native:
            return m + f_bytes(7, h) + f_varint(6, ts)
        spans, deltas = self.spans_deltas()
        h += key(5, 0) + varint(zigzag(self.schema))
        h += f_double(6, 2.0 ** -128) + f_varint(7, 0)
        for off, ln in spans:
            h += f_bytes(12, key(1, 0) + varint(zigzag(off)) + f_varint(2, ln))
        packed = b"".join(varint(zigzag(d) & (2**64 - 1)) for d in deltas)
        h += f_bytes(13, packed)
        return m + f_bytes(7, h) + f_varint(6, ts)

    def text(self, ts):
        lab = ",".join('%s="%s"' % kv for kv in self.labels)
        out, cum = [], 0
        for b, c in zip(CLASSIC, self.classic):
            cum += c
            out.append('request_duration_classic_seconds_bucket{%s,le="%s"} %d %d' % (lab, repr(float(b)), cum, ts))
        out.append('request_duration_classic_seconds_bucket{%s,le="+Inf"} %d %d' % (lab, self.count, ts))
        out.append("request_duration_classic_seconds_sum{%s} %r %d" % (lab, self.sum, ts))
        out.append("request_duration_classic_seconds_count{%s} %d %d" % (lab, self.count, ts))
        return "\n".join(out) + "\n"


class World:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.series = [Series(self.rng, j) for j in range(args.series)]
        self.args = args
        self.k = -1
        self.pages = None

    def advance(self):
        """Moves to the next scrape (up to --scrapes); returns its (native proto, classic proto,
        classic text) families."""
        if self.k + 1 < self.args.scrapes or self.pages is None:
            self.k += 1
            for s in self.series:
                s.step(self.rng)
            ts = self.args.start_ms + self.k * self.args.step_ms
            pages = []
            for name, native in ((b"request_duration_seconds", True),
                                 (b"request_duration_classic_seconds", False)):
                fam = f_bytes(1, name) + f_bytes(2, b"Request latency.") + f_varint(3, 4)
                for s in self.series:
                    fam += f_bytes(4, s.proto_metric(ts, native))
                pages.append(varint(len(fam)) + fam)
            text = ("# HELP request_duration_classic_seconds Request latency.\n"
                    "# TYPE request_duration_classic_seconds histogram\n" +
                    "".join(s.text(ts) for s in self.series))
            self.pages = (pages[0], pages[1], text.encode())
        return self.pages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=9400)
    ap.add_argument("--series", type=int, default=50)
    ap.add_argument("--scrapes", type=int, default=1440)
    ap.add_argument("--step-ms", type=int, default=15000)
    ap.add_argument("--start-ms", type=int, default=0, help="0: now + 60 s")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--dump", help="write the last page to DIR/page.pb and DIR/page.txt, exit")
    args = ap.parse_args()
    if args.start_ms == 0:
        args.start_ms = int(time.time() * 1000) + 60000
    world = World(args)
    if args.dump:
        for _ in range(args.scrapes):
            native, classic, text = world.advance()
        open(args.dump + "/native.pb", "wb").write(native)
        open(args.dump + "/classic.pb", "wb").write(classic)
        open(args.dump + "/classic.txt", "wb").write(text)
        return

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            native, classic, text = world.advance()
            if "application/vnd.google.protobuf" in self.headers.get("Accept", ""):
                body = native + classic
                ctype = ("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;"
                         " encoding=delimited")
            else:
                body, ctype = text, "text/plain; version=0.0.4"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass  # the scraper gave up (timeout): that page is lost to it

        def log_message(self, *a):
            pass

    print("start_ms", args.start_ms, flush=True)
    http.server.HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
