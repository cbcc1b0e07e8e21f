#!/usr/bin/env python3
"""A loopback fleet of node_exporter-like scrape targets (python3 standard library only).

One asyncio process listens on --targets ports of 127.0.0.1 (free ports chosen by the
kernel, written to --ports-file as JSON) and answers GET /metrics on each with a page
of --series series built from node_exporter_template.prom (the first --series samples
of a real node_exporter 1.5 scrape, with their # HELP / # TYPE lines; synthetic gauges
are appended if more series are asked for than the template has).

Values change on every scrape of a target, like a real exporter: counters grow by a
non-negative step proportional to the time since the previous scrape, gauges of the
"constant" kind (info, sizes, limits) keep the template's value, the other gauges do
a small mean-reverting random walk at the template's decimal precision.  The
randomness is seeded per target, so a given scrape sequence is reproducible.

Used by compare.py --live; usable alone:
    python3 fleet.py --targets 3 --series 50 --ports-file /tmp/ports.json
"""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)')
CONST_PAT = re.compile(r'(_info$|_bytes_total$|size_bytes$|_limit|_max|_maximum$|_mtu_|_flags$|_id$|'
                       r'boot_time|start_time|_up$|success|_total_bytes$|MemTotal|_speed_bytes|_duplex|'
                       r'carrier|_hertz|_os_|_uname|_dmi_|_files$|sysctl|_capacity)')


def parse_template(path, limit):
    """Return [(header lines, [(name, labels, value, decimals, kind)])] per family, at most
    `limit` samples in total."""
    fams, cur, types, n = [], None, {}, 0
    headers = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 4 and parts[1] == "TYPE":
                    types[parts[2]] = parts[3]
                headers.append(line)
                continue
            m = SAMPLE_RE.match(line)
            if not m or n >= limit:
                continue
            name, labels, vtext = m.group(1), m.group(2) or "", m.group(3)
            if headers or cur is None:
                cur = (headers, [])
                fams.append(cur)
                headers = []
            value = float(vtext)
            if "e" in vtext.lower():  # Go prints large numbers as 1.718e+06: keep integers integral
                dec = 0 if value == value and abs(value) < 1e15 and value == int(value) else None
            else:
                dec = len(vtext.split(".", 1)[1]) if "." in vtext else 0
            base = name
            for suf in ("_bucket", "_sum", "_count"):
                if name.endswith(suf) and types.get(name[:-len(suf)]) in ("histogram", "summary"):
                    base = name[:-len(suf)]
            t = types.get(base, "untyped")
            if t in ("counter", "histogram", "summary") or name.endswith("_total"):
                kind = "counter" if (t != "summary" or name.endswith(("_sum", "_count"))) else "const"
            elif value != value or CONST_PAT.search(name) or value in (float("inf"), float("-inf")):
                kind = "const"
            else:
                kind = "gauge"
            cur[1].append((name, labels, value, dec, kind))
            n += 1
    while n < limit:  # more series than the template has: synthetic gauges
        fams.append((["# HELP fleet_extra_gauge Synthetic gauge.", "# TYPE fleet_extra_gauge gauge"], []))
        while n < limit:
            fams[-1][1].append(("fleet_extra_gauge", '{i="%d"}' % n, 50.0, 2, "gauge"))
            n += 1
    return fams


def fmt(v, dec):
    if dec is None:
        return repr(v)
    if dec == 0:
        return str(int(v))
    return "%.*f" % (dec, v)


class Target:
    """One simulated exporter: its own values and random stream."""

    def __init__(self, idx, fams, seed):
        self.rng = random.Random("%d/%d" % (seed, idx))
        self.fams = fams
        self.values = []
        self.rates = []
        self.last = None
        r = self.rng
        for _, samples in fams:
            for (_, _, v, _, kind) in samples:
                if kind == "counter":
                    rate = 0.0 if v == 0 and r.random() < 0.8 else max(v, 1.0) * r.uniform(1e-6, 1e-3)
                    # histogram / summary buckets must stay monotone in le: same rate per family is
                    # not needed for the scraper, only non-decreasing values per series
                    self.values.append(v * r.uniform(0.5, 1.5))
                    self.rates.append(rate)
                else:
                    self.values.append(v)
                    self.rates.append(v)  # gauges revert towards the template value

    def page(self):
        now = time.time()
        dt = 5.0 if self.last is None else max(0.0, now - self.last)
        self.last = now
        r = self.rng
        out = []
        i = 0
        vals, rates = self.values, self.rates
        for headers, samples in self.fams:
            out.extend(headers)
            for (name, labels, _, dec, kind) in samples:
                v = vals[i]
                if kind == "counter":
                    if rates[i]:
                        v += rates[i] * dt * r.uniform(0.5, 1.5)
                        if dec == 0:
                            v = float(int(v))
                elif kind == "gauge":
                    mean = rates[i]
                    v += 0.2 * (mean - v) + r.gauss(0, 0.02 * (abs(mean) + 1))
                    if mean >= 0 and v < 0:
                        v = 0.0
                vals[i] = v
                out.append("%s%s %s" % (name, labels, fmt(v, dec)))
                i += 1
        out.append("")
        return "\n".join(out).encode()


async def handle(reader, writer, target, counters):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            line = head.split(b"\r\n", 1)[0].split()
            keep = b"connection: close" not in head.lower()
            if len(line) >= 2 and line[0] == b"GET" and line[1].split(b"?")[0] == b"/metrics":
                body = target.page()
                status = b"200 OK"
                ctype = b"text/plain; version=0.0.4; charset=utf-8"
                counters["scrapes"] += 1
            else:
                body, status, ctype = b"not found\n", b"404 Not Found", b"text/plain"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n" + (b"" if keep else b"Connection: close\r\n")
                         + b"\r\n" + body)
            await writer.drain()
            if not keep:
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(args):
    fams = parse_template(args.template, args.series)
    counters = {"scrapes": 0}
    servers, ports = [], []
    for i in range(args.targets):
        target = Target(i, fams, args.seed)
        srv = await asyncio.start_server(lambda r, w, t=target: handle(r, w, t, counters),
                                         "127.0.0.1", 0, backlog=16)
        servers.append(srv)
        ports.append(srv.sockets[0].getsockname()[1])
    tmp = args.ports_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"ports": ports, "series_per_target": args.series, "pid": os.getpid()}, f)
    os.replace(tmp, args.ports_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for s in servers:
        s.close()
    print("served %d scrapes" % counters["scrapes"], flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--series", type=int, default=500, help="series per page")
    ap.add_argument("--template", default=os.path.join(HERE, "node_exporter_template.prom"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ports-file", required=True, help="JSON file the listening ports are written to")
    args = ap.parse_args()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
