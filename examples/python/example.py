#!/usr/bin/env python3
"""promlet from Python through ctypes: append, commit, query (the JSON of the API's "data").

Usage: example.py /path/to/libpromlet.so DATA_DIR
"""
import ctypes
import json
import sys

lib = ctypes.CDLL(sys.argv[1])
c_char_pp = ctypes.POINTER(ctypes.c_char_p)
lib.promlet_open.restype = ctypes.c_void_p
lib.promlet_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.promlet_appender_new.restype = ctypes.c_void_p
lib.promlet_appender_new.argtypes = [ctypes.c_void_p]
lib.promlet_appender_add.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64,
                                     ctypes.c_double, ctypes.POINTER(ctypes.c_void_p)]
lib.promlet_appender_commit.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
lib.promlet_query.restype = ctypes.c_void_p  # a malloc'd char*, freed with promlet_free
lib.promlet_query.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64,
                              ctypes.POINTER(ctypes.c_void_p)]
lib.promlet_free.argtypes = [ctypes.c_void_p]
lib.promlet_close.argtypes = [ctypes.c_void_p]


def take(ptr):
    """The C string at ptr as str, freed."""
    s = ctypes.cast(ptr, ctypes.c_char_p).value.decode()
    lib.promlet_free(ptr)
    return s


def check(ok, err):
    if not ok:
        raise RuntimeError(take(err.value))


err = ctypes.c_void_p()
db = lib.promlet_open(sys.argv[2].encode(), ctypes.byref(err))
check(db, err)
app = lib.promlet_appender_new(db)
t0 = 1700000000000
for i in range(5):
    check(lib.promlet_appender_add(app, b'queue_depth{queue="io"}', t0 + i * 1000, float(i * i),
                                   ctypes.byref(err)) == 0, err)
check(lib.promlet_appender_commit(app, ctypes.byref(err)) == 0, err)
res = lib.promlet_query(db, b"max_over_time(queue_depth[1m])", t0 + 4000, ctypes.byref(err))
check(res, err)
data = json.loads(take(res))
print(data["resultType"], data["result"][0]["metric"]["queue"], data["result"][0]["value"][1])
bad = lib.promlet_query(db, b"max_over_time(", t0, ctypes.byref(err))
print("error:", take(err.value) if not bad else "none")
lib.promlet_close(db)
