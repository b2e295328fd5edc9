"""nats-py side of tests/js_interop_py.rs.

Reads every message of a stream (written by rnats) and prints them as
JSON, then publishes messages of its own (read back by rnats), including
one whose msg id rnats already used (the stream must answer "duplicate").

usage: python3 js_nats_py.py <url> <stream>
"""

import asyncio
import base64
import json
import sys

import nats


async def main(url: str, stream: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info(stream)
    out = {
        "subjects": info.config.subjects,
        "messages": info.state.messages,
        "msgs": [],
        "acks": [],
    }
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        m = await js.get_msg(stream, seq)
        out["msgs"].append(
            {
                "seq": m.seq,
                "subject": m.subject,
                "data": base64.b64encode(m.data or b"").decode(),
                "headers": dict(m.headers or {}),
            }
        )
    for i in range(3):
        ack = await js.publish(
            f"iop.py.{i}",
            f"from-py-{i}".encode(),
            stream=stream,
            headers={"X-Py": str(i), "Nats-Msg-Id": f"py-{i}"},
        )
        out["acks"].append({"stream": ack.stream, "seq": ack.seq, "duplicate": bool(ack.duplicate)})
    # A msg id rnats used: de-duplicated by the stream.
    ack = await js.publish("iop.rust.dup", b"again", headers={"Nats-Msg-Id": "rust-0"})
    out["dup"] = {"stream": ack.stream, "seq": ack.seq, "duplicate": bool(ack.duplicate)}
    print(json.dumps(out))
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
