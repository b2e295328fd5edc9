#!/usr/bin/env python3
"""nats-py's side of tests/micro_interop.rs (services, ADR-32).

inspect URL NAME ID
    Discovers the services with PING on the three subject forms, reads
    INFO and STATS of service NAME/ID, decodes them with nats-py's own
    micro types (nats.micro.service: ServicePing, ServiceInfo,
    ServiceStats), checks the JSON type of every field, and prints what it
    read as one JSON document for the Rust side to compare values.

serve URL
    Runs a service written with nats-py (name "pysvc", version "2.0.0",
    an endpoint "reverse", a group "py" with an endpoint "fail" that
    answers a service error 418 "teapot"), prints READY with its id, and
    serves until stdin closes.
"""
import asyncio
import json
import sys

import nats
from nats.micro import add_service
from nats.micro.service import (
    EndpointConfig,
    ServiceInfo,
    ServicePing,
    ServiceStats,
)


def check_types(doc, spec, where):
    """spec: field -> type (or a (type, sub-spec) for lists of objects)."""
    missing = set(spec) - set(doc)
    assert not missing, f"{where}: missing fields {missing} in {doc}"
    for k, t in spec.items():
        v = doc[k]
        if isinstance(t, tuple):
            assert isinstance(v, list), f"{where}.{k}: not a list: {v!r}"
            for i, item in enumerate(v):
                check_types(item, t[1], f"{where}.{k}[{i}]")
        elif t is int:
            # bool is an int in Python: exclude it; a float is wrong too.
            assert type(v) is int, f"{where}.{k}: not an integer: {v!r}"
        elif t == "str-map":
            assert isinstance(v, dict) and all(
                isinstance(a, str) and isinstance(b, str) for a, b in v.items()
            ), f"{where}.{k}: not a string map: {v!r}"
        elif t is None:
            assert v is None, f"{where}.{k}: not null: {v!r}"
        else:
            assert isinstance(v, t), f"{where}.{k}: not {t.__name__}: {v!r}"


STD = {"type": str, "name": str, "id": str, "version": str, "metadata": "str-map"}
INFO = dict(
    STD,
    description=str,
    endpoints=(list, {"name": str, "subject": str, "queue_group": str, "metadata": "str-map"}),
)
STATS = dict(
    STD,
    started=str,
    endpoints=(
        list,
        {
            "name": str,
            "subject": str,
            "queue_group": str,
            "num_requests": int,
            "num_errors": int,
            "last_error": str,
            "processing_time": int,
            "average_processing_time": int,
            "data": None,
        },
    ),
)


async def gather(nc, subject, wait=0.5):
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(subject, b"", reply=inbox)
    out = []
    try:
        while True:
            m = await sub.next_msg(timeout=wait)
            out.append(json.loads(m.data))
    except (asyncio.TimeoutError, nats.errors.TimeoutError):
        pass
    await sub.unsubscribe()
    return out


async def inspect(url, name, sid):
    nc = await nats.connect(url)
    out = {}
    # Discovery: PING on all three forms.
    for form, subj in [
        ("all", "$SRV.PING"),
        ("kind", f"$SRV.PING.{name}"),
        ("id", f"$SRV.PING.{name}.{sid}"),
    ]:
        docs = await gather(nc, subj)
        for d in docs:
            check_types(d, STD, f"ping[{form}]")
            assert d["type"] == "io.nats.micro.v1.ping_response", d
        pings = [ServicePing.from_dict(d) for d in docs]
        out[f"ping_{form}"] = sorted([[p.name, p.id, p.version, p.metadata] for p in pings])
    for verb, spec, cls in [("INFO", INFO, ServiceInfo), ("STATS", STATS, ServiceStats)]:
        for form, subj in [
            ("kind", f"$SRV.{verb}.{name}"),
            ("id", f"$SRV.{verb}.{name}.{sid}"),
        ]:
            msg = await nc.request(subj, b"", timeout=3)
            raw = json.loads(msg.data)
            check_types(raw, spec, f"{verb.lower()}[{form}]")
            parsed = cls.from_dict(raw)
            if verb == "INFO":
                assert raw["type"] == "io.nats.micro.v1.info_response", raw
                out[f"info_{form}"] = {
                    "name": parsed.name,
                    "id": parsed.id,
                    "version": parsed.version,
                    "description": parsed.description,
                    "metadata": parsed.metadata,
                    "endpoints": [
                        [e.name, e.subject, e.queue_group, e.metadata] for e in parsed.endpoints
                    ],
                }
            else:
                assert raw["type"] == "io.nats.micro.v1.stats_response", raw
                out[f"stats_{form}"] = {
                    "name": parsed.name,
                    "id": parsed.id,
                    "version": parsed.version,
                    "metadata": parsed.metadata,
                    # nats-py parsed the RFC 3339 time itself.
                    "started": parsed.started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "endpoints": [
                        {
                            "name": e.name,
                            "subject": e.subject,
                            "queue_group": e.queue_group,
                            "num_requests": e.num_requests,
                            "num_errors": e.num_errors,
                            "last_error": e.last_error,
                            "processing_time": e.processing_time,
                            "average_processing_time": e.average_processing_time,
                        }
                        for e in parsed.endpoints
                    ],
                }
    await nc.close()
    print(json.dumps(out))


async def serve(url):
    nc = await nats.connect(url)

    async def reverse(req):
        await req.respond(req.data[::-1])

    async def fail(req):
        await req.respond_error("418", "teapot", data=b"no coffee")

    svc = await add_service(nc, name="pysvc", version="2.0.0", description="nats-py service")
    await svc.add_endpoint(EndpointConfig(name="reverse", handler=reverse))
    grp = svc.add_group(name="py")
    await grp.add_endpoint(EndpointConfig(name="fail", handler=fail))
    await nc.flush()
    print("READY " + svc.id, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await svc.stop()
    await nc.close()


if __name__ == "__main__":
    if sys.argv[1] == "inspect":
        asyncio.run(inspect(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif sys.argv[1] == "serve":
        asyncio.run(serve(sys.argv[2]))
    else:
        sys.exit("usage: inspect URL NAME ID | serve URL")
