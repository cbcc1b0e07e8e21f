#!/usr/bin/env python3
"""The cost curve (issue 21): compare.py at several data sizes, one table with growth ratios.

For each scale (INSTANCESxDURATION, e.g. 60x2h, 300x2h, 600x2h, 60x24h) this runs
compare.py's backfill mode with `--gen-args "--instances N --duration D --seed 1"` (every
system alone on the machine, as compare.py always does), then gathers from its JSON report,
per system: ingest seconds, disk bytes, bytes per sample, RSS after load and after the query
set, server CPU for the query set, and every query's median latency. The report puts the
scales side by side and divides each figure by its value at the first scale, next to the
ratio of data (samples) and of series, so "grows no faster than linearly in the data
touched" can be read off directly: a latency ratio at or below the series ratio of the
scales is linear or better.

Datasets are big (60x2h is 1.6 GiB of OpenMetrics; 600x2h is 16 GiB); each scale's dataset
is deleted after its run unless --keep-datasets, and a scale is skipped with a message
when the disk has less than --disk-factor times its estimated size free.

    python3 bench/compare/scale.py                                  # 60x2h,300x2h,600x2h,60x24h
    python3 bench/compare/scale.py --scales 5x1h,10x1h --systems promlet --reps 1   # smoke run
    python3 bench/compare/scale.py -- --promlet-flag=--query.max-concurrency=2       # passes on
    python3 bench/compare/scale.py --scales 600x2h; python3 bench/compare/scale.py --reuse
                                    # one scale per sitting, then the table from the reports

Results: results/<stamp>-scale.{json,md} and results/latest-scale.{json,md}.
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BYTES_60x2h = 1707164750  # the default dataset's size: the estimate scales from it

FIGURES = [  # (key in compare.py's per-system metrics, label, unit)
    ("ingest_seconds", "ingest (import + flush), s", "s"),
    ("disk_after_load", "disk after load, bytes", "bytes"),
    ("bytes_per_sample_after_load", "bytes per sample after load", ""),
    ("rss_after_load", "RSS after load, bytes", "bytes"),
    ("rss_after_queries", "RSS after the query set, bytes", "bytes"),
    ("query_set_cpu_seconds", "server CPU for the query set, s", "s"),
]


def parse_scale(s):
    m = re.fullmatch(r"(\d+)x(\d+)([hm])", s.strip())
    if not m:
        raise argparse.ArgumentTypeError("scale %r is not INSTANCESxDURATION like 60x2h" % s)
    n, d, unit = int(m.group(1)), int(m.group(2)), m.group(3)
    hours = d if unit == "h" else d / 60.0
    return {"name": s.strip(), "instances": n, "duration": "%d%s" % (d, unit), "hours": hours}


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "bytes":
        for u in ("B", "KiB", "MiB", "GiB"):
            if abs(v) < 1024 or u == "GiB":
                return "%.1f %s" % (v, u) if u != "B" else "%d B" % v
            v /= 1024.0
    if isinstance(v, float):
        return "%.3g" % v if abs(v) < 10 else "%.1f" % v
    return str(v)


def metric(sysm, key):
    if key == "ingest_seconds":
        return (sysm.get("load") or {}).get("ingest_seconds")
    v = sysm.get(key)
    return v.get("VmRSS") if isinstance(v, dict) else v


def result_of(report_file, wall=None):
    with open(report_file) as f:
        report = json.load(f)
    return {"report_file": report_file, "wall_seconds": wall, "dataset": report["dataset"],
            "systems": report["systems"], "comparison": report.get("comparison", {})}


def run_scale(args, scale, extra):
    tag = "scale-" + scale["name"]
    if args.reuse:  # a scale measured by an earlier run (e.g. one scale per sitting)
        runs = sorted(glob.glob(os.path.join(args.results, "*-%s.json" % tag)), key=os.path.getmtime)
        if runs:
            # Each system from the newest report in which it ran without error (a system
            # rerun alone, e.g. after a failure, joins the others' figures).
            result = result_of(runs[-1])
            for older in runs[-2::-1]:
                for name, m in result_of(older)["systems"].items():
                    mine = result["systems"].get(name)
                    if (not mine or mine.get("error")) and not m.get("error"):
                        result["systems"][name] = m
            print("== scale %s: reusing %s" % (scale["name"], ", ".join(runs)), flush=True)
            return result
    est = BYTES_60x2h * scale["instances"] / 60.0 * scale["hours"] / 2.0
    free = shutil.disk_usage(args.workdir).free
    if free < args.disk_factor * est:
        msg = "needs ~%.1f GiB free (%.0fx the %.1f GiB dataset), have %.1f GiB" % (
            args.disk_factor * est / 2 ** 30, args.disk_factor, est / 2 ** 30, free / 2 ** 30)
        print("!! skipping %s: %s" % (scale["name"], msg), flush=True)
        return {"skipped": msg}
    gen = "--instances %d --duration %s --seed 1" % (scale["instances"], scale["duration"])
    cmd = [sys.executable, os.path.join(HERE, "compare.py"), "--gen-args", gen, "--tag", tag,
           "--systems", args.systems, "--queries", args.queries, "--reps", str(args.reps),
           "--workdir", args.workdir, "--results", args.results] + extra
    print("== scale %s: %s" % (scale["name"], " ".join(cmd)), flush=True)
    t0 = time.time()
    rc = subprocess.call(cmd)
    wall = time.time() - t0
    runs = sorted(glob.glob(os.path.join(args.results, "*-%s.json" % tag)), key=os.path.getmtime)
    if rc != 0 or not runs or os.path.getmtime(runs[-1]) < t0:
        return {"error": "compare.py exited with %d and wrote no report" % rc}
    result = result_of(runs[-1], round(wall, 1))
    if not args.keep_datasets:
        om = result["dataset"].get("file")
        for p in (om, (om or "") + ".stats.json"):
            if p and os.path.exists(p):
                os.remove(p)
    return result


def markdown(out):
    scales = [s for s in out["scales"] if "systems" in out["results"].get(s["name"], {})]
    systems = out["systems"]
    lines = ["# Cost curve -- %s" % out["stamp"], "", "Command: `%s`" % out["command"], ""]
    for s in out["scales"]:
        r = out["results"].get(s["name"], {})
        if "systems" not in r:
            lines.append("- %s: %s" % (s["name"], r.get("skipped") or r.get("error")))
    if not scales:
        return "\n".join(lines + ["", "no scale ran"]) + "\n"
    base = out["results"][scales[0]["name"]]["dataset"]
    lines += ["", "## Data", "", "| scale | series | samples | x series | x samples |", "|---|---|---|---|---|"]
    for s in scales:
        d = out["results"][s["name"]]["dataset"]
        lines.append("| %s | %d | %d | %.2f | %.2f |" % (s["name"], d["series"], d["samples"],
                                                      d["series"] / base["series"], d["samples"] / base["samples"]))

    def summary_row(label, getter, unit):
        cells = []
        for n in systems:
            vals = [getter(out["results"][s["name"]]["systems"].get(n, {})) for s in scales]
            ratio = "x%.2f" % (vals[-1] / vals[0]) if vals[0] and vals[-1] else ""
            cells.append(" / ".join(fmt(v, unit) for v in vals) + (" (%s)" % ratio if ratio else ""))
        return "| %s | %s |" % (label, " | ".join(cells))

    lines += ["", "## Summary", "",
              "Each cell: the figure at %s, and in brackets last / first." % " / ".join(s["name"] for s in scales),
              "", "| figure | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for key, label, unit in FIGURES:
        lines.append(summary_row(label, lambda m, k=key: metric(m, k), unit))
    summary_queries = []
    for s in scales:
        for n in systems:
            for q in out["results"][s["name"]]["systems"].get(n, {}).get("queries", []):
                if q["name"] not in summary_queries:
                    summary_queries.append(q["name"])
    for qn in summary_queries:
        def qlat(m, qn=qn):
            return next((q.get("median_ms") for q in m.get("queries", []) if q["name"] == qn), None)
        lines.append(summary_row(qn + ", median ms", qlat, ""))

    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="60x2h,300x2h,600x2h,60x24h",
                    help="comma list of INSTANCESxDURATION (duration in h or m)")
    ap.add_argument("--systems", default="prometheus,victoriametrics,promlet")
    dash = os.path.join(HERE, "dashboard_queries.txt")
    ap.add_argument("--queries", default=dash if os.path.exists(dash) else os.path.join(HERE, "queries.txt"))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--workdir", default=os.path.join(HERE, "work"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--keep-datasets", action="store_true", help="keep each scale's generated dataset")
    ap.add_argument("--reuse", action="store_true",
                    help="take a scale's latest report from --results when there is one instead of running it")
    ap.add_argument("--disk-factor", type=float, default=2.5,
                    help="skip a scale unless this many times its dataset size is free on --workdir's disk")
    args, extra = ap.parse_known_args()
    extra = [e for e in extra if e != "--"]
    os.makedirs(args.workdir, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    scales = [parse_scale(s) for s in args.scales.split(",") if s.strip()]
    out = {"stamp": stamp, "command": " ".join(sys.argv), "systems": args.systems.split(","),
           "scales": scales, "results": {}}
    for s in scales:
        out["results"][s["name"]] = run_scale(args, s, extra)
    md = markdown(out)
    base = os.path.join(args.results, stamp + "-scale")
    with open(base + ".json", "w") as f:
        json.dump(out, f, indent=1)
    with open(base + ".md", "w") as f:
        f.write(md)
    shutil.copyfile(base + ".json", os.path.join(args.results, "latest-scale.json"))
    shutil.copyfile(base + ".md", os.path.join(args.results, "latest-scale.md"))
    print(md)


if __name__ == "__main__":
    main()
