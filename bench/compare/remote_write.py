#!/usr/bin/env python3
# Vendored from the project's shared bench material (../shared/bench/remote_write.py), unchanged:
# remote_bench.py uses its encoder (protobuf by hand, literal-only snappy).
"""Minimal Prometheus remote-write 1.0 sender for an OpenMetrics file (stdlib only).

Protobuf is encoded by hand and the body is wrapped in a valid *literal-only*
snappy block (no compression; every snappy decoder accepts it), so nothing
outside the standard library is needed.  With time_ordered=True (default) the
file is first loaded into compact per-series arrays and sent in time slices, so
a receiver that only accepts roughly in-order data (e.g. Prometheus' head
block) takes it; time_ordered=False streams series by series in file order.

CLI:  remote_write.py FILE.om http://127.0.0.1:9090/api/v1/write [--batch 5000]
"""

import argparse
import array
import http.client
import json
import struct
import sys
import time
import urllib.parse


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def snappy_literal(data):
    """Valid snappy block consisting of literal elements only."""
    out = bytearray(varint(len(data)))
    pos = 0
    while pos < len(data):
        chunk = data[pos:pos + (1 << 24)]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 1 << 8:
            out.append(60 << 2)
            out += struct.pack("<B", n)
        elif n < 1 << 16:
            out.append(61 << 2)
            out += struct.pack("<H", n)
        else:
            out.append(62 << 2)
            out += struct.pack("<I", n)[:3]
        out += chunk
        pos += len(chunk)
    return bytes(out)


def pb_bytes(field, payload):
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def encode_labels(labels):
    out = bytearray()
    for k, v in sorted(labels):
        lab = pb_bytes(1, k.encode()) + pb_bytes(2, v.encode())
        out += pb_bytes(1, lab)
    return bytes(out)


def encode_series(label_bytes, ts, vals):
    body = bytearray(label_bytes)
    for t, v in zip(ts, vals):
        s = b"\x09" + struct.pack("<d", v) + b"\x10" + varint(t & 0xFFFFFFFFFFFFFFFF)
        body += pb_bytes(2, s)
    return pb_bytes(1, bytes(body))


def parse_series(key):
    """'name{a="b",c="d"}' -> list of (label, value) including __name__."""
    i = key.find("{")
    if i < 0:
        return [("__name__", key)]
    labels = [("__name__", key[:i])]
    s, pos, n = key, i + 1, len(key)
    while pos < n and s[pos] != "}":
        eq = s.index("=", pos)
        name = s[pos:eq].strip().lstrip(",").strip()
        pos = eq + 2  # skip ="
        val = []
        while s[pos] != '"':
            if s[pos] == "\\":
                nxt = s[pos + 1]
                val.append({"n": "\n", "\\": "\\", '"': '"'}.get(nxt, "\\" + nxt))
                pos += 2
            else:
                val.append(s[pos])
                pos += 1
        labels.append((name, "".join(val)))
        pos += 1
        if pos < n and s[pos] == ",":
            pos += 1
    return labels


def read_om(path):
    """Yield (series_key, ts_ms, value) in file order."""
    with open(path, buffering=1 << 22) as f:
        for line in f:
            if line[0] == "#":
                continue
            head, v, ts = line.rsplit(" ", 2)
            sec, _, frac = ts.rstrip("\n").partition(".")
            yield head, int(sec) * 1000 + int((frac + "000")[:3]), float(v)


class Sender:
    def __init__(self, host, port, path):
        self.conn = http.client.HTTPConnection(host, port, timeout=600)
        self.path = path
        self.requests = 0
        self.bytes = 0

    def send(self, payload):
        body = snappy_literal(payload)
        self.conn.request("POST", self.path, body=body, headers={
            "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
            "X-Prometheus-Remote-Write-Version": "0.1.0", "User-Agent": "promlet-bench/0.1"})
        r = self.conn.getresponse()
        data = r.read()
        if r.status // 100 != 2:
            raise RuntimeError("remote write HTTP %s: %s" % (r.status, data[:300]))
        self.requests += 1
        self.bytes += len(body)


def send_file(path, host, port, wpath="/api/v1/write", batch=5000, time_ordered=True, slice_ms=None):
    t0 = time.time()
    snd = Sender(host, port, wpath)
    samples = 0
    if not time_ordered:
        buf, n = [], 0
        cur, ts, vals = None, [], []

        def flush_series():
            nonlocal n
            if cur is not None and ts:
                buf.append(encode_series(encode_labels(parse_series(cur)), ts, vals))
                n += len(ts)

        for key, t, v in read_om(path):
            if key != cur:
                flush_series()
                cur, ts, vals = key, [], []
                if n >= batch:
                    snd.send(b"".join(buf))
                    samples += n
                    buf, n = [], 0
            ts.append(t)
            vals.append(v)
        flush_series()
        if buf:
            snd.send(b"".join(buf))
            samples += n
        return {"import_seconds": round(time.time() - t0, 2), "samples": samples,
                "requests": snd.requests, "wire_bytes": snd.bytes}

    series = {}
    for key, t, v in read_om(path):
        s = series.get(key)
        if s is None:
            s = series[key] = (array.array("q"), array.array("d"))
        s[0].append(t)
        s[1].append(v)
    parse_s = time.time() - t0
    keys = list(series)
    enc = {k: encode_labels(parse_series(k)) for k in keys}
    tmin = min(s[0][0] for s in series.values())
    tmax = max(s[0][-1] for s in series.values())
    n_per_series = max(len(s[0]) for s in series.values())
    if slice_ms is None:  # about `batch` samples per request
        per_slice = max(1, batch // max(1, len(keys)))
        slice_ms = max(1, (tmax - tmin + 1) * per_slice // max(1, n_per_series))
    pos = {k: 0 for k in keys}
    lo = tmin
    buf, n = [], 0
    while lo <= tmax:
        hi = lo + slice_ms
        for k in keys:
            ts, vals = series[k]
            i = j = pos[k]
            while j < len(ts) and ts[j] < hi:
                j += 1
            if j > i:
                buf.append(encode_series(enc[k], ts[i:j], vals[i:j]))
                n += j - i
                pos[k] = j
                if n >= batch:
                    snd.send(b"".join(buf))
                    samples += n
                    buf, n = [], 0
        lo = hi
    if buf:
        snd.send(b"".join(buf))
        samples += n
    return {"import_seconds": round(time.time() - t0, 2), "parse_seconds": round(parse_s, 2),
            "samples": samples, "requests": snd.requests, "wire_bytes": snd.bytes}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("url")
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--file-order", action="store_true", help="send series by series, not time-ordered")
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.url)
    print(json.dumps(send_file(a.file, u.hostname, u.port or 80, u.path or "/api/v1/write",
                               a.batch, not a.file_order)))


if __name__ == "__main__":
    sys.exit(main())
