#!/usr/bin/env python3
"""Remote write benches, promlet side by side with its peers (python3 standard library only).

  remote_bench.py receive   receiver ingestion rate: the same Remote Write 1.0 request stream
                            (a dataset of gen_dataset.py, encoded once before any timing) POSTed
                            to promlet's, Prometheus' (--web.enable-remote-write-receiver) and
                            VictoriaMetrics' /api/v1/write, one system at a time; reported:
                            samples/s (wall), receiver CPU seconds per million samples, RSS.
  remote_bench.py catchup   catch-up after an outage: promlet, then Prometheus, scrapes the
                            loopback fleet (fleet.py) and forwards it to a VictoriaMetrics on
                            loopback; after a warm-up the receiver is stopped for --outage seconds
                            (the issue's figure is 600) and restarted; reported: the backlog, the
                            time until the sender is caught up (newest sent sample within two
                            scrape intervals of the newest stored one), samples/s forwarded while
                            catching up, sender CPU and RSS.

Results: results/<stamp>-remote-<mode>.{json,md} and results/latest-remote-<mode>.{json,md}.
The processes are started on free 127.0.0.1 ports and stopped by PID (compare.py's helpers).
See README.md beside this file.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import sys
import threading
import time
import zlib

import compare as C
import remote_write as RW


def base_args(a, systems):
    """The attributes compare.py's System classes read."""
    return argparse.Namespace(
        systems=systems, promlet_bin=os.path.abspath(a.promlet_bin), prom_flag=list(a.prom_flag),
        vm_flag=list(a.vm_flag), promlet_flag=list(a.promlet_flag), vm_cache=True, live=True,
        dataset=getattr(a, "dataset", None), gen_args=getattr(a, "gen_args", ""), results=a.results,
        keep_data=a.keep_data, tag=a.tag)


# ------------------------------------------------------------ receive

