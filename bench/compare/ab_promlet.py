#!/usr/bin/env python3
"""A/B of two promlet binaries in one sitting (python3 standard library only).

Both binaries serve copies of one block directory (imported once from the dataset with binary
A's `tsdb create-blocks-from openmetrics`) at the same time, on 127.0.0.1. Every query gets
one warm-up per binary, then --reps rounds alternating A and B, so machine noise hits both
alike. Per query: median client-side latency (ms) and server CPU per query (ms, summed over
the server's threads from /proc/<pid>/task/*/schedstat), and B/A ratios; then the geometric
mean of the ratios, both servers' RSS after the set and, when both serve one dataset, whether
their answers (the warm-up's `data`) are equal. CPU ratios stay meaningful on a noisy machine; latency needs a
quiet one.

    python3 bench/compare/ab_promlet.py OLD_BIN NEW_BIN --dataset FILE.om
    python3 bench/compare/ab_promlet.py OLD NEW --dataset FILE.om --busy 1      # one core kept busy
    python3 bench/compare/ab_promlet.py OLD NEW --dataset FILE.om --only disk_iops,mem_total_bytes
    python3 bench/compare/ab_promlet.py OLD NEW --dataset FILE.om --clients 4   # 4 concurrent clients
    python3 bench/compare/ab_promlet.py OLD NEW --dataset FILE.om --gzip        # gzip answers, as Grafana asks
    python3 bench/compare/ab_promlet.py NEW NEW --dataset FILE.om --taskset-a 0 --taskset-b 0,1  # 1 vs 2 cores
    python3 bench/compare/ab_promlet.py NEW NEW --dataset 60x2h.om --dataset-b 300x2h.om  # cost growth
    python3 bench/compare/ab_promlet.py OLD NEW --dataset FILE.om --own-blocks   # B's own encoder
    python3 bench/compare/ab_promlet.py OLD NEW --dataset FILE.om --blocks DIR   # DIR already imported
    python3 bench/compare/ab_promlet.py NEW NEW --dataset FILE.om --blocks DIR \
        --flags-b=--storage.tsdb.block-cache-size=1GB                            # a flag's effect

With --dataset-b, B serves another dataset (each server is queried over its own dataset's
window): the B/A ratios are then how each query's cost grows with the data, measured in one
sitting, where measuring each size at a different hour lets machine noise into the growth.
"""

import argparse
import gzip
import http.client
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare import read_queries  # noqa: E402  (one query-file parser)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(binary, data, config, cpus, flags):
    port = free_port()
    cmd = [binary, "--config.file=" + config, "--storage.tsdb.path=" + data,
           "--storage.tsdb.retention.time=10y", "--web.listen-address=127.0.0.1:%d" % port] + flags
    if cpus:
        cmd = ["taskset", "-c", cpus] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/-/ready")
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (binary, proc.returncode))
        time.sleep(0.1)
    raise RuntimeError("%s not ready" % binary)


