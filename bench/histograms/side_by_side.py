#!/usr/bin/env python3
"""Issue-20 side by side: promlet and Prometheus scrape the same histograms (standard library).

Two instances of exporter.py (same seed and start time: byte-equal pages) serve --series
histograms, each both native and classic, with explicit timestamps --interval apart (they track
the wall clock: promlet refuses samples more than 10 min ahead, both refuse them 1 h behind);
promlet scrapes one, Prometheus (>= 2.42, --enable-feature=native-histograms) the other, every
--interval, --scrapes times. Then:
 (a) bytes per histogram sample: each server's resident memory growth during the scrapes
     (head), then both snapshot their head into a block (admin API) and: Prometheus' snapshot
     chunk files parsed (histogram chunks only: framing included, index excluded) against
     histogram_block_bytes on promlet's snapshot (its histogram series written as promlet
     blocks, mode 2 and mode 3; and Prometheus 3's 1 KiB chunks as "prom");
 (b) server CPU per query, alternating: instant queries at the end and range queries over the
     data of
     histogram_quantile(0.99, sum by (le) (rate(request_duration_classic_seconds_bucket[5m])))
     and histogram_quantile(0.99, sum(rate(request_duration_seconds[5m]))) (the exporter
     exposes the same observations under both names), range queries with step 60 s.
Everything listens on 127.0.0.1; data lives in a temporary directory, removed at the end.

    python3 bench/histograms/side_by_side.py --promlet build/cmd/promlet \
        --block-bytes build/bench/histograms/histogram_block_bytes
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSIC_Q = ("histogram_quantile(0.99, sum by (le) "
             "(rate(request_duration_classic_seconds_bucket[5m])))")
NATIVE_Q = "histogram_quantile(0.99, sum(rate(request_duration_seconds[5m])))"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path, timeout=600):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read()


def wait_ready(port, proc, what):
    for _ in range(300):
        if proc.poll() is not None:
            sys.exit("%s exited with %s" % (what, proc.returncode))
        try:
            if get(port, "/-/ready", 2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(what + " not ready")


def query(port, q, **params):
    params["query"] = q
    status, body = get(port, "/api/v1/query%s?%s" % ("_range" if "step" in params else "",
                                                    urllib.parse.urlencode(params)))
    if status != 200:
        raise RuntimeError("%s: %s" % (status, body[:300]))
    return json.loads(body)["data"]["result"]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def uvarint(b, i):
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        if x < 0x80:
            return v, i
        shift += 7


def prometheus_histogram_chunks(data):
    """(bytes, samples) of the histogram chunks (encoding 2) of every block under data."""
    total = samples = 0
    for block in os.listdir(data):
        cdir = os.path.join(data, block, "chunks")
        if not os.path.isdir(cdir):
            continue
        for seg in sorted(os.listdir(cdir)):
            b = open(os.path.join(cdir, seg), "rb").read()
            i = 8  # magic, version, padding
            while i < len(b):
                start = i
                n, i = uvarint(b, i)
                if n == 0 and i >= len(b):
                    break
                enc = b[i]
                chunk = b[i + 1:i + 1 + n]
                i += 1 + n + 4
                if enc == 2:
                    total += i - start
                    samples += int.from_bytes(chunk[0:2], "big")
    return total, samples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--promlet", required=True)
    ap.add_argument("--block-bytes", required=True, help="histogram_block_bytes binary")
    ap.add_argument("--prometheus", default="prometheus")
    ap.add_argument("--series", type=int, default=50)
    ap.add_argument("--scrapes", type=int, default=1440)
    ap.add_argument("--interval-ms", type=int, default=200)
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    tmp = tempfile.mkdtemp(prefix="nhbench_")
    procs = []
    try:
        start_ms = int(time.time() * 1000)
        ports = {}
        for who in ("promlet", "prometheus"):
            ports[who + "_exp"] = free_port()
            procs.append(subprocess.Popen(
                [sys.executable, os.path.join(HERE, "exporter.py"), "--port",
                 str(ports[who + "_exp"]), "--series", str(args.series), "--scrapes",
                 str(args.scrapes), "--step-ms", str(args.interval_ms), "--start-ms", str(start_ms)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1)
        scrape = ("global: {scrape_interval: %s, scrape_timeout: %s}\n"
                  "scrape_configs:\n- job_name: h\n  %%s\n"
                  "  static_configs: [{targets: ['127.0.0.1:%%d']}]\n" % (
                      "%dms" % args.interval_ms, "%dms" % args.interval_ms))
        cfg_l = os.path.join(tmp, "promlet.yml")
        open(cfg_l, "w").write(scrape % ("scrape_native_histograms: true", ports["promlet_exp"]))
        cfg_p = os.path.join(tmp, "prometheus.yml")
        open(cfg_p, "w").write(scrape % ("honor_timestamps: true", ports["prometheus_exp"]))
        ports["promlet"], ports["prometheus"] = free_port(), free_port()
        data_l, data_p = os.path.join(tmp, "promlet"), os.path.join(tmp, "prometheus")
        pl = subprocess.Popen([args.promlet, "--config.file=" + cfg_l, "--storage.tsdb.path=" + data_l,
                               "--web.listen-address=127.0.0.1:%d" % ports["promlet"],
                               "--web.enable-admin-api"],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "promlet.log"), "w"))
        procs.append(pl)
        pp = subprocess.Popen([args.prometheus, "--config.file=" + cfg_p,
                               "--storage.tsdb.path=" + data_p,
                               "--web.listen-address=127.0.0.1:%d" % ports["prometheus"],
                               "--enable-feature=native-histograms", "--web.enable-admin-api"],
                              stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(tmp, "prometheus.log"), "w"))
        procs.append(pp)
        wait_ready(ports["promlet"], pl, "promlet")
        wait_ready(ports["prometheus"], pp, "prometheus")
        rss0 = {"promlet": rss_mb(pl.pid), "prometheus": rss_mb(pp.pid)}

        end_ms = start_ms + (args.scrapes - 1) * args.interval_ms
        # A scrape that times out still advanced its exporter, so a loaded machine may leave
        # a few samples out on either side: wait until both stopped growing, count what each
        # holds, and report per stored sample.
        total_q = "sum(count_over_time(request_duration_seconds[1h]))"
        at = "%.3f" % (end_ms / 1000.0 + 1)
        time.sleep(max(0.0, end_ms / 1000.0 - time.time()))
        held, last = {}, {}
        for _ in range(1800):
            time.sleep(2)
            now = {who: int(float((query(ports[who], total_q, time=at) or
                                   [{"value": [0, "0"]}])[0]["value"][1]))
                   for who in ("promlet", "prometheus")}
            if now == last and all(now.values()):
                held = now
                break
            last = now
        print("scraped %d x %d histograms every %d ms; samples held: %s" % (
            args.scrapes, args.series, args.interval_ms, held))
        rss = {"promlet": rss_mb(pl.pid) - rss0["promlet"],
               "prometheus": rss_mb(pp.pid) - rss0["prometheus"]}
        print("(a) head: resident memory growth per histogram sample: promlet %.1f B, "
              "prometheus %.1f B" % (rss["promlet"] * 2**20 / max(held.get("promlet", 0), 1),
                                     rss["prometheus"] * 2**20 / max(held.get("prometheus", 0), 1)))

        # (a) on disk: both write their head as a block (a snapshot).
        snaps = {}
        for who in ("promlet", "prometheus"):
            c = http.client.HTTPConnection("127.0.0.1", ports[who], timeout=300)
            c.request("POST", "/api/v1/admin/tsdb/snapshot")
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                sys.exit("%s snapshot: %s %s" % (who, r.status, body[:300]))
            data = data_l if who == "promlet" else data_p
            snaps[who] = os.path.join(data, "snapshots", json.loads(body)["data"]["name"])
        pb, ps = prometheus_histogram_chunks(snaps["prometheus"])
        if ps:
            print("(a) Prometheus snapshot block: %d histogram samples, %.2f bytes/sample "
                  "(its chunk files)" % (ps, pb / ps))
        out = subprocess.run([args.block_bytes, snaps["promlet"]], capture_output=True, text=True)
        print("(a) promlet snapshot, rewritten:\n" + (out.stdout.rstrip() or out.stderr.rstrip()))

        # (b) alternating classic / native, instant at the end and range over the data (a 5m
        # window holds all of it: a few steps are plenty).
        qs = {"classic": CLASSIC_Q, "native": NATIVE_Q}
        run_queries(ports, pl, pp, qs, dict(time="%.3f" % (end_ms / 1000.0)), "instant",
                    args.reps)
        run_queries(ports, pl, pp, qs, dict(start="%.3f" % (start_ms / 1000.0),
                                            end="%.3f" % (end_ms / 1000.0), step="60"),
                    "range (step 60 s)", max(1, args.reps // 3))
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(60)
        shutil.rmtree(tmp, ignore_errors=True)


def run_queries(ports, pl, pp, qs, rng, mode, reps):
    """Prints server CPU and wall time per query, alternating servers and forms."""
    servers = [("promlet", pl, []), ("prometheus", pp, [])]
    for who, _, names in servers:
        for name, q in qs.items():
            if query(ports[who], q, **rng):  # warm-up; Prometheus 2.42 lacks classic series
                if name not in names:
                    names.append(name)
    cpu = {(s, q): 0.0 for s, _, names in servers for q in names}
    wall = dict(cpu)
    for _ in range(reps):
        for who, proc, names in servers:
            for name in names:
                q = qs[name]
                c0, w0 = cpu_seconds(proc.pid), time.time()
                query(ports[who], q, **rng)
                wall[who, name] += time.time() - w0
                cpu[who, name] += cpu_seconds(proc.pid) - c0
    print("(b) %s queries, %d reps, per query:" % (mode, reps))
    for who, _, names in servers:
        for name in names:
            print("  %-10s %-7s server CPU %7.1f ms  wall %7.1f ms" % (
                who, name, 1000 * cpu[who, name] / reps, 1000 * wall[who, name] / reps))
        if len(names) == 2:
            print("  %-10s native/classic CPU %.2f" % (
                who, cpu[who, "native"] / max(cpu[who, "classic"], 1e-9)))


if __name__ == "__main__":
    main()
