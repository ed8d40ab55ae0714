#!/usr/bin/python3
"""The online lookup bench_online measures, done from Python with redis-py (Debian's
python3-redis): one prediction's three rows fetched in one pipelined round trip and
decoded. Feast's Python SDK reads its Redis online store the same way (a pipeline per
request) and then also decodes protobuf values, so this is a lower bound of its cost.

Usage: online_python.py PORT LOOKUPS ENTITIES; prints "p50_us p99_us"."""
import random
import struct
import sys
import time

import redis

port, lookups, entities = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
views = ("session_activity", "visitor_history", "item_popularity")
r = redis.Redis(host="127.0.0.1", port=port, db=0)
rng = random.Random(5)
lat = []
for _ in range(lookups):
    keys = ["ppredict:%s:%d-1430611306117" % (v, 100000 + rng.randrange(entities)) for v in views]
    t0 = time.perf_counter()
    pipe = r.pipeline(transaction=False)
    for k in keys:
        pipe.get(k)
    rows = []
    for blob in pipe.execute():
        if blob is None:
            rows.append(None)
            continue
        ts, expires, n = struct.unpack_from("<qqI", blob)
        rows.append(struct.unpack_from("<%dd" % n, blob, 20))
    lat.append((time.perf_counter() - t0) * 1e6)
    assert rows[0] is not None
lat.sort()
print("%.1f %.1f" % (lat[len(lat) // 2], lat[len(lat) * 99 // 100]))
