#!/usr/bin/env python3
"""Derives the golden bytes of histogram_golden_test.cc from Prometheus' Go code.

A line-by-line transliteration of tsdb/chunkenc/bstream.go (writeBit/writeByte/writeBits),
varbit.go, histogram_meta.go (layout, zero threshold, custom bounds), xor.go (xorWrite) and the
appendHistogram / appendFloatHistogram paths of histogram.go and float_histogram.go that a
plain append (no recoding, no new chunk) takes. Independent of promlet's C++ bit writer on
purpose. Run: python3 histogram_chunk_golden.py  (prints C++ byte arrays).
"""
import math
import struct

M64 = (1 << 64) - 1


def f64bits(f):
    return struct.unpack('>Q', struct.pack('>d', f))[0]


class BStream:  # bstream.go
    def __init__(self, header_bytes=0):
        self.stream = bytearray(header_bytes)
        self.count = 0  # free bits in the last byte

    def write_bit(self, bit):
        if self.count == 0:
            self.stream.append(0)
            self.count = 8
        if bit:
            self.stream[-1] |= 1 << (self.count - 1)
        self.count -= 1

    def write_byte(self, byt):
        byt &= 0xff
        if self.count == 0:
            self.stream.append(byt)
            return
        self.stream[-1] |= byt >> (8 - self.count)
        self.stream.append((byt << self.count) & 0xff)

    def write_bits(self, u, nbits):
        u = (u << (64 - nbits)) & M64
        while nbits >= 8:
            self.write_byte(u >> 56)
            u = (u << 8) & M64
            nbits -= 8
        while nbits > 0:
            self.write_bit((u >> 63) == 1)
            u = (u << 1) & M64
            nbits -= 1


def bit_range(x, nbits):
    return -((1 << (nbits - 1)) - 1) <= x <= (1 << (nbits - 1))


def put_varbit_int(b, val):  # varbit.go putVarbitInt
    u = val & M64
    if val == 0:
        b.write_bit(0)
    elif bit_range(val, 3):
        b.write_bits(0b10, 2); b.write_bits(u, 3)
    elif bit_range(val, 6):
        b.write_bits(0b110, 3); b.write_bits(u, 6)
    elif bit_range(val, 9):
        b.write_bits(0b1110, 4); b.write_bits(u, 9)
    elif bit_range(val, 12):
        b.write_bits(0b11110, 5); b.write_bits(u, 12)
    elif bit_range(val, 18):
        b.write_bits(0b111110, 6); b.write_bits(u, 18)
    elif bit_range(val, 25):
        b.write_bits(0b1111110, 7); b.write_bits(u, 25)
    elif bit_range(val, 56):
        b.write_bits(0b11111110, 8); b.write_bits(u, 56)
    else:
        b.write_bits(0b11111111, 8); b.write_bits(u, 64)


def put_varbit_uint(b, val):  # varbit.go putVarbitUint
    def fits(n):
        return val < (1 << n)
    if val == 0:
        b.write_bit(0)
    elif fits(3):
        b.write_bits(0b10, 2); b.write_bits(val, 3)
    elif fits(6):
        b.write_bits(0b110, 3); b.write_bits(val, 6)
    elif fits(9):
        b.write_bits(0b1110, 4); b.write_bits(val, 9)
    elif fits(12):
        b.write_bits(0b11110, 5); b.write_bits(val, 12)
    elif fits(18):
        b.write_bits(0b111110, 6); b.write_bits(val, 18)
    elif fits(25):
        b.write_bits(0b1111110, 7); b.write_bits(val, 25)
    elif fits(56):
        b.write_bits(0b11111110, 8); b.write_bits(val, 56)
    else:
        b.write_bits(0b11111111, 8); b.write_bits(val, 64)


def put_zero_threshold(b, t):  # histogram_meta.go
    if t == 0:
        b.write_byte(0)
        return
    frac, exp = math.frexp(t)
    if frac != 0.5 or exp < -242 or exp > 11:
        b.write_byte(255)
        b.write_bits(f64bits(t), 64)
        return
    b.write_byte(exp + 243)


