#!/usr/bin/env python3
"""A/B of two (or more) promlet binaries on one kept bench/compare data dir.

Runs each binary in turn as a server on 127.0.0.1 over the same data (rounds alternate the
binaries, so drift on a busy machine hits both alike), sends every query of queries.txt
1 + --reps times, and reports per query the server's CPU time per run (utime + stime delta,
10 ms ticks over all reps) and the fastest wall time, then the ratio of each binary to the
first. CPU time is the figure to trust on a shared machine.

    python3 bench/compare/compare.py --systems promlet --keep-data --reps 1   # makes the data
    python3 bench/compare/promlet_ab.py --data bench/compare/work/run-<stamp>/promlet \\
        --bins /path/main/promlet,build/promlet
"""
import argparse
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def server_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="promlet dir of a compare.py --keep-data run")
    ap.add_argument("--bins", required=True, help="comma list of promlet binaries, first = A")
    ap.add_argument("--queries", default=os.path.join(HERE, "queries.txt"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--start", type=int, default=1699999200, help="dataset window start, s")
    ap.add_argument("--end", type=int, default=1700006400, help="dataset window end, s")
    ap.add_argument("--step", default="15")
    ap.add_argument("--port", type=int, default=19471)
    args = ap.parse_args()
    bins = args.bins.split(",")
    queries = []
    for line in open(args.queries):
        if line.strip() and not line.startswith("#"):
            name, kind, q = line.split(None, 2)
            queries.append((name, kind, q.strip()))
    data = os.path.abspath(os.path.join(args.data, "data"))
    config = os.path.abspath(os.path.join(args.data, "empty-scrape.yml"))
    base = f"http://127.0.0.1:{args.port}"
    cpu, wall = {}, {}
    for _ in range(args.rounds):
        for b in bins:
            p = subprocess.Popen([b, "--config.file=" + config, "--storage.tsdb.path=" + data,
                                  "--storage.tsdb.retention.time=10y",
                                  f"--web.listen-address=127.0.0.1:{args.port}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                for _ in range(200):
                    try:
                        urllib.request.urlopen(base + "/-/ready", timeout=1).read()
                        break
                    except OSError:
                        time.sleep(0.1)
                else:
                    sys.exit(f"{b} did not become ready")
                for name, kind, q in queries:
                    if kind == "range":
                        path, params = "query_range", {"query": q, "start": args.start,
                                                       "end": args.end, "step": args.step}
                    else:
                        path, params = "query", {"query": q, "time": args.end}
                    body = urllib.parse.urlencode(params).encode()
                    url = f"{base}/api/v1/{path}"
                    urllib.request.urlopen(url, body).read()  # warm-up
                    c0, best = server_cpu(p.pid), float("inf")
                    for _ in range(args.reps):
                        t0 = time.perf_counter()
                        urllib.request.urlopen(url, body).read()
                        best = min(best, time.perf_counter() - t0)
                    cpu.setdefault((b, name), []).append(
                        (server_cpu(p.pid) - c0) * 1000 / args.reps)
                    wall.setdefault((b, name), []).append(best * 1000)
            finally:
                p.terminate()
                p.wait()
    med = lambda xs: sorted(xs)[len(xs) // 2]
    print("| query | " + " | ".join(f"CPU ms {i}" for i in range(len(bins))) + " | " +
          " | ".join(f"CPU {i}/0" for i in range(1, len(bins))) + " | " +
          " | ".join(f"min ms {i}" for i in range(len(bins))) + " |")
    print("|---" * (1 + 3 * len(bins) - 1) + "|")
    totals = [0.0] * len(bins)
    for name, _, _ in queries:
        c = [med(cpu[(b, name)]) for b in bins]
        w = [min(wall[(b, name)]) for b in bins]
        totals = [t + x for t, x in zip(totals, c)]
        ratios = [f"{x / c[0]:.2f}" if c[0] > 0 else "-" for x in c[1:]]
        print(f"| {name} | " + " | ".join(f"{x:.1f}" for x in c) + " | " + " | ".join(ratios) +
              " | " + " | ".join(f"{x:.1f}" for x in w) + " |")
    print(f"| all (sum of medians) | " + " | ".join(f"{x:.1f}" for x in totals) + " | " +
          " | ".join(f"{x / totals[0]:.2f}" for x in totals[1:]) + " |" + " |" * len(bins))
    print("binaries: " + ", ".join(f"{i} = {b}" for i, b in enumerate(bins)))


if __name__ == "__main__":
    main()
