"""nats-py's object store against a bucket rnats wrote (tests/obj_interop.rs).

Usage: obj_nats_py.py <url> <bucket>. Reads every object rnats put (content
hash, digest, size, description, headers), follows rnats' link, checks a
deleted object is gone, then puts objects of its own and deletes one that
rnats put. Prints one JSON document on stdout.
"""

import asyncio
import hashlib
import json
import sys

import nats
from nats.js import api


def pattern(n):
    return bytes((i * 7 + 3) % 251 for i in range(n))


async def main(url, bucket):
    nc = await nats.connect(url)
    js = nc.jetstream()
    obs = await js.object_store(bucket)
    out = {"objects": {}}
    for name in ["hello world.txt", "ünï cødé ✓ big", "empty", "link to hello"]:
        info = await obs.get_info(name)
        res = await obs.get(name)
        out["objects"][name] = {
            "sha256": hashlib.sha256(res.data).hexdigest(),
            "len": len(res.data),
            "digest": res.info.digest,
            "size": res.info.size,
            "chunks": res.info.chunks,
            "description": info.description,
            "headers": info.headers,
            "is_link": info.is_link(),
        }
    try:
        await obs.get("gone")
        out["gone"] = "found"
    except Exception as e:
        out["gone"] = type(e).__name__
    out["list"] = sorted(i.name for i in await obs.list(ignore_deletes=True))

    await obs.put("from py ✓ big", pattern(300_000),
                  meta=api.ObjectMeta(name="from py ✓ big", description="py made",
                                      headers={"X-Py": ["yes"]}))
    await obs.put("from py empty", b"")
    await obs.delete("delete me from py")
    await nc.close()
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