def server_cpu(pid):
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--dataset", required=True, help="OpenMetrics file from gen_dataset.py (.stats.json beside it)")
    ap.add_argument("--dataset-b", default="", help="another dataset for server B (default: --dataset)")
    ap.add_argument("--own-blocks", action="store_true",
                    help="B imports its own blocks (to compare encoders), not a copy of A's")
    ap.add_argument("--queries", default=os.path.join(HERE, "dashboard_queries.txt"))
    ap.add_argument("--only", default="", help="comma-separated query names to run (default: all)")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--step", default="15")
    ap.add_argument("--busy", type=int, default=0, help="processes spinning on the CPU during the runs")
    ap.add_argument("--clients", type=int, default=1, help="concurrent keep-alive clients per round")
    ap.add_argument("--blocks", default="",
                    help="a block directory already imported from --dataset (copied for each server; "
                         "skips the import; the .om file itself may be gone)")
    ap.add_argument("--blocks-b", default="",
                    help="with --dataset-b: a block directory already imported from it (e.g. compacted "
                         "by a server run, as the scale runs query it)")
    ap.add_argument("--gzip", action="store_true",
                    help="ask for gzip answers (Accept-Encoding: gzip, as Grafana does); the "
                         "client's decompression is part of the latency")
    ap.add_argument("--flags-a", default="", help="more flags for server A (space-separated)")
    ap.add_argument("--flags-b", default="", help="more flags for server B (space-separated)")
    ap.add_argument("--taskset-a", default="", help="CPU list for server A (taskset -c)")
    ap.add_argument("--taskset-b", default="", help="CPU list for server B")
    args = ap.parse_args()
    import json
    datasets = [args.dataset, args.dataset_b or args.dataset]
    stats = []
    for d in datasets:
        with open(d + ".stats.json") as f:
            stats.append(json.load(f))
    queries = read_queries(args.queries)
    if args.only:
        wanted = args.only.split(",")
        unknown = sorted(set(wanted) - {q["name"] for q in queries})
        if unknown:
            ap.error("--only: no such query in %s: %s" % (args.queries, ", ".join(unknown)))
        queries = [q for q in queries if q["name"] in wanted]
    work = tempfile.mkdtemp(prefix="ab-promlet-")
    procs, spinners = [], []
    try:
        config = os.path.join(work, "empty.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
        data_a, data_b = os.path.join(work, "a"), os.path.join(work, "b")
        if args.blocks:
            if (args.dataset_b and not args.blocks_b) or args.own_blocks:
                ap.error("--blocks serves one block directory to both: no --dataset-b (without "
                         "--blocks-b) or --own-blocks")
            shutil.copytree(args.blocks, data_a, ignore=shutil.ignore_patterns("lock"))
        else:
            subprocess.run([args.a, "tsdb", "create-blocks-from", "openmetrics", datasets[0], data_a],
                           check=True, stdout=subprocess.DEVNULL)
        if args.blocks_b:
            if not args.dataset_b:
                ap.error("--blocks-b needs --dataset-b")
            shutil.copytree(args.blocks_b, data_b, ignore=shutil.ignore_patterns("lock"))
        elif args.dataset_b or args.own_blocks:
            subprocess.run([args.b, "tsdb", "create-blocks-from", "openmetrics", datasets[1], data_b],
                           check=True, stdout=subprocess.DEVNULL)
        else:
            shutil.copytree(data_a, data_b)
        servers = [start(args.a, data_a, config, args.taskset_a, args.flags_a.split()),
                   start(args.b, data_b, config, args.taskset_b, args.flags_b.split())]
        procs = [p for p, _ in servers]
        conns = [[http.client.HTTPConnection("127.0.0.1", port, timeout=600) for _ in range(args.clients)]
                 for _, port in servers]
        spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]

        bodies = [None, None]  # of each server's last request on its first connection

        def round_(si, url):
            out = [None] * args.clients

            def one(k):
                c = conns[si][k]
                t0 = time.perf_counter()
                c.request("GET", url, headers={"Accept-Encoding": "gzip"} if args.gzip else {})
                r = c.getresponse()
                body = r.read()
                if r.getheader("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)  # as Grafana's client does, timed
                if r.status != 200:
                    raise RuntimeError("HTTP %s: %s" % (r.status, body[:200]))
                out[k] = time.perf_counter() - t0
                if k == 0:
                    bodies[si] = body

            threads = [threading.Thread(target=one, args=(k,)) for k in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if None in out:
                raise RuntimeError("a request failed: %s" % url)
            return out

        print("A = %s%s on %s\nB = %s%s on %s\nbusy=%d clients=%d reps=%d" % (
            args.a, " (cpus %s)" % args.taskset_a if args.taskset_a else "", datasets[0], args.b,
            " (cpus %s)" % args.taskset_b if args.taskset_b else "", datasets[1], args.busy,
            args.clients, args.reps))
        print("%-26s %9s %9s %6s | %8s %8s %6s" % ("query", "A ms", "B ms", "B/A", "A cpu", "B cpu", "B/A"))
        wall_ratios, cpu_ratios, differ = [], [], []
        for q in queries:
            urls = []
            for st in stats:
                if q["kind"] == "range":
                    params = {"query": q["query"], "start": st["start_s"], "end": st["range_end_s"],
                              "step": args.step}
                    urls.append("/api/v1/query_range?" + urllib.parse.urlencode(params))
                else:
                    urls.append("/api/v1/query?" + urllib.parse.urlencode({"query": q["query"],
                                                                          "time": st["range_end_s"]}))
            round_(0, urls[0])
            round_(1, urls[1])
            if not args.dataset_b and json.loads(bodies[0])["data"] != json.loads(bodies[1])["data"]:
                differ.append(q["name"])
            times, cpu = [[], []], [0.0, 0.0]
            for _ in range(args.reps):
                for si in (0, 1):
                    c0 = server_cpu(procs[si].pid)
                    times[si] += round_(si, urls[si])
                    cpu[si] += server_cpu(procs[si].pid) - c0
            wa, wb = (statistics.median(t) * 1e3 for t in times)
            ca, cb = (c * 1e3 / (args.reps * args.clients) for c in cpu)
            wall_ratios.append(wb / wa)
            cpu_ratios.append(cb / ca if ca > 0 else 1.0)
            print("%-26s %9.2f %9.2f %6.2f | %8.2f %8.2f %6.2f" % (q["name"], wa, wb, wb / wa, ca, cb, cpu_ratios[-1]),
                  flush=True)
        gm = lambda xs: math.exp(sum(math.log(x) for x in xs) / len(xs))
        print("geometric mean B/A: latency %.2f, server CPU %.2f" % (gm(wall_ratios), gm(cpu_ratios)))
        print("RSS after the set: A %.0f MiB, B %.0f MiB" % (rss_mib(procs[0].pid), rss_mib(procs[1].pid)))
        if not args.dataset_b:
            print("answers: %d of %d equal%s" % (len(queries) - len(differ), len(queries),
                                                 " (differ: %s)" % ", ".join(differ) if differ else ""))
    finally:
        for p in spinners + procs:
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