def put_custom_bound(b, f):
    tf = f * 1000
    whole = (round(tf) / 1000) == f  # isWholeWhenMultiplied (math.Round on the product)
    if tf < 0 or tf > 33554430 or not whole:
        b.write_bit(0)
        b.write_bits(f64bits(f), 64)
        return
    put_varbit_uint(b, int(math.floor(tf + 0.5)) + 1)


def put_spans(b, spans):
    put_varbit_uint(b, len(spans))
    for off, length in spans:
        put_varbit_uint(b, length)
        put_varbit_int(b, off)


def write_layout(b, h):
    put_zero_threshold(b, h['zt'])
    put_varbit_int(b, h['schema'])
    put_spans(b, h['pspans'])
    put_spans(b, h['nspans'])
    if h['schema'] == -53:
        put_varbit_uint(b, len(h['cv']))
        for v in h['cv']:
            put_custom_bound(b, v)


def xor_write(b, new, cur, st):  # xor.go xorWrite; st = [leading, trailing]
    delta = f64bits(new) ^ f64bits(cur)
    if delta == 0:
        b.write_bit(0)
        return
    b.write_bit(1)
    lead = 64 - delta.bit_length()
    trail = (delta & -delta).bit_length() - 1
    if lead >= 32:
        lead = 31
    if st[0] != 0xff and lead >= st[0] and trail >= st[1]:
        b.write_bit(0)
        b.write_bits(delta >> st[1], 64 - st[0] - st[1])
        return
    st[0], st[1] = lead, trail
    b.write_bit(1)
    b.write_bits(lead, 5)
    sig = 64 - lead - trail
    b.write_bits(sig, 6)
    b.write_bits(delta >> trail, sig)


