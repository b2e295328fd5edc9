"""nats-py side of tests/kv_interop_py.rs.

Phase 1: reads the bucket rnats wrote (values, revisions, a deleted key,
history, keys), writes its own keys (put, update, delete, create) and
starts a watcher on `live.*`; prints one JSON line.
Phase 2: after rnats answers with a line on stdin (it then put `live.*`
keys), prints what the watcher saw as one JSON line.

usage: python3 kv_nats_py.py <url> <bucket>
"""

import asyncio
import base64
import json
import sys

import nats
import nats.js.errors


def b64(b):
    return base64.b64encode(b or b"").decode()


async def main(url, bucket):
    nc = await nats.connect(url)
    js = nc.jetstream()
    kv = await js.key_value(bucket)
    out = {}
    a = await kv.get("a")
    out["a"] = {"value": b64(a.value), "revision": a.revision}
    bin_ = await kv.get("bin")
    out["bin"] = b64(bin_.value)
    try:
        await kv.get("gone")
        out["gone"] = "found"
    except nats.js.errors.KeyNotFoundError:
        out["gone"] = "not found"
    hist = await kv.history("a")
    out["history_a"] = [[b64(e.value), e.revision, e.operation] for e in hist]
    hist = await kv.history("gone")
    out["history_gone"] = [[b64(e.value), e.revision, e.operation] for e in hist]
    out["keys"] = sorted(await kv.keys())

    # Ours, read back by rnats.
    r1 = await kv.put("py.k", b"py1")
    r2 = await kv.update("py.k", b"py2", last=r1)
    await kv.put("py.del", b"x")
    await kv.delete("py.del")
    r3 = await kv.create("py.new", b"fresh")
    out["py_revs"] = [r1, r2, r3]

    watcher = await kv.watch("live.*")
    first = await watcher.updates(timeout=5)
    out["watch_first_is_none"] = first is None
    print(json.dumps(out), flush=True)

    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    seen = []
    while len(seen) < 3:
        e = await watcher.updates(timeout=5)
        if e is None:
            continue
        seen.append([e.key, b64(e.value), e.revision, e.operation])
    await watcher.stop()
    print(json.dumps({"seen": seen}), flush=True)
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
