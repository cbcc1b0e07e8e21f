#!/usr/bin/env python3
"""Deterministic OpenMetrics dataset generator for TSDB benchmarks (stdlib only).

Vendored unchanged (apart from this note) from the project's shared benchmark
material (../shared/bench/gen_dataset.py, with node_exporter_template.prom), so
that bench/compare/ stands alone in a fresh clone.

Takes one real node_exporter scrape (Prometheus text format) as a template and
writes an OpenMetrics text file with explicit timestamps (seconds, ms precision)
for N instances (instance="host-NNN:9100", job="node") over a duration at a
fixed scrape interval.  Value evolution:

  * counters (and node_exporter's untyped netstat/vmstat counters): increase by
    non-negative amounts -- steady rate, bursty, idle (stay 0) or rare events;
    a few instances restart node_exporter (go_/process_/promhttp_ counters
    reset) or reboot (all counters reset) once inside the window;
  * gauges: constant (info/size/limit/flag style metrics) or a small
    mean-reverting random walk; node_time_seconds follows the timestamp;
  * node_cpu_seconds_total: per-CPU modes add up to ~1 CPU-second per second;
  * go_gc_duration_seconds summary: sorted quantiles, consistent _count/_sum;
  * a synthetic histogram http_request_duration_seconds{handler,method,code}
    (node_exporter 1.5 exposes no histogram): buckets cumulative and monotonic,
    +Inf bucket == _count, _sum consistent with the observations;
  * Prometheus' synthetic per-target series up, scrape_duration_seconds,
    scrape_samples_scraped, scrape_samples_post_metric_relabeling,
    scrape_series_added.

Every instance has a constant timestamp offset of a few ms (like real scrapes),
so samples do not sit exactly on multiples of the interval.  Output is grouped
by metric family (OpenMetrics requires that); inside a family counters/gauges
are written series by series (each series' samples in time order), histograms
and summaries MetricPoint by MetricPoint.  The file ends with "# EOF".

The same --seed (and other options) always gives byte-identical output.
A JSON summary (series, samples, bytes, time range) is written next to the
output file as <out>.stats.json and printed to stdout.
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TEMPLATE = os.path.join(HERE, "node_exporter_template.prom")
DEFAULT_START = 1699999200  # 2023-11-14T22:00:00Z, a multiple of 2h

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+(\S+))?\s*$')
LE_RE = re.compile(r'(?:^|,)le="([^"]*)"')
QUANTILE_RE = re.compile(r'(?:^|,)quantile="([^"]*)"')


def parse_duration(s):
    s = str(s).strip()
    m = re.fullmatch(r'(\d+(?:\.\d+)?)([smhd]?)', s)
    if not m:
        raise argparse.ArgumentTypeError("bad duration %r (use e.g. 7200, 90m, 2h, 1d)" % s)
    mult = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    return int(float(m.group(1)) * mult)


def sub_rng(seed, *parts):
    h = hashlib.sha256(("%s/" % seed + "/".join(str(p) for p in parts)).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def decimals_of(text, value):
    """Output precision, copied from the template's own formatting.
    0 -> integer, k>0 -> k decimals, None -> full float precision."""
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if "e" in text or "E" in text:
        return 0 if value == int(value) and abs(value) < 1e15 else None
    if "." in text:
        return len(text.split(".", 1)[1])
    return 0


def fmt_value(v, dec):
    if dec is None:
        return repr(float(v))
    if dec == 0:
        return str(int(v)) if v >= 0 else str(-int(-v))
    s = "%.*f" % (dec, v)
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


# ---------------------------------------------------------------- template

class Family:
    __slots__ = ("name", "type", "help", "samples")

    def __init__(self, name, mtype, help_):
        self.name, self.type, self.help = name, mtype, help_
        self.samples = []  # (sample_name, labels_inner, value_text, value)


def parse_template(path):
    helps, types, order, fams = {}, {}, [], {}
    cur = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 3 and parts[1] == "HELP":
                    helps[parts[2]] = parts[3] if len(parts) > 3 else ""
                elif len(parts) >= 4 and parts[1] == "TYPE":
                    types[parts[2]] = parts[3]
                    cur = parts[2]
                continue
            m = SAMPLE_RE.match(line)
            if not m:
                continue
            sname, labels, vtext = m.group(1), m.group(2) or "", m.group(3)
            fam = None
            if cur is not None:
                t = types.get(cur)
                if sname == cur or (t in ("histogram", "summary") and sname in (
                        cur + "_bucket", cur + "_sum", cur + "_count")):
                    fam = cur
            if fam is None:
                fam = sname
                types.setdefault(fam, "untyped")
            if fam not in fams:
                fams[fam] = Family(fam, types.get(fam, "untyped"), helps.get(fam, ""))
                order.append(fam)
            value = float(vtext)
            fams[fam].samples.append((sname, labels[1:-1] if labels else "", vtext, value))
    return [fams[n] for n in order]


# ---------------------------------------------------------------- behaviour

CONST_GAUGE_PAT = re.compile(
    r'(_info$|Total|_size_bytes|size_bytes$|_mtu_|_flags$|_id$|device_id|iface_|'
    r'address_assign|protocol_type|net_dev_group|boot_time|start_time|max_fds|'
    r'_maximum$|_max$|_limit|_max_bytes|_up$|scrape_collector_success|'
    r'Ip_Forwarding|_files$|entropy_pool_size|_min_hertz|_max_hertz|_dmi_|'
    r'_os_|_uname|_hwmon_chip|_avail_|_readonly$|_device_error$|transmit_queue_length|'
    r'carrier$|_duplex|_speed_bytes|_capacity|sysctl)')
UNTYPED_GAUGE_PAT = re.compile(r'(CurrEstab|Forwarding)$')
EXPORTER_PREFIXES = ("go_", "process_", "promhttp_")


class Instance:
    def __init__(self, seed, idx, n_steps, args, restart=False, reboot=False):
        r = sub_rng(seed, "instance", idx)
        self.idx = idx
        self.name = "host-%03d:9100" % idx
        self.offset_ms = r.randint(1, max(1, args.jitter_ms))
        self.uptime = r.uniform(1, 60) * 86400.0
        self.size_scale = r.choice([0.5, 1.0, 1.0, 2.0, 4.0])
        self.load = r.lognormvariate(0, 0.6)  # cpu/traffic intensity
        step_a = r.randint(n_steps // 10, n_steps - 2) if n_steps > 20 else None
        step_b = r.randint(n_steps // 10, n_steps - 2) if n_steps > 20 else None
        self.exporter_restart = step_a if restart else None
        self.reboot = step_b if reboot else None
        if self.reboot is not None:
            self.exporter_restart = self.reboot if self.exporter_restart is None else min(
                self.exporter_restart, self.reboot)


def reset_step(inst, fam_name):
    if fam_name.startswith(EXPORTER_PREFIXES):
        return inst.exporter_restart
    return inst.reboot


def counter_series(rng, n, dt, tval, ref_uptime, inst, reset_at, scale):
    """Return list of n non-negative, monotonically increasing (except at reset) values."""
    if tval > 0:
        rate = tval / ref_uptime * scale * rng.lognormvariate(0, 0.5)
        kind = rng.random()
        start = rate * inst.uptime
    else:
        rate, kind, start = 0.0, None, 0.0
        if rng.random() < 0.15:  # rare events (errors, drops, ...)
            rate = rng.uniform(0.001, 0.05)
            kind = -1.0
    out = []
    v = start
    mean_inc = rate * dt
    burst_left = 0
    for k in range(n):
        if reset_at is not None and k == reset_at:
            v = 0.0
        elif k > 0:
            if kind is None:
                inc = 0.0
            elif kind < 0:  # rare discrete events
                inc = float(rng.randint(1, 5)) if rng.random() < mean_inc else 0.0
            elif kind < 0.6:  # steady rate with a little noise
                inc = mean_inc * (1.0 + rng.gauss(0, 0.1))
            else:  # bursty: quiet most of the time, occasional 5-20x bursts
                if burst_left > 0:
                    burst_left -= 1
                    inc = mean_inc * rng.uniform(5, 20)
                else:
                    if rng.random() < 0.03:
                        burst_left = rng.randint(1, 8)
                    inc = mean_inc * rng.uniform(0.1, 0.6)
            if inc > 0:
                v += inc
        out.append(v)
    return out


def gauge_series(rng, n, tval, dec, const, clamp_hi=None, unit_interval=False):
    if const or tval != tval:
        return [tval] * n
    mu = tval
    if mu == 0:
        if rng.random() < 0.8:
            return [0.0] * n
        mu = float(rng.randint(1, 10)) if dec == 0 else rng.uniform(0.01, 1.0)
    sigma = abs(mu) * rng.uniform(0.005, 0.03)
    if dec == 0:
        sigma = max(sigma, 0.5)
    theta = rng.uniform(0.02, 0.1)
    v = mu * rng.uniform(0.9, 1.1)
    nonneg = tval >= 0
    out = []
    for _ in range(n):
        v += theta * (mu - v) + rng.gauss(0, sigma)
        if nonneg and v < 0:
            v = -v * 0.5
        if unit_interval and v > 1:
            v = 1.0
        if clamp_hi is not None and v > clamp_hi:
            v = clamp_hi
        out.append(round(v) if dec == 0 else v)
    return out


# ---------------------------------------------------------------- writer

class Writer:
    def __init__(self, f):
        self.f = f
        self.samples = 0
        self.series = 0

    def series_rows(self, prefix, values, dec, ts_strs):
        self.series += 1
        self.samples += len(values)
        pre = prefix + " "
        self.f.write("".join([pre + fmt_value(v, dec) + " " + t + "\n"
                              for v, t in zip(values, ts_strs)]))


def labels_join(inner, extra):
    return "{" + (inner + "," if inner else "") + extra + "}"


def om_help(text):
    # text-format HELP escapes \\ and \n; OpenMetrics additionally escapes '"'
    return text.replace('"', '\\"')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--template", default=DEFAULT_TEMPLATE, help="node_exporter scrape (text format)")
    ap.add_argument("--out", required=True, help="output OpenMetrics file")
    ap.add_argument("--instances", type=int, default=60)
    ap.add_argument("--duration", type=parse_duration, default=7200, help="e.g. 2h (default)")
    ap.add_argument("--interval", type=parse_duration, default=15, help="scrape interval (default 15s)")
    ap.add_argument("--start", default=str(DEFAULT_START),
                    help="first scrape, epoch seconds (default %d); 'now' = window ending at the last "
                         "2h boundary before now" % DEFAULT_START)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jitter-ms", type=int, default=10, help="max constant per-instance timestamp offset")
    ap.add_argument("--histogram-handlers", type=int, default=4,
                    help="label sets of the synthetic http_request_duration_seconds histogram per instance")
    ap.add_argument("--restart-frac", type=float, default=0.05,
                    help="fraction of instances whose node_exporter restarts once (exporter counters reset)")
    ap.add_argument("--reboot-frac", type=float, default=0.03,
                    help="fraction of instances that reboot once (all counters reset)")
    ap.add_argument("--no-help", action="store_true", help="omit # HELP lines")
    args = ap.parse_args()

    if args.start == "now":
        end = int(time.time()) // 7200 * 7200
        start = end - args.duration
    else:
        start = int(args.start)
    dt = args.interval
    n = args.duration // dt
    fams = parse_template(args.template)

    tvals = {}
    for fam in fams:
        for sname, _, _, v in fam.samples:
            tvals[sname] = v
    now_ref = tvals.get("node_time_seconds", time.time())
    node_uptime = max(60.0, now_ref - tvals.get("node_boot_time_seconds", now_ref - 86400))
    proc_uptime = max(10.0, now_ref - tvals.get("process_start_time_seconds", now_ref - 3600))
    mem_total = tvals.get("node_memory_MemTotal_bytes")
    n_template = sum(len(f.samples) for f in fams)

    # exactly round(frac * N) instances restart node_exporter / reboot (at least one each
    # when frac > 0), chosen by the seed, so every dataset has "a few" counter resets
    pick = sub_rng(args.seed, "resets")
    n_restart = max(1, round(args.restart_frac * args.instances)) if args.restart_frac > 0 else 0
    n_reboot = max(1, round(args.reboot_frac * args.instances)) if args.reboot_frac > 0 else 0
    restarts = set(pick.sample(range(args.instances), min(n_restart, args.instances)))
    reboots = set(pick.sample(range(args.instances), min(n_reboot, args.instances)))
    insts = [Instance(args.seed, i + 1, n, args, i in restarts, i in reboots) for i in range(args.instances)]
    ts_cache = {}
    for inst in insts:
        strs = []
        for k in range(n):
            ms = (start + k * dt) * 1000 + inst.offset_ms
            strs.append("%d.%03d" % (ms // 1000, ms % 1000))
        ts_cache[inst.idx] = strs

    t0 = time.time()
    with open(args.out, "w", buffering=1 << 22) as f:
        w = Writer(f)

        def header(name, omtype, help_):
            if help_ and not args.no_help:
                f.write("# HELP %s %s\n" % (name, om_help(help_)))
            f.write("# TYPE %s %s\n" % (name, omtype))

        for fam in fams:
            omtype = {"untyped": "unknown"}.get(fam.type, fam.type)
            header(fam.name, omtype, fam.help)
            for inst in insts:
                tss = ts_cache[inst.idx]
                extra = 'instance="%s",job="node"' % inst.name
                rng = sub_rng(args.seed, inst.idx, fam.name)
                if fam.type == "summary":
                    emit_summary(w, rng, fam, inst, extra, tss, n, dt)
                    continue
                if fam.type == "histogram":
                    emit_template_histogram(w, rng, fam, inst, extra, tss, n, dt)
                    continue
                if fam.name == "node_cpu_seconds_total":
                    emit_cpu(w, rng, fam, inst, extra, tss, n, dt)
                    continue
                is_counter = fam.type == "counter" or (
                    fam.type == "untyped" and not UNTYPED_GAUGE_PAT.search(fam.name))
                ref = proc_uptime if fam.name.startswith(EXPORTER_PREFIXES) else node_uptime
                rs = reset_step(inst, fam.name) if is_counter else None
                for sname, lab, vtext, tval in fam.samples:
                    dec = decimals_of(vtext, tval)
                    prefix = sname + labels_join(lab, extra)
                    if is_counter:
                        scale = inst.load if "cpu" in sname or "bytes" in sname or "packets" in sname else 1.0
                        vals = counter_series(rng, n, dt, tval, ref, inst, rs, scale)
                        if dec is None and tval == 0:
                            dec = 0
                    elif sname == "node_time_seconds":
                        vals = [start + k * dt + inst.offset_ms / 1000.0 for k in range(n)]
                        dec = 3
                    elif sname == "node_boot_time_seconds":
                        b = float(int(start - inst.uptime))
                        vals = [b] * n
                        if inst.reboot is not None:
                            nb = float(start + inst.reboot * dt - 30)
                            vals = [b if k < inst.reboot else nb for k in range(n)]
                        dec = 0
                    elif sname == "process_start_time_seconds":
                        b = round(start - inst.uptime + 20, 2)
                        vals = [b] * n
                        if inst.exporter_restart is not None:
                            nb = round(start + inst.exporter_restart * dt - 2.0, 2)
                            vals = [b if k < inst.exporter_restart else nb for k in range(n)]
                    else:
                        const = bool(CONST_GAUGE_PAT.search(sname + "{" + lab))
                        if not const and tval in (0.0, 1.0) and dec == 0 and rng.random() < 0.7:
                            const = True
                        scaled = tval
                        hi = None
                        if sname.startswith("node_memory_") or sname.startswith("node_filesystem_"):
                            scaled = tval * inst.size_scale
                            if dec == 0:
                                scaled = float(int(scaled))
                            if sname.startswith("node_memory_") and mem_total:
                                hi = mem_total * inst.size_scale
                                if "Free" in sname or "Available" in sname:
                                    # the template host is idle; make hosts use 20-70% of RAM
                                    scaled = float(int(scaled * rng.uniform(0.3, 0.8)))
                        unit = 0.0 <= tval <= 1.0 and dec != 0
                        vals = gauge_series(rng, n, scaled, dec, const, hi, unit)
                    w.series_rows(prefix, vals, dec, tss)

        if args.histogram_handlers > 0:
            name = "http_request_duration_seconds"
            header(name, "histogram", "Synthetic request latency histogram (not in node_exporter 1.5).")
            for inst in insts:
                emit_synth_histogram(w, sub_rng(args.seed, inst.idx, name), name, inst,
                                     'instance="%s",job="node"' % inst.name, ts_cache[inst.idx],
                                     n, dt, args.histogram_handlers)
        n_scraped = n_template + 14 * args.histogram_handlers
        for name, help_ in (("up", "1 if the target was scraped successfully."),
                            ("scrape_duration_seconds", "Duration of the scrape."),
                            ("scrape_samples_scraped", "Samples the target exposed."),
                            ("scrape_samples_post_metric_relabeling", "Samples kept after relabeling."),
                            ("scrape_series_added", "Approximate number of new series in this scrape.")):
            header(name, "gauge", help_)
            for inst in insts:
                rng = sub_rng(args.seed, inst.idx, name)
                prefix = name + '{instance="%s",job="node"}' % inst.name
                if name == "up":
                    vals, dec = [1] * n, 0
                elif name == "scrape_duration_seconds":
                    vals, dec = gauge_series(rng, n, rng.uniform(0.01, 0.05), None, False), 6
                elif name == "scrape_series_added":
                    vals, dec = [n_scraped] + [0] * (n - 1), 0
                    if inst.reboot is not None:
                        vals[inst.reboot] = 3
                else:
                    vals, dec = [n_scraped] * n, 0
                w.series_rows(prefix, vals, dec, ts_cache[inst.idx])
        f.write("# EOF\n")

    stats = {
        "file": os.path.abspath(args.out),
        "bytes": os.path.getsize(args.out),
        "series": w.series,
        "samples": w.samples,
        "instances": args.instances,
        "series_per_instance": w.series // max(1, args.instances),
        "samples_per_series": n,
        "interval_s": dt,
        "start_s": start,
        "end_s": start + (n - 1) * dt,  # last scrape (plus offset of at most jitter_ms)
        "range_end_s": start + n * dt,
        "jitter_ms": args.jitter_ms,
        "seed": args.seed,
        "template": os.path.abspath(args.template),
        "template_series": n_template,
        "template_families": len(fams),
        "restarting_instances": sorted(i.idx for i in insts if i.exporter_restart is not None),
        "rebooting_instances": sorted(i.idx for i in insts if i.reboot is not None),
        "generate_seconds": round(time.time() - t0, 2),
        "argv": sys.argv[1:],
    }
    with open(args.out + ".stats.json", "w") as sf:
        json.dump(stats, sf, indent=1)
    print(json.dumps(stats, indent=1))


def emit_cpu(w, rng, fam, inst, extra, tss, n, dt):
    """Per CPU: non-idle modes follow random walks around their template share
    (scaled by instance load); idle takes the rest, so modes sum to ~1 s/s."""
    by_cpu = {}
    for s in fam.samples:
        m = re.search(r'cpu="([^"]*)"', s[1])
        by_cpu.setdefault(m.group(1) if m else "", []).append(s)
    for cpu, samples in by_cpu.items():
        total = sum(s[3] for s in samples) or 1.0
        shares = {}
        for sname, lab, vtext, tval in samples:
            mode = re.search(r'mode="([^"]*)"', lab)
            mode = mode.group(1) if mode else ""
            shares[lab] = (mode, tval / total)
        busy = {lab: min(0.9, sh * inst.load) for lab, (mode, sh) in shares.items() if mode != "idle"}
        walk = {lab: 1.0 for lab in busy}
        vals = {lab: [] for lab in shares}
        cur = {lab: (min(0.9, sh * inst.load) if shares[lab][0] != "idle" else sh) * inst.uptime
               for lab, (mode, sh) in shares.items()}
        for k in range(n):
            if inst.reboot is not None and k == inst.reboot:
                cur = {lab: 0.0 for lab in cur}
            elif k > 0:
                used = 0.0
                for lab in busy:
                    walk[lab] = max(0.05, walk[lab] + 0.1 * (1 - walk[lab]) + rng.gauss(0, 0.15))
                    inc = busy[lab] * walk[lab] * dt
                    if rng.random() < 0.02:
                        inc *= rng.uniform(3, 10)  # burst
                    inc = min(inc, dt * 0.95 - used) if used < dt * 0.95 else 0.0
                    used += inc
                    cur[lab] += inc
                for lab, (mode, sh) in shares.items():
                    if mode == "idle":
                        cur[lab] += max(0.0, dt - used)
            for lab in shares:
                vals[lab].append(cur[lab])
        for sname, lab, vtext, tval in samples:
            w.series_rows(sname + labels_join(lab, extra), vals[lab], 2, tss)


def emit_summary(w, rng, fam, inst, extra, tss, n, dt):
    groups = {}
    for sname, lab, vtext, tval in fam.samples:
        key = QUANTILE_RE.sub("", lab).strip(",")
        groups.setdefault(key, []).append((sname, lab))
    for key, samples in groups.items():
        qs = [(s, l, float(QUANTILE_RE.search(l).group(1))) for s, l in samples
              if s == fam.name and QUANTILE_RE.search(l)]
        base = 4e-5 * rng.lognormvariate(0, 0.3)
        cnt = float(rng.randint(100, 5000))
        tot = cnt * base * 1.5
        per_step = rng.uniform(0.05, 0.5)  # GCs per scrape interval
        prefixes = [(s + labels_join(l, extra), q) for s, l, q in qs]
        sum_p = fam.name + "_sum" + labels_join(key, extra)
        cnt_p = fam.name + "_count" + labels_join(key, extra)
        rows = []
        for k in range(n):
            if inst.exporter_restart is not None and k == inst.exporter_restart:
                cnt, tot = 0.0, 0.0
            elif k > 0:
                inc = 1 if rng.random() < per_step else 0
                if rng.random() < 0.05:
                    inc += rng.randint(1, 4)
                cnt += inc
                tot += inc * base * rng.uniform(0.5, 3)
            vals = sorted(base * (0.3 + 2.5 * q) * rng.uniform(0.7, 1.3) for _, q in prefixes)
            ts = tss[k]
            for (p, _), v in zip(prefixes, vals):
                rows.append("%s %s %s\n" % (p, repr(round(v, 9)), ts))
            rows.append("%s %s %s\n" % (sum_p, repr(round(tot, 9)), ts))
            rows.append("%s %d %s\n" % (cnt_p, cnt, ts))
        w.f.write("".join(rows))
        w.series += len(prefixes) + 2
        w.samples += n * (len(prefixes) + 2)


def emit_template_histogram(w, rng, fam, inst, extra, tss, n, dt):
    # node_exporter 1.5 has none; treat any template histogram via the synthetic path
    les = []
    for sname, lab, _, _ in fam.samples:
        m = LE_RE.search(lab)
        if sname.endswith("_bucket") and m and m.group(1) != "+Inf":
            les.append(float(m.group(1)))
    emit_hist_group(w, rng, fam.name, "", inst, extra, tss, n, dt, sorted(set(les)) or DEFAULT_BUCKETS,
                    0.05, rng.uniform(0.5, 5))


DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
HANDLERS = ["/metrics", "/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/-/healthy",
            "/api/v1/labels", "/federate", "/api/v1/write"]
HANDLER_MEDIAN = [0.004, 0.03, 0.12, 0.02, 0.001, 0.01, 0.3, 0.008]


def emit_synth_histogram(w, rng, name, inst, extra, tss, n, dt, handlers):
    for h in range(handlers):
        hn = HANDLERS[h % len(HANDLERS)] + ("" if h < len(HANDLERS) else str(h // len(HANDLERS)))
        lab = 'code="200",handler="%s",method="GET"' % hn
        med = HANDLER_MEDIAN[h % len(HANDLER_MEDIAN)] * rng.lognormvariate(0, 0.3)
        rate = rng.lognormvariate(0, 1.0) * inst.load * (5.0 if h == 0 else 1.0)
        emit_hist_group(w, rng, name, lab, inst, extra, tss, n, dt, DEFAULT_BUCKETS, med, rate)


def emit_hist_group(w, rng, name, lab, inst, extra, tss, n, dt, les, median, rate):
    le_strs = [repr(float(x)) if float(x) != int(x) else "%s.0" % int(x) for x in les] + ["+Inf"]
    bucket_p = [name + "_bucket" + labels_join((lab + "," if lab else "") + 'le="%s"' % s, extra)
                for s in le_strs]
    sum_p = name + "_sum" + labels_join(lab, extra)
    cnt_p = name + "_count" + labels_join(lab, extra)
    nb = len(le_strs)
    sigma = rng.uniform(0.6, 1.2)
    cum = [0] * nb
    total = 0.0
    # pre-existing history
    start_n = int(rate * inst.uptime * rng.uniform(0.01, 0.2))
    shift = 0.0

    def cdf(x, m):
        return 0.5 * (1.0 + math.erf((math.log(x) - math.log(m)) / (sigma * math.sqrt(2))))

    def observe(cnt, m):
        nonlocal total
        if cnt <= 0:
            return
        for b, le in enumerate(les):
            cum[b] += int(round(cnt * cdf(le, m)))
        cum[nb - 1] += cnt
        for b in range(nb - 2, -1, -1):  # keep cumulative monotone after rounding
            if cum[b] > cum[b + 1]:
                cum[b] = cum[b + 1]
        total += cnt * m * math.exp(sigma * sigma / 2) * rng.uniform(0.9, 1.1)

    observe(start_n, median)
    reset_at = inst.exporter_restart
    burst = 0
    rows = []
    for k in range(n):
        if reset_at is not None and k == reset_at:
            cum = [0] * nb
            total = 0.0
        elif k > 0:
            shift = 0.9 * shift + rng.gauss(0, 0.1)
            lam = rate * dt
            if burst > 0:
                burst -= 1
                lam *= 6
                m = median * 3
            else:
                m = median * math.exp(shift)
                if rng.random() < 0.01:
                    burst = rng.randint(2, 10)
            cnt = max(0, int(round(rng.gauss(lam, math.sqrt(lam) if lam > 0 else 0))))
            observe(cnt, m)
        ts = tss[k]
        for p, c in zip(bucket_p, cum):
            rows.append("%s %d %s\n" % (p, c, ts))
        rows.append("%s %s %s\n" % (sum_p, repr(round(total, 6)), ts))
        rows.append("%s %d %s\n" % (cnt_p, cum[nb - 1], ts))
    w.f.write("".join(rows))
    w.series += nb + 2
    w.samples += n * (nb + 2)


if __name__ == "__main__":
    main()
