#!/usr/bin/env python3
"""Rule evaluation CPU, promlet against Prometheus, on the same data and the same rules.

  bench/rules_eval/side_by_side.py --promlet-bin build-rel/promlet [--workdir DIR]

1. Data: bench/compare/gen_dataset.py writes ~100k series (176 node_exporter instances, 568
   series each, incl. a histogram) over the 12 minutes ending now at a 60s interval; the SAME
   OpenMetrics file is imported by `promlet tsdb create-blocks-from openmetrics` and by
   `promtool tsdb create-blocks-from openmetrics`.
2. Rules: gen_rules.py: 1,000 recording + 500 alerting rules in 10 groups (interval 30s).
3. Both servers start on 127.0.0.1 with no rules; each one's idle CPU rate is measured over
   --idle seconds; then the rule file is added (SIGHUP), the first --warmup seconds are
   skipped and process CPU (/proc/<pid>/stat utime+stime) is measured over --cycles
   evaluation intervals. CPU per cycle = (CPU in the window - idle rate x window) / (rule
   evaluations in the window / 1,500), the evaluations read from
   prometheus_rule_evaluations_total (so a loaded machine, where groups overrun their
   interval, still yields CPU per full cycle).
   Also reported: the sum over groups of rule_group_last_duration_seconds (wall time of one
   cycle as each server sees it) and the number of recording-rule output series.
Both servers run at the same time (CPU time, not wall time, is compared); the whole run takes
about 5 minutes on 2 cores. Prints one JSON document.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compare"))
import compare  # noqa: E402  (spawn/stop/proc_cpu/free_port/run_timed: one way to do each)

RULE_INTERVAL_S = 30
RULES = 1500  # gen_rules.py's default: 1,000 recording + 500 alerting


class Server:
    def __init__(self, name, workdir, data_cmd, serve_cmd):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "rules"), exist_ok=True)
        self.data = os.path.join(self.dir, "data")
        self.port = compare.free_port()
        self.data_cmd = data_cmd
        self.serve_cmd = serve_cmd
        self.proc = None
        self.client = None
        self.config = os.path.join(self.dir, "config.yml")
        with open(self.config, "w") as f:
            f.write("global: {evaluation_interval: %ds}\nrule_files: ['rules/*.yml']\n"
                    % RULE_INTERVAL_S)

    def load(self, om):
        secs, cpu, _ = compare.run_timed(self.data_cmd(om, self.data),
                                         os.path.join(self.dir, "import.log"))
        return round(cpu, 2)

    def start(self):
        self.proc = compare.spawn(self.serve_cmd(self), os.path.join(self.dir, "server.log"))
        self.client = compare.Client(self.port)
        compare.wait_ready(self.client, "/-/ready", self.proc)

    def cpu(self):
        return compare.proc_cpu(self.proc.pid)

    def add_rules(self, rule_file):
        shutil.copy(rule_file, os.path.join(self.dir, "rules", "bench.yml"))
        os.kill(self.proc.pid, 1)  # SIGHUP: reload config and rule files

    def rules_summary(self):
        d = json.loads(self.client.get("/api/v1/rules")[1])["data"]["groups"]
        rules = [r for g in d for r in g["rules"]]
        bad = [r["name"] + ": " + r.get("lastError", "") for r in rules if r["health"] == "err"]
        return {"groups": len(d), "rules": len(rules),
                "group_duration_sum_s": round(sum(g["evaluationTime"] for g in d), 4),
                "unhealthy": len(bad), "first_unhealthy": bad[:3]}

    def output_series(self):
        return self.client.scalar('count({__name__=~"bench:.+"})')

    def evaluations(self):
        return self.client.exposition_sum(("prometheus_rule_evaluations_total",)) or 0.0

    def last_duration_sum(self):
        return round(self.client.exposition_sum(("prometheus_rule_group_last_duration_seconds",)), 4)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--promlet-bin", required=True)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--instances", type=int, default=176)
    ap.add_argument("--idle", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=45)
    ap.add_argument("--cycles", type=int, default=4)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    args.promlet_bin = os.path.abspath(args.promlet_bin)  # servers run in their own dirs
    workdir = args.workdir or tempfile.mkdtemp(prefix="rules-eval-bench-")
    os.makedirs(workdir, exist_ok=True)
    import signal
    signal.signal(signal.SIGTERM, compare.cleanup)
    signal.signal(signal.SIGINT, compare.cleanup)
    out = {"workdir": workdir}
    try:
        om = os.path.join(workdir, "data.om")
        duration = 12 * 60
        start = int(time.time()) - duration
        subprocess.run([sys.executable, os.path.join(HERE, "..", "compare", "gen_dataset.py"),
                        "--out", om, "--instances", str(args.instances), "--duration", "12m",
                        "--interval", "60s", "--start", str(start), "--no-help"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(om + ".stats.json") as f:
            stats = json.load(f)
        out["dataset"] = {k: stats[k] for k in ("series", "samples", "bytes")}
        rules = os.path.join(workdir, "rules.yml")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_rules.py"), "--out", rules,
                        "--interval", "%ds" % RULE_INTERVAL_S], check=True)
        servers = [
            Server("promlet", workdir,
                   lambda om, d: [args.promlet_bin, "tsdb", "create-blocks-from", "openmetrics", om, d],
                   lambda s: [args.promlet_bin, "--config.file=" + s.config,
                              "--storage.tsdb.path=" + s.data, "--storage.tsdb.retention.time=10y",
                              "--web.listen-address=127.0.0.1:%d" % s.port, "--log.level=warn"]),
            Server("prometheus", workdir,
                   lambda om, d: ["promtool", "tsdb", "create-blocks-from", "openmetrics", om, d],
                   lambda s: ["prometheus", "--config.file=" + s.config,
                              "--storage.tsdb.path=" + s.data, "--storage.tsdb.retention.time=10y",
                              "--web.listen-address=127.0.0.1:%d" % s.port, "--log.level=warn"]),
        ]
        for s in servers:
            out.setdefault(s.name, {})["import_cpu_s"] = s.load(om)
        for s in servers:
            s.start()
        # Idle CPU rate (no rules), both at once.
        c0 = {s.name: s.cpu() for s in servers}
        t0 = time.time()
        time.sleep(args.idle)
        idle = {s.name: (s.cpu() - c0[s.name]) / (time.time() - t0) for s in servers}
        for s in servers:
            s.add_rules(rules)
        time.sleep(args.warmup)
        window = args.cycles * RULE_INTERVAL_S
        c1 = {s.name: s.cpu() for s in servers}
        e1 = {s.name: s.evaluations() for s in servers}
        t1 = time.time()
        time.sleep(window)
        elapsed = time.time() - t1
        for s in servers:
            used = s.cpu() - c1[s.name]
            evals = s.evaluations() - e1[s.name]
            o = out[s.name]
            o["idle_cpu_per_s"] = round(idle[s.name], 4)
            o["window_s"] = round(elapsed, 1)
            o["window_cpu_s"] = round(used, 2)
            # A cycle = one evaluation of every rule; counted from the rules evaluated in the
            # window, so an overloaded machine (groups slower than their interval) still
            # gives CPU per cycle, not CPU per interval.
            o["rule_evaluations_in_window"] = int(evals)
            o["cycles_in_window"] = round(evals / RULES, 2)
            o["cpu_s_per_cycle"] = (round((used - idle[s.name] * elapsed) / (evals / RULES), 3)
                                    if evals > 0 else None)
            o.update(s.rules_summary())
            o["rule_group_last_duration_seconds_sum"] = s.last_duration_sum()
            o["output_series"] = s.output_series()
        a, b = out["promlet"]["cpu_s_per_cycle"], out["prometheus"]["cpu_s_per_cycle"]
        out["promlet_over_prometheus_cpu"] = round(a / b, 3) if a and b else None
    finally:
        compare.cleanup()
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
