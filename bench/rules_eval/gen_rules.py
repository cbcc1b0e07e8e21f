#!/usr/bin/env python3
"""Writes the rule file of the rules_eval bench: 1,000 recording and 500 alerting rules of the
shapes real rule files use (rate / sum by / histogram_quantile / ratios / comparisons), over
the series of bench/compare/gen_dataset.py (node_exporter metrics + the synthetic
http_request_duration_seconds histogram), in 10 groups of 150 rules. Deterministic.

Windows are [10m] and gauges are read through last_over_time(...[10m]): the imported data ends
when the run starts, so plain [5m] windows and instant selectors would empty out during a
run of a few minutes and make later cycles cheaper than the first.
"""
import argparse

COUNTERS = ["node_cpu_seconds_total", "node_network_receive_bytes_total",
            "node_network_transmit_bytes_total", "node_disk_read_bytes_total",
            "node_disk_written_bytes_total", "node_context_switches_total", "node_intr_total",
            "node_forks_total", "node_disk_io_time_seconds_total",
            "node_network_receive_packets_total"]
GAUGES = ["node_load1", "node_load5", "node_filefd_allocated", "node_memory_Active_bytes",
          "node_memory_Cached_bytes", "node_filesystem_avail_bytes", "node_memory_MemFree_bytes",
          "go_goroutines"]
BY = ["instance", "job", "instance, job", "mode", "device", "instance, mode"]
QUANTILES = ["0.5", "0.9", "0.95", "0.99"]


def recording(i):
    c = COUNTERS[i % len(COUNTERS)]
    g = GAUGES[i % len(GAUGES)]
    by = BY[i % len(BY)]
    shape = i % 8
    if shape == 0:
        return f"sum by ({by}) (rate({c}[10m]))"
    if shape == 1:
        return f"rate({c}[10m])"
    if shape == 2:
        q = QUANTILES[i % len(QUANTILES)]
        return (f"histogram_quantile({q}, sum by (le, handler) "
                f"(rate(http_request_duration_seconds_bucket[10m])))")
    if shape == 3:
        return (f"sum by (handler) (rate(http_request_duration_seconds_sum[10m])) / "
                f"sum by (handler) (rate(http_request_duration_seconds_count[10m]))")
    if shape == 4:
        return f"avg by (instance) (last_over_time({g}[10m]))"
    if shape == 5:
        return ('1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[10m]))')
    if shape == 6:
        return (f"sum by (instance) (last_over_time(node_filesystem_avail_bytes[10m])) / "
                f"sum by (instance) (last_over_time(node_filesystem_size_bytes[10m]))")
    return f"max by ({by}) (increase({c}[10m]))"


def alerting(i):
    c = COUNTERS[i % len(COUNTERS)]
    g = GAUGES[i % len(GAUGES)]
    shape = i % 5
    thr = (i % 7) + 1
    if shape == 0:
        return f"rate({c}[10m]) > {thr * 1000}"
    if shape == 1:
        return f"last_over_time({g}[10m]) > {thr * 10}"
    if shape == 2:
        q = QUANTILES[i % len(QUANTILES)]
        return (f"histogram_quantile({q}, sum by (le, instance) "
                f"(rate(http_request_duration_seconds_bucket[10m]))) > 0.{thr}")
    if shape == 3:
        return (f"last_over_time(node_filesystem_avail_bytes[10m]) / "
                f"last_over_time(node_filesystem_size_bytes[10m]) < 0.{thr}")
    return f'sum by (instance) (rate(node_cpu_seconds_total{{mode!="idle"}}[10m])) > {thr / 10}'


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", default="30s")
    ap.add_argument("--recording", type=int, default=1000)
    ap.add_argument("--alerting", type=int, default=500)
    ap.add_argument("--groups", type=int, default=10)
    a = ap.parse_args()
    rules = [("record", f"bench:rec_{i}", recording(i)) for i in range(a.recording)]
    rules += [("alert", f"BenchAlert{i}", alerting(i)) for i in range(a.alerting)]
    per = (len(rules) + a.groups - 1) // a.groups
    with open(a.out, "w") as f:
        f.write("groups:\n")
        for gi in range(a.groups):
            chunk = rules[gi * per:(gi + 1) * per]
            if not chunk:
                break
            f.write(f"  - name: bench{gi}\n    interval: {a.interval}\n    rules:\n")
            for kind, name, expr in chunk:
                f.write(f"      - {kind}: {name}\n        expr: '{expr}'\n")
                if kind == "alert":
                    f.write("        for: 5m\n        labels: {severity: warning}\n"
                            "        annotations: {summary: '{{ $labels.instance }} at "
                            "{{ $value | humanize }}'}\n")


if __name__ == "__main__":
    main()
