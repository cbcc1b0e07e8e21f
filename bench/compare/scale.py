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

--interleaved: the whole curve in one sitting. The machine's speed drifts between sittings (on
a shared VM the same server CPU for the same work measured 1.42 s and 1.93 s half an hour
apart), so growth ratios of scales measured one after another compare two machine states.
Here every (scale, system) server is loaded (one at a time, as bench_system loads it) and left
running; then the query set runs over all of them at once: one warm-up of every query on
every server (its answer checked against the reference system's at that scale, as
compare.py checks), then --reps rounds (default 5) in which each query goes to every server in
turn, one GET each, the servers' order rotated every round. Per request: client latency and the
server's CPU (sum over its threads' /proc/<pid>/task/*/schedstat). The report adds the geometric
mean of the range and of the instant queries' medians and a Growth table (last / first scale).
All servers are up at once: memory needed is the sum of their RSS (and disk the sum of their
data dirs, the datasets being deleted after each scale is loaded unless --keep-datasets).

    python3 bench/compare/scale.py --interleaved                    # 60x2h,600x2h, all three systems
    python3 bench/compare/scale.py --interleaved --scales 3x1h,6x1h --reps 2        # smoke run
    python3 bench/compare/scale.py --interleaved --systems promlet --promlet-bin build/promlet

Options scale.py does not know (e.g. --promlet-bin, --prom-flag, --vm-flag, --step, --rel-tol)
are compare.py's, read by its own parser. Results: results/<stamp>-scale-interleaved.{json,md}
and results/latest-scale-interleaved.{json,md}; the servers' data dirs and logs are in
<workdir>/interleaved-<stamp>/<scale>/<system> (removed at the end unless --keep-data or a
system failed).
"""

import argparse
import glob
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402  (the systems, their loading and the answer checks)
from ab_promlet import server_cpu  # noqa: E402  (server CPU from its threads' schedstat)
BYTES_60x2h = 1707164750  # the default dataset's size: the estimate scales from it

FIGURES = [  # (key in compare.py's per-system metrics, label, unit)
    ("ingest_seconds", "ingest (import + flush), s", "s"),
    ("disk_after_load", "disk after load, bytes", "bytes"),
    ("bytes_per_sample_after_load", "bytes per sample after load", ""),
    ("rss_after_load", "RSS after load, bytes", "bytes"),
    ("rss_after_queries", "RSS after the query set, bytes", "bytes"),
    ("query_set_cpu_seconds", "server CPU for the query set, s", "s"),
]
# --interleaved: the CPU of the timed rounds only (compare.py's figure includes the warm-up)
FIGURES_INTERLEAVED = FIGURES[:-1] + [("query_pass_cpu_seconds", "server CPU per pass of the query set, s", "s")]


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


def gen_args(scale):
    return "--instances %d --duration %s --seed 1" % (scale["instances"], scale["duration"])


def disk_short(args, scale):
    """Why the scale is skipped (too little free disk for its dataset), or None."""
    est = BYTES_60x2h * scale["instances"] / 60.0 * scale["hours"] / 2.0
    free = shutil.disk_usage(args.workdir).free
    if free < args.disk_factor * est:
        msg = "needs ~%.1f GiB free (%.0fx the %.1f GiB dataset), have %.1f GiB" % (
            args.disk_factor * est / 2 ** 30, args.disk_factor, est / 2 ** 30, free / 2 ** 30)
        print("!! skipping %s: %s" % (scale["name"], msg), flush=True)
        return msg
    return None


def remove_dataset(om):
    for p in (om, (om or "") + ".stats.json"):
        if p and os.path.exists(p):
            os.remove(p)


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
    short = disk_short(args, scale)
    if short:
        return {"skipped": short}
    cmd = [sys.executable, os.path.join(HERE, "compare.py"), "--gen-args", gen_args(scale), "--tag", tag,
           "--systems", args.systems, "--queries", args.queries, "--reps", str(args.reps),
           "--workdir", args.workdir, "--results", args.results] + (
               ["--keep-data"] if args.keep_data else []) + extra
    print("== scale %s: %s" % (scale["name"], " ".join(cmd)), flush=True)
    t0 = time.time()
    rc = subprocess.call(cmd)
    wall = time.time() - t0
    runs = sorted(glob.glob(os.path.join(args.results, "*-%s.json" % tag)), key=os.path.getmtime)
    if rc != 0 or not runs or os.path.getmtime(runs[-1]) < t0:
        return {"error": "compare.py exited with %d and wrote no report" % rc}
    result = result_of(runs[-1], round(wall, 1))
    if not args.keep_datasets:
        remove_dataset(result["dataset"].get("file"))
    return result


# ------------------------------------------------------------ --interleaved

def compare_args(args, extra):
    """compare.py's options from its own parser: its defaults, the options scale.py does not
    know (extra), then scale.py's own."""
    cargs = compare.build_parser().parse_args(extra + [
        "--systems", args.systems, "--queries", args.queries, "--reps", str(args.reps),
        "--workdir", args.workdir, "--results", args.results] + (["--keep-data"] if args.keep_data else []))
    if cargs.dataset or cargs.live or cargs.self_test or cargs.busy or cargs.clients != 1:
        sys.exit("--interleaved generates each scale's dataset and sends one request at a time: "
                 "no --dataset, --live, --self-test, --busy or --clients")
    if cargs.reps < 1:
        sys.exit("--reps must be at least 1")
    cargs.promlet_bin = os.path.abspath(cargs.promlet_bin)
    compare.ACCEPT_GZIP = cargs.gzip
    return cargs


def warm_page_cache(path):
    """Reads the dataset once so that each system's importer finds it in the page cache: at
    600x2h (16 GiB) the importer run after promtool (22 GiB peak) otherwise read it from disk,
    and load times measured the disk and the order of the loads."""
    with open(path, "rb", buffering=0) as f:
        while f.read(16 << 20):
            pass


def load_scale(args, cargs, scale, rundir):
    """The scale's dataset (as compare.py gets it) loaded into each system, one at a time, as
    bench_system loads it; the servers are left running. Returns (result, running systems)."""
    short = disk_short(args, scale)
    if short:
        return {"skipped": short}, []
    sargs = argparse.Namespace(**vars(cargs))
    sargs.gen_args = gen_args(scale)
    try:
        om, stats = compare.ensure_dataset(sargs, os.path.join(args.workdir, "datasets"))
    except Exception as e:
        print("!! dataset of %s failed: %s" % (scale["name"], e), flush=True)
        return {"error": "dataset: %s" % e}, []
    systems = compare.make_systems(sargs, os.path.join(rundir, scale["name"]))
    result = {"dataset": stats, "reference": systems[0].name, "systems": {}, "comparison": {}}
    up = []
    t0 = time.time()
    for s in systems:
        print("== scale %s: loading %s (%d server(s) already up, idle)" % (
            scale["name"], s.name, sum(1 for p in compare.STARTED.values() if p.poll() is None)), flush=True)
        try:
            warm_page_cache(om)
            compare.load_system(s, om)
            compare.bytes_per_sample(s.metrics, stats["samples"])
            up.append(s)
        except Exception as e:  # the others go on
            print("!! %s at %s failed: %s" % (s.name, scale["name"], e), flush=True)
            compare.FAILED.append("%s@%s" % (s.name, scale["name"]))
            s.metrics["error"] = str(e)
            s.stop()
        s.metrics.setdefault("queries", [])
        result["systems"][s.name] = s.metrics
    result["load_wall_seconds"] = round(time.time() - t0, 1)
    if not args.keep_datasets:
        remove_dataset(om)
    return result, up


def one_get(sv, q, step):
    """One GET of q on the server of sv: (seconds, server CPU seconds, body), or None with the
    error recorded for (server, query); a (server, query) with an error is not sent again."""
    s = sv["sys"]
    if q["name"] in sv["errors"]:
        return None
    if s.proc.poll() is not None:
        sv["errors"][q["name"]] = "server exited with %s" % s.proc.returncode
        return None
    try:
        c0 = server_cpu(s.proc.pid)
        times, body, err = compare.timed_gets(s.client, compare.query_url(q, sv["stats"], step), 1, 0)
        c1 = server_cpu(s.proc.pid)
    except Exception as e:  # e.g. a malformed response, or the server gone between the reads
        s.client.close()
        times, err = [], "request failed: %s" % e
    if err:
        sv["errors"][q["name"]] = err
        return None
    return times[0], c1 - c0, body


def interleaved_queries(servers, queries, cargs, results):
    """Every query on every server: warm-up (answers checked per scale), then cargs.reps rounds,
    each query on every server in turn; round r starts at server r mod n, so no server always
    runs right after another. Fills each server's metrics."""
    n = len(servers)
    for sv in servers:
        sv.update(times={}, cpu={}, errors={}, shape={})
    print("== query set: %d queries on %d servers, %d warm-up + %d timed round(s)" % (
        len(queries), n, max(1, cargs.warmup), cargs.reps), flush=True)
    t0 = time.time()
    for q in queries:
        answers = {}  # (scale, system) -> parsed warm-up answer; one query's at a time in memory
        for sv in servers:
            got = None
            for _ in range(max(1, cargs.warmup)):
                got = one_get(sv, q, cargs.step) or got
            if got is None or q["name"] in sv["errors"]:
                continue
            parsed, err = compare.parse_answer(got[2])
            if err:
                sv["errors"][q["name"]] = err
                continue
            sv["shape"][q["name"]] = compare.answer_size(parsed["data"]["result"]) + (len(got[2]),)
            answers[(sv["scale"], sv["sys"].name)] = parsed
        for name, r in results.items():
            if "systems" not in r:
                continue
            names = list(r["systems"])
            r["comparison"][q["name"]] = compare.compare_answers(
                names[0], answers.get((name, names[0])), [(o, answers.get((name, o))) for o in names[1:]],
                r["dataset"]["start_s"] + cargs.compare_skip, cargs)
    print("   warm-up done in %.1f s" % (time.time() - t0), flush=True)
    for r in range(cargs.reps):
        t0 = time.time()
        order = servers[r % n:] + servers[:r % n]
        for q in queries:
            for sv in order:
                got = one_get(sv, q, cargs.step)
                if got:
                    sv["times"].setdefault(q["name"], []).append(got[0])
                    sv["cpu"].setdefault(q["name"], []).append(got[1])
        print("   round %d/%d in %.1f s" % (r + 1, cargs.reps, time.time() - t0), flush=True)
    for sv in servers:
        s, m = sv["sys"], sv["sys"].metrics
        m["queries"] = []
        for q in queries:
            res = {"name": q["name"], "kind": q["kind"], "query": q["query"]}
            times, cpu = sv["times"].get(q["name"], []), sv["cpu"].get(q["name"], [])
            if q["name"] in sv["errors"]:
                res["error"] = sv["errors"][q["name"]]
            elif times:
                series, points, nbytes = sv["shape"][q["name"]]
                res.update(compare.latency_figures(times),
                           cpu_median_ms=round(statistics.median(cpu) * 1e3, 2),
                           cpu_min_ms=round(min(cpu) * 1e3, 2), series=series, points=points,
                           response_bytes=nbytes)
            m["queries"].append(res)
        m["query_pass_cpu_seconds"] = round(sum(sum(c) for c in sv["cpu"].values()) / cargs.reps, 4)
        m["query_errors"] = len(sv["errors"])
        m["rss_after_queries"] = compare.proc_mem(s.proc.pid)
        if s.proc.poll() is not None:
            m["error"] = "server exited with %s during the query set" % s.proc.returncode
            compare.FAILED.append("%s@%s" % (s.name, sv["scale"]))


def interleaved_main(args, extra, stamp, scales):
    cargs = compare_args(args, extra)
    queries = compare.read_queries(cargs.queries)
    signal.signal(signal.SIGTERM, compare.cleanup)  # stops every server spawned, then exits
    signal.signal(signal.SIGINT, compare.cleanup)
    rundir = os.path.join(args.workdir, "interleaved-" + stamp)
    os.makedirs(rundir, exist_ok=True)
    out = {"stamp": stamp, "mode": "interleaved", "command": " ".join(sys.argv), "host": compare.host_line(),
           "args": vars(cargs), "systems": [n for n in args.systems.split(",") if n], "scales": scales,
           "reps": cargs.reps, "queries": queries, "results": {}}
    servers = []
    try:
        for sc in scales:
            r, up = load_scale(args, cargs, sc, rundir)
            out["results"][sc["name"]] = r
            servers += [{"scale": sc["name"], "sys": s, "stats": r["dataset"]} for s in up]
        out["servers"] = ["%s@%s" % (sv["sys"].name, sv["scale"]) for sv in servers]
        if servers:
            interleaved_queries(servers, queries, cargs, out["results"])
    finally:
        for sv in servers:
            sv["sys"].stop()
        compare.cleanup()
        if cargs.keep_data or compare.FAILED:
            print("data and logs kept in %s%s" % (rundir, " (failed: %s; see its *.log)" % ", ".join(
                compare.FAILED) if compare.FAILED else ""))
        else:
            shutil.rmtree(rundir, ignore_errors=True)
    md = markdown(out)
    compare.write_results(cargs, os.path.join(args.results, stamp + "-scale-interleaved"), out, md,
                          "latest-scale-interleaved")
    print(md)


# ------------------------------------------------------------ report

def geomean_medians(out, scales, system, kind):
    """Per scale, the geometric mean of the median latencies of the queries of kind that have
    one at every scale (the same queries at each scale, so the ratio is theirs); None when none."""
    per = []
    for s in scales:
        m = out["results"][s["name"]]["systems"].get(system, {})
        per.append({q["name"]: q["median_ms"] for q in m.get("queries", [])
                    if q["kind"] == kind and q.get("median_ms")})
    common = set(per[0]).intersection(*per[1:])
    if not common:
        return [None] * len(scales)
    return [math.exp(sum(math.log(p[n]) for n in common) / len(common)) for p in per]


def answers_equal(c, tol):
    """compare_stats' verdict read as equal: same series and points, values within tol."""
    return "error" not in c and c["series_ref"] == c["series_other"] == c["series_common"] and \
        c["points_only_ref"] == c["points_only_other"] == c["nan_mismatch"] == 0 and \
        (c["rel_diff_max"] is None or c["rel_diff_max"] <= tol)


def answers_lines(out, scales):
    a = out["args"]
    lines = []
    for s in scales:
        r = out["results"][s["name"]]
        names, cmp_ = list(r["systems"]), r["comparison"]
        if len(names) < 2:
            lines.append("- %s: one system, no answers compared" % s["name"])
            continue
        parts = []
        for n in names[1:]:
            if all("error" in per.get(n, {"error": ""}) for per in cmp_.values()):  # nothing to compare
                parts.append("%s: no answers (%s)" % (n, "failed" if r["systems"][n].get("error") else
                                                      "every query failed on one of the two"))
                continue
            if n == "promlet":
                bad = [qn for qn, per in cmp_.items() if not per.get(n, {}).get("match")]
                how = "match (strict: relative tolerance %g, absolute %g)" % (a["rel_tol"], a["abs_tol"])
            else:
                bad = [qn for qn, per in cmp_.items() if not answers_equal(per.get(n, {"error": ""}), a["rel_tol"])]
                how = "equal within %g (statistics; MetricsQL differs on purpose)" % a["rel_tol"]
            parts.append("%s: **%d of %d** queries %s%s" % (n, len(cmp_) - len(bad), len(cmp_), how,
                                                             ("; differing: " + ", ".join("`%s`" % b for b in bad))
                                                             if bad else ""))
        lines.append("- %s, vs %s: %s" % (s["name"], names[0], "; ".join(parts)))
    return lines


def fit(samples, vals):
    """cost = fixed + slope x samples through the first and last scale: (fixed, slope per
    million samples), or None when a value is missing."""
    if len(vals) < 2 or vals[0] is None or vals[-1] is None or samples[-1] == samples[0]:
        return None
    slope = (vals[-1] - vals[0]) / (samples[-1] - samples[0])
    return vals[0] - slope * samples[0], slope * 1e6


def fit_lines(out, scales, systems):
    """Each figure as fixed + slope x samples. A cost curve is flatter when its slope is
    smaller; the growth ratio (last / first) also falls as the fixed part grows, so a system
    with a large fixed cost per query shows a small ratio for a steep slope."""
    samples = [out["results"][s["name"]]["dataset"]["samples"] for s in scales]
    mib = 1 << 20
    figures = [
        ("server CPU per pass, ms", lambda n: [None if v is None else v * 1e3 for v in
                                               (metric(out["results"][s["name"]]["systems"].get(n, {}),
                                                       "query_pass_cpu_seconds") for s in scales)]),
        ("range-query latency (geometric mean), ms", lambda n: geomean_medians(out, scales, n, "range")),
        ("RSS after the query set, MiB", lambda n: [None if v is None else v / mib for v in
                                                    (metric(out["results"][s["name"]]["systems"].get(n, {}),
                                                            "rss_after_queries") for s in scales)]),
    ]
    lines = ["", "## Fixed and marginal cost (%s -> %s)" % (scales[0]["name"], scales[-1]["name"]), "",
             "Each figure fitted as fixed + slope x samples through the first and last scale. The slope "
             "(added per million more samples stored) is the curve's steepness; the fixed part is what "
             "the figure would be with no data. A small ratio can come from a large fixed part.", "",
             "| figure | " + " | ".join("%s: fixed, slope per million samples" % n for n in systems) + " |",
             "|---|" + "---|" * len(systems)]
    for label, vals_of in figures:
        cells = []
        for n in systems:
            f = fit(samples, vals_of(n))
            cells.append("-" if f is None else "%.3g, %.3g" % f)
        lines.append("| %s | %s |" % (label, " | ".join(cells)))
    return lines


def markdown(out):
    interleaved = out.get("mode") == "interleaved"
    # Smallest data first whatever the order they were loaded in (largest first keeps promtool's
    # peak memory alone on the machine): growth reads last / first.
    scales = sorted((s for s in out["scales"] if "systems" in out["results"].get(s["name"], {})),
                    key=lambda s: out["results"][s["name"]]["dataset"]["samples"])
    systems = out["systems"]
    lines = ["# Cost curve%s -- %s" % (", interleaved (one sitting)" if interleaved else "", out["stamp"]), "",
             "Command: `%s`" % out["command"], ""]
    if interleaved:
        lines += ["Host: %s" % out["host"], "",
                  "All %d servers (%s) were up at once; every query had one warm-up on each, then %d rounds "
                  "sent it to every server in turn, the servers' order rotated each round. Latency: median "
                  "of the rounds, client-side; server CPU: the server's threads' schedstat over each request."
                  % (len(out.get("servers", [])), ", ".join(out.get("servers", [])), out["reps"]), ""]
    for s in out["scales"]:
        r = out["results"].get(s["name"], {})
        if "systems" not in r:
            lines.append("- %s: %s" % (s["name"], r.get("skipped") or r.get("error")))
        for n, m in r.get("systems", {}).items():
            if interleaved and m.get("error"):
                lines.append("- %s: %s failed: %s" % (s["name"], n, m["error"][:300]))
    if not scales:
        return "\n".join(lines + ["", "no scale ran"]) + "\n"
    base = out["results"][scales[0]["name"]]["dataset"]
    lines += ["", "## Data", "", "| scale | series | samples | x series | x samples |", "|---|---|---|---|---|"]
    for s in scales:
        d = out["results"][s["name"]]["dataset"]
        lines.append("| %s | %d | %d | %.2f | %.2f |" % (s["name"], d["series"], d["samples"],
                                                      d["series"] / base["series"], d["samples"] / base["samples"]))

    def values_row(label, vals_of, unit):  # vals_of(system) -> its value at each scale
        cells = []
        for n in systems:
            vals = vals_of(n)
            ratio = "x%.2f" % (vals[-1] / vals[0]) if vals[0] and vals[-1] else ""
            cells.append(" / ".join(fmt(v, unit) for v in vals) + (" (%s)" % ratio if ratio else ""))
        return "| %s | %s |" % (label, " | ".join(cells))

    def summary_row(label, getter, unit):
        return values_row(label, lambda n: [getter(out["results"][s["name"]]["systems"].get(n, {}))
                                            for s in scales], unit)

    lines += ["", "## Summary", "",
              "Each cell: the figure at %s, and in brackets last / first." % " / ".join(s["name"] for s in scales),
              "", "| figure | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for key, label, unit in FIGURES_INTERLEAVED if interleaved else FIGURES:
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
    if not interleaved:
        return "\n".join(lines) + "\n"

    for kind in ("range", "instant"):
        lines.append(values_row("%s-query latency, geometric mean of medians, ms" % kind,
                                lambda n, k=kind: geomean_medians(out, scales, n, k), ""))
    d0, d1 = (out["results"][s["name"]]["dataset"] for s in (scales[0], scales[-1]))
    lines += ["", "## Growth, %s -> %s (one sitting)" % (scales[0]["name"], scales[-1]["name"]), "",
              "Last / first scale. Latency: geometric mean of the medians of the queries of that kind "
              "answered at every scale. Linear in the data or better: a ratio at or below the data ratio. "
              "Slope: what a pass of the query set costs more per million more samples stored (the cost "
              "curve's steepness in absolute terms; a system with a large fixed cost per query shows a "
              "smaller ratio for the same slope).", "",
              "| system | range-query latency | instant-query latency | server CPU per pass | data (samples) "
              "| data (series) | slope: server CPU per pass, ms per million samples |",
              "|---|---|---|---|---|---|---|"]

    def ratio(vals):
        return "x%.2f" % (vals[-1] / vals[0]) if len(scales) > 1 and vals[0] and vals[-1] else "-"

    for n in systems:
        cpu = [metric(out["results"][s["name"]]["systems"].get(n, {}), "query_pass_cpu_seconds") for s in scales]
        more = d1["samples"] - d0["samples"]
        slope = "%.2f" % ((cpu[-1] - cpu[0]) * 1e3 / (more / 1e6)) if more > 0 and cpu[0] is not None \
            and cpu[-1] is not None else "-"
        lines.append("| %s | %s | %s | %s | x%.2f | x%.2f | %s |" % (
            n, ratio(geomean_medians(out, scales, n, "range")), ratio(geomean_medians(out, scales, n, "instant")),
            ratio(cpu), d1["samples"] / d0["samples"], d1["series"] / d0["series"], slope))
    lines += fit_lines(out, scales, systems)
    errs = ["- %s, %s: `%s`: %s" % (s["name"], n, q["name"], q["error"][:200].replace("|", "/"))
            for s in scales for n, m in out["results"][s["name"]]["systems"].items()
            for q in m.get("queries", []) if q.get("error")]
    if errs:
        lines += ["", "## Query errors", ""] + errs
    lines += ["", "## Answers (warm-up answers vs the first system's at the same scale)", ""]
    lines += answers_lines(out, scales)
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--interleaved", action="store_true",
                    help="every (scale, system) server up at once, requests alternating between them: "
                         "growth measured in one sitting")
    ap.add_argument("--scales", help="comma list of INSTANCESxDURATION (duration in h or m; default "
                                     "60x2h,300x2h,600x2h,60x24h, with --interleaved 60x2h,600x2h)")
    ap.add_argument("--systems", default="prometheus,victoriametrics,promlet")
    dash = os.path.join(HERE, "dashboard_queries.txt")
    ap.add_argument("--queries", default=dash if os.path.exists(dash) else os.path.join(HERE, "queries.txt"))
    ap.add_argument("--reps", type=int, help="timed runs per query (default 7; with --interleaved 5 rounds)")
    ap.add_argument("--workdir", default=os.path.join(HERE, "work"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--keep-datasets", action="store_true", help="keep each scale's generated dataset")
    ap.add_argument("--keep-data", action="store_true",  # else argparse reads it as --keep-datasets
                    help="keep the data dirs and logs of the run (compare.py's --keep-data)")
    ap.add_argument("--reuse", action="store_true",
                    help="take a scale's latest report from --results when there is one instead of running it")
    ap.add_argument("--disk-factor", type=float, default=2.5,
                    help="skip a scale unless this many times its dataset size is free on --workdir's disk")
    args, extra = ap.parse_known_args()
    extra = [e for e in extra if e != "--"]
    if args.scales is None:
        args.scales = "60x2h,600x2h" if args.interleaved else "60x2h,300x2h,600x2h,60x24h"
    if args.reps is None:
        args.reps = 5 if args.interleaved else 7
    os.makedirs(args.workdir, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    scales = [parse_scale(s) for s in args.scales.split(",") if s.strip()]
    if args.interleaved:
        if args.reuse:
            sys.exit("--reuse reads earlier reports; --interleaved measures every scale in this run")
        return interleaved_main(args, extra, stamp, scales)
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