def s64(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def int_chunk(samples, header=0):
    """histogram.go appendHistogram for a plain run of appends."""
    b = BStream(3)
    a = {}
    for n, (t, h) in enumerate(samples):
        if n == 0:
            write_layout(b, h)
            put_varbit_int(b, t)
            put_varbit_uint(b, h['count'])
            put_varbit_uint(b, h['zcount'])
            b.write_bits(f64bits(h['sum']), 64)
            for v in h['pb'] + h['nb']:
                put_varbit_int(b, v)
            a = dict(t=t, td=0, cnt=h['count'], cd=0, zc=h['zcount'], zd=0, sum=h['sum'],
                     st=[0xff, 0], pb=list(h['pb']), nb=list(h['nb']),
                     pd=[0] * len(h['pb']), nd=[0] * len(h['nb']))
            continue
        td = s64(t - a['t'])
        cd = s64(h['count'] - a['cnt'])
        zd = s64(h['zcount'] - a['zc'])
        put_varbit_int(b, s64(td - a['td']))
        put_varbit_int(b, s64(cd - a['cd']))
        put_varbit_int(b, s64(zd - a['zd']))
        xor_write(b, h['sum'], a['sum'], a['st'])
        for side in ('p', 'n'):
            for i, v in enumerate(h[side + 'b']):
                delta = s64(v - a[side + 'b'][i])
                put_varbit_int(b, s64(delta - a[side + 'd'][i]))
                a[side + 'd'][i] = delta
                a[side + 'b'][i] = v
        a.update(t=t, td=td, cnt=h['count'], cd=cd, zc=h['zcount'], zd=zd, sum=h['sum'])
    b.stream[0:2] = len(samples).to_bytes(2, 'big')
    b.stream[2] = header
    return bytes(b.stream)


def float_chunk(samples, header=0):
    """float_histogram.go appendFloatHistogram for a plain run of appends."""
    b = BStream(3)
    a = {}
    for n, (t, h) in enumerate(samples):
        if n == 0:
            write_layout(b, h)
            put_varbit_int(b, t)
            for v in (h['count'], h['zcount'], h['sum']):
                b.write_bits(f64bits(v), 64)
            for v in h['pb'] + h['nb']:
                b.write_bits(f64bits(v), 64)
            a = dict(t=t, td=0, vals=[h['count'], h['zcount'], h['sum']] + h['pb'] + h['nb'],
                     st=[[0xff, 0] for _ in range(3 + len(h['pb']) + len(h['nb']))])
            continue
        td = s64(t - a['t'])
        put_varbit_int(b, s64(td - a['td']))
        vals = [h['count'], h['zcount'], h['sum']] + h['pb'] + h['nb']
        for i, v in enumerate(vals):
            xor_write(b, v, a['vals'][i], a['st'][i])
            a['vals'][i] = v
        a.update(t=t, td=td)
    b.stream[0:2] = len(samples).to_bytes(2, 'big')
    b.stream[2] = header
    return bytes(b.stream)


def test_histogram(i):  # tsdbutil.GenerateTestHistogram
    return dict(count=12 + i * 9, zcount=2 + i, zt=0.001, sum=18.4 * (i + 1), schema=1,
                pspans=[(0, 2), (1, 2)], pb=[i + 1, 1, -1, 0],
                nspans=[(0, 2), (1, 2)], nb=[i + 1, 1, -1, 0])


def test_float_histogram(i):  # tsdbutil.GenerateTestFloatHistogram
    return dict(count=12.0 + i * 9, zcount=2.0 + i, zt=0.001, sum=18.4 * (i + 1), schema=1,
                pspans=[(0, 2), (1, 2)], pb=[i + 1.0, i + 2.0, i + 1.0, i + 1.0],
                nspans=[(0, 2), (1, 2)], nb=[i + 1.0, i + 2.0, i + 1.0, i + 1.0])


def test_custom_buckets_histogram(i):  # tsdbutil.GenerateTestCustomBucketsHistogram
    return dict(count=5 + i * 4, zcount=0, zt=0, sum=18.4 * (i + 1), schema=-53,
                pspans=[(0, 2), (1, 2)], pb=[i + 1, 1, -1, 0], nspans=[], nb=[],
                cv=[0, 1, 2, 3, 4])


def same_buckets():  # TestHistogramChunkSameBuckets, appended through one appender
    h = dict(count=15, zcount=2, sum=18.4, zt=1e-100, schema=1,
             pspans=[(0, 2), (1, 2)], pb=[1, 1, -1, 0],
             nspans=[(1, 1), (2, 3)], nb=[2, 1, -1, -1])
    h2 = dict(h, count=32, zcount=3, sum=24.4, pb=[5, -2, 1, -2], nb=[4, -1, 1, -1])
    h3 = dict(h, count=54, zcount=5, sum=24.4, pb=[6, 1, -3, 6], nb=[5, 1, -2, 3])
    ts = 1234567890
    return [(ts, h), (ts + 16, h2), (ts + 30, h3)]


def emit(name, data):
    print('// %s (%d bytes)' % (name, len(data)))
    print('const std::vector<uint8_t> %s = {' % name)
    for i in range(0, len(data), 16):
        print('    ' + ', '.join('0x%02x' % x for x in data[i:i + 16]) + ',')
    print('};')


if __name__ == '__main__':
    emit('kSameBuckets', int_chunk(same_buckets()))
    emit('kTestHistograms', int_chunk([(1000 * (i + 1), test_histogram(i)) for i in range(4)]))
    emit('kCustomBuckets', int_chunk([(15000 * i, test_custom_buckets_histogram(i)) for i in range(3)]))
    emit('kGaugeTestHistograms',
         int_chunk([(1000 * (n + 1), test_histogram(i)) for n, i in enumerate((3, 1, 2))],
                   header=0b11000000))
    emit('kTestFloatHistograms',
         float_chunk([(1000 * (i + 1), test_float_histogram(i)) for i in range(4)]))