def encode_streams(om, connections, batch):
    """The dataset as `connections` request streams over disjoint series, each in time order
    (so that a receiver refusing out-of-order samples takes everything): list of lists of
    (snappy body, samples)."""
    series = {}
    for key, t, v in RW.read_om(om):
        s = series.get(key)
        if s is None:
            s = series[key] = ([], [])
        s[0].append(t)
        s[1].append(v)
    groups = [[] for _ in range(connections)]
    for k in series:
        groups[zlib.crc32(k.encode()) % connections].append(k)
    streams = []
    for keys in groups:
        enc = {k: RW.encode_labels(RW.parse_series(k)) for k in keys}
        per = {k: 0 for k in keys}
        out, buf, n = [], [], 0
        # One request holds about `batch` samples: a few consecutive samples of each series.
        per_series = max(1, batch // max(1, len(keys)))
        while True:
            progressed = False
            for k in keys:
                ts, vals = series[k]
                i = per[k]
                j = min(len(ts), i + per_series)
                if j > i:
                    progressed = True
                    buf.append(RW.encode_series(enc[k], ts[i:j], vals[i:j]))
                    n += j - i
                    per[k] = j
                    if n >= batch:
                        out.append((RW.snappy_literal(b"".join(buf)), n))
                        buf, n = [], 0
            if not progressed:
                break
        if buf:
            out.append((RW.snappy_literal(b"".join(buf)), n))
        streams.append(out)
    return streams


def post_stream(port, stream, errors):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
               "X-Prometheus-Remote-Write-Version": "0.1.0", "User-Agent": "promlet-bench/0.1"}
    for body, _ in stream:
        conn.request("POST", "/api/v1/write", body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        if r.status // 100 != 2:
            errors.append("HTTP %d: %s" % (r.status, data[:200].decode(errors="replace")))
            return
    conn.close()


def receive_main(a, stamp, workdir):
    args = base_args(a, a.systems)
    om, stats = C.ensure_dataset(args, os.path.join(a.workdir, "datasets"))
    t0 = time.time()
    streams = encode_streams(om, a.connections, a.batch)
    total = sum(n for s in streams for _, n in s)
    requests = sum(len(s) for s in streams)
    print("encoded %d samples into %d requests over %d connections in %.1f s" % (
        total, requests, a.connections, time.time() - t0), flush=True)
    args.promlet_flag.append("--web.enable-remote-write-receiver")
    args.prom_flag.append("--web.enable-remote-write-receiver")
    report = {"stamp": stamp, "mode": "remote-receive", "host": C.host_line(), "command": " ".join(sys.argv),
              "dataset": stats, "samples": total, "requests": requests, "connections": a.connections,
              "systems": {}}
    for s in C.make_systems(args, workdir):
        m = report["systems"][s.name] = {"version": s.version()}
        try:
            s.start()
            pid = s.proc.pid
            time.sleep(2)
            cpu0, w0 = C.proc_cpu(pid), time.time()
            errors = []
            threads = [threading.Thread(target=post_stream, args=(s.port, st, errors)) for st in streams]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall, cpu = time.time() - w0, C.proc_cpu(pid) - cpu0
            mem = C.proc_mem(pid)
            m.update(wall_seconds=round(wall, 3), cpu_seconds=round(cpu, 3),
                     samples_per_second=round(total / wall), cpu_seconds_per_million=round(cpu / total * 1e6, 3),
                     rss=mem.get("VmRSS"), rss_peak=mem.get("VmHWM"), errors=errors[:3])
            if s.name != "victoriametrics":
                m["appended_counter"] = s.appended_samples()
        except Exception as e:
            print("!! %s failed: %s" % (s.name, e), flush=True)
            C.FAILED.append(s.name)
            m["error"] = str(e)
        finally:
            s.stop()
        print("   %s %s" % (s.name, json.dumps(m)), flush=True)
    names = list(report["systems"])
    S = report["systems"]
    L = ["# Remote write receivers: ingestion of one request stream -- %s" % stamp, "",
         "Host: %s" % report["host"], "", "Command: `%s`" % report["command"], "",
         "Stream: %d samples of %d series (`%s`) in %d Remote Write 1.0 requests (literal-only snappy) over %d "
         "keep-alive connections, each holding disjoint series in time order; encoded before timing. "
         "Each receiver alone on an empty data dir." % (total, stats.get("series", 0), a.gen_args if not a.dataset
                                                       else a.dataset, requests, a.connections), "",
         "Versions: " + "; ".join("%s = %s" % (n, S[n].get("version")) for n in names), "",
         "| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label, fn):
        L.append("| %s | %s |" % (label, " | ".join(fn(S[n]) for n in names)))

    row("error", lambda m: (m.get("error") or "; ".join(m.get("errors") or []) or "-")[:160])
    row("samples per second (wall)", lambda m: C.fmt_num(m.get("samples_per_second"), "%.0f"))
    row("receiver CPU seconds per million samples", lambda m: C.fmt_num(m.get("cpu_seconds_per_million"), "%.3f"))
    row("wall seconds (receiver CPU seconds)", lambda m: "%s (%s)" % (
        C.fmt_num(m.get("wall_seconds"), "%.2f"), C.fmt_num(m.get("cpu_seconds"), "%.2f")))
    row("samples appended (server counter)", lambda m: C.fmt_num(m.get("appended_counter"), "%.0f"))
    row("RSS at the end (peak)", lambda m: "%s (%s)" % (C.fmt_bytes(m.get("rss")), C.fmt_bytes(m.get("rss_peak"))))
    finish(a, stamp, report, "\n".join(L) + "\n", "receive")


# ------------------------------------------------------------ catchup

def sender_state(client):
    def one(name):
        return client.exposition_sum((name,))
    return {"t": time.time(), "highest_in": one("prometheus_remote_storage_highest_timestamp_in_seconds"),
            "highest_sent": one("prometheus_remote_storage_queue_highest_sent_timestamp_seconds"),
            "sent": one("prometheus_remote_storage_samples_total"),
            "pending": one("prometheus_remote_storage_samples_pending"),
            "shards": one("prometheus_remote_storage_shards"),
            "lost": (one("prometheus_remote_storage_samples_failed_total") or 0)
            + (one("prometheus_remote_storage_samples_dropped_total") or 0)}


def catchup_main(a, stamp, workdir):
    args = base_args(a, a.systems)
    largs = argparse.Namespace(live_targets=a.targets, live_series=a.series)
    report = {"stamp": stamp, "mode": "remote-catchup", "host": C.host_line(), "command": " ".join(sys.argv),
              "args": {k: v for k, v in vars(a).items() if k != "func"}, "systems": {}}
    fleet, ports = C.start_fleet(largs, workdir)
    vm = C.VictoriaMetrics(args, workdir)
    url = "http://127.0.0.1:%d/api/v1/write" % vm.port
    for s in C.make_systems(args, workdir):
        m = report["systems"][s.name] = {"version": s.version()}
        try:
            shutil.rmtree(vm.data, ignore_errors=True)
            vm.start()
            config = C.fleet_config(os.path.join(s.dir, "fleet-rw.yml"), ports, a.interval, "fleet", url)
            print("== %s: %d targets x %d series every %ds -> %s; warm-up %ds, outage %ds" % (
                s.name, a.targets, a.series, a.interval, url, a.warmup, a.outage), flush=True)
            s.start(config)
            pid = s.proc.pid
            time.sleep(a.warmup)
            C.stop(vm.proc)
            time.sleep(a.outage)
            before = sender_state(s.client)
            backlog_s = (before["highest_in"] or 0) - (before["highest_sent"] or 0)
            vm.start()
            t0, cpu0 = time.time(), C.proc_cpu(pid)
            max_shards, st = before["shards"], before
            while time.time() - t0 < a.timeout:
                time.sleep(0.5)
                st = sender_state(s.client)
                max_shards = max(max_shards or 0, st["shards"] or 0)
                if st["highest_in"] and st["highest_sent"] and st["highest_sent"] >= st["highest_in"] - 2 * a.interval:
                    break
            secs, cpu = st["t"] - t0, C.proc_cpu(pid) - cpu0
            sent = (st["sent"] or 0) - (before["sent"] or 0)
            mem = C.proc_mem(pid)
            caught = st["highest_sent"] is not None and st["highest_in"] is not None and \
                st["highest_sent"] >= st["highest_in"] - 2 * a.interval
            m.update(backlog_seconds=round(backlog_s, 1), pending_at_restart=before["pending"],
                     caught_up=caught, catchup_seconds=round(secs, 2), samples_sent_catching_up=sent,
                     samples_per_second=round(sent / secs) if secs > 0 else None,
                     cpu_seconds=round(cpu, 3), cpu_seconds_per_million=round(cpu / sent * 1e6, 3) if sent else None,
                     shards_max=max_shards, failed_or_dropped_total=st["lost"],
                     rss=mem.get("VmRSS"), rss_peak=mem.get("VmHWM"))
        except Exception as e:
            print("!! %s failed: %s" % (s.name, e), flush=True)
            C.FAILED.append(s.name)
            m["error"] = str(e)
        finally:
            s.stop()
            C.stop(vm.proc)
        print("   %s %s" % (s.name, json.dumps(m)), flush=True)
    C.stop(fleet)
    names = list(report["systems"])
    S = report["systems"]
    L = ["# Remote write: catch-up after a receiver outage -- %s" % stamp, "",
         "Host: %s" % report["host"], "", "Command: `%s`" % report["command"], "",
         "Each sender alone scrapes %d loopback targets x %d series every %ds and forwards to VictoriaMetrics "
         "on loopback (remote_write defaults, Remote Write 1.0); after %ds the receiver stops for %ds, then "
         "restarts. Caught up: the newest sample sent is within two scrape intervals of the newest stored."
         % (a.targets, a.series, a.interval, a.warmup, a.outage), "",
         "Versions: " + "; ".join("%s = %s" % (n, S[n].get("version")) for n in names), "",
         "| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label, fn):
        L.append("| %s | %s |" % (label, " | ".join(fn(S[n]) for n in names)))

    row("error", lambda m: (m.get("error") or "-")[:160])
    row("backlog when the receiver returns, s of samples", lambda m: C.fmt_num(m.get("backlog_seconds"), "%.1f"))
    row("caught up", lambda m: str(m.get("caught_up", "-")))
    row("catch-up time, s", lambda m: C.fmt_num(m.get("catchup_seconds"), "%.2f"))
    row("samples sent while catching up (per second)", lambda m: "%s (%s)" % (
        C.fmt_num(m.get("samples_sent_catching_up"), "%.0f"), C.fmt_num(m.get("samples_per_second"), "%.0f")))
    row("sender CPU while catching up, s (per million samples)", lambda m: "%s (%s)" % (
        C.fmt_num(m.get("cpu_seconds"), "%.2f"), C.fmt_num(m.get("cpu_seconds_per_million"), "%.3f")))
    row("most shards seen", lambda m: C.fmt_num(m.get("shards_max"), "%.0f"))
    row("samples failed or dropped (total)", lambda m: C.fmt_num(m.get("failed_or_dropped_total"), "%.0f"))
    row("RSS at the end (peak)", lambda m: "%s (%s)" % (C.fmt_bytes(m.get("rss")), C.fmt_bytes(m.get("rss_peak"))))
    finish(a, stamp, report, "\n".join(L) + "\n", "catchup")


def finish(a, stamp, report, md, mode):
    os.makedirs(a.results, exist_ok=True)
    C.write_results(a, os.path.join(a.results, "%s-remote-%s%s" % (stamp, mode, ("-" + a.tag) if a.tag else "")),
                    report, md, "latest-remote-" + mode)
    print(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--promlet-bin", default=os.environ.get("PROMLET_BIN") or os.path.join(C.REPO, "build", "promlet"))
    ap.add_argument("--workdir", default=os.path.join(C.HERE, "work"))
    ap.add_argument("--results", default=os.path.join(C.HERE, "results"))
    ap.add_argument("--keep-data", action="store_true")
    ap.add_argument("--tag", default="")
    ap.add_argument("--prom-flag", action="append", default=[])
    ap.add_argument("--vm-flag", action="append", default=[])
    ap.add_argument("--promlet-flag", action="append", default=[])
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("receive", help="receiver ingestion rate")
    r.add_argument("--systems", default="promlet,prometheus,victoriametrics")
    r.add_argument("--dataset", help="OpenMetrics file (else --gen-args is generated once and reused)")
    r.add_argument("--gen-args", default="--instances 10 --duration 2h --seed 1")
    r.add_argument("--connections", type=int, default=4, help="concurrent senders (disjoint series)")
    r.add_argument("--batch", type=int, default=2000, help="samples per request (Prometheus' max_samples_per_send)")
    c = sub.add_parser("catchup", help="catch-up after a receiver outage")
    c.add_argument("--systems", default="promlet,prometheus")
    c.add_argument("--outage", type=int, default=600, help="seconds the receiver is down (the issue: 600)")
    c.add_argument("--warmup", type=int, default=30)
    c.add_argument("--targets", type=int, default=50)
    c.add_argument("--series", type=int, default=500)
    c.add_argument("--interval", type=int, default=5)
    c.add_argument("--timeout", type=int, default=900, help="give up catching up after this many seconds")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, C.cleanup)
    signal.signal(signal.SIGINT, C.cleanup)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    workdir = os.path.join(a.workdir, "run-" + stamp + "-remote")
    os.makedirs(workdir, exist_ok=True)
    try:
        (receive_main if a.mode == "receive" else catchup_main)(a, stamp, workdir)
    finally:
        C.cleanup()
        if a.keep_data or C.FAILED:
            print("data and logs kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
