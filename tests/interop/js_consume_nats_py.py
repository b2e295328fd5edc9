"""nats-py side of tests/js_consume_interop_py.rs.

usage:
  python3 js_consume_nats_py.py <url> publish <subject-prefix> <count>
      publishes <count> messages "py-<i>" to <prefix>.<i>, each with the
      header X-Py: <i>, and prints their acks as JSON;
  python3 js_consume_nats_py.py <url> info <stream> <consumer>...
      prints, for each consumer, what nats-py's consumer info says about
      deliveries and acks, as JSON.
"""

import asyncio
import json
import sys

import nats


async def publish(js, prefix: str, count: int) -> None:
    acks = []
    for i in range(count):
        ack = await js.publish(f"{prefix}.{i}", f"py-{i}".encode(), headers={"X-Py": str(i)})
        acks.append({"stream": ack.stream, "seq": ack.seq})
    print(json.dumps(acks))


async def info(js, stream: str, consumers: list) -> None:
    out = {}
    for name in consumers:
        ci = await js.consumer_info(stream, name)
        out[name] = {
            "delivered_stream_seq": ci.delivered.stream_seq,
            "delivered_consumer_seq": ci.delivered.consumer_seq,
            "ack_floor_stream_seq": ci.ack_floor.stream_seq,
            "ack_floor_consumer_seq": ci.ack_floor.consumer_seq,
            "num_ack_pending": ci.num_ack_pending,
            "num_pending": ci.num_pending,
            "num_redelivered": ci.num_redelivered,
        }
    print(json.dumps(out))


async def main(argv: list) -> None:
    nc = await nats.connect(argv[1])
    js = nc.jetstream()
    if argv[2] == "publish":
        await publish(js, argv[3], int(argv[4]))
    else:
        await info(js, argv[3], argv[4:])
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv))
