"""natsffi against a real nats-server: the C API's semantics seen from
Python (values, ownership, status codes)."""

import re
import socket
import threading

import pytest

import natsffi
from natsffi import NatsError, NatsTimeout, Status
from conftest import ROOT


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_loaded_library_is_rnats(lib):
    assert natsffi.version().startswith("3.14.")


def test_status_values_match_the_header(lib):
    header = (ROOT / "include/nats/nats.h").read_text()
    body = re.search(r"typedef enum \{(.*?)\} natsStatus;", header, re.S).group(1)
    names = re.findall(r"^\s*NATS_([A-Z0-9_]+)", body, re.M)
    names.remove("MAX_STATUS_VALUE")
    assert names == [s.name for s in Status]  # same names, same order, from 0
    for s in Status:
        text = lib.natsStatus_GetText(int(s)).decode()
        assert text and text != "Unknown Status"


def test_publish_subscribe_roundtrip(nc):
    with nc.subscribe_sync("py.roundtrip") as sub:
        nc.publish("py.roundtrip", b"bin\x00ary\xff")
        nc.publish("py.roundtrip", "text")
        nc.publish("py.roundtrip", b"")
        nc.flush()
        m1, m2, m3 = (sub.next_msg(5000) for _ in range(3))
    assert (m1.subject, m1.data, m1.reply, m1.headers) == ("py.roundtrip", b"bin\x00ary\xff", None, {})
    assert m2.data == b"text"
    assert m3.data == b""


def test_next_msg_timeout_is_a_status(nc):
    with nc.subscribe_sync("py.quiet") as sub:
        with pytest.raises(NatsTimeout) as e:
            sub.next_msg(20)
        assert e.value.status == Status.TIMEOUT
        assert isinstance(e.value, TimeoutError)
        with pytest.raises(NatsTimeout):
            sub.next_msg(0)  # 0 polls


def test_reply_subject_and_queue_group(nc):
    a = nc.subscribe_sync("py.work", queue="q")
    b = nc.subscribe_sync("py.work", queue="q")
    nc.flush()
    for i in range(10):
        nc.publish("py.work", str(i), reply="py.answers")
    nc.flush()
    got = []
    for _ in range(1000):  # a bound, not a timing criterion: stops a hang if messages were lost
        if len(got) == 10:
            break
        for sub in (a, b):
            try:
                got.append(sub.next_msg(10))
            except NatsTimeout:
                pass
    assert sorted(int(m.data) for m in got) == list(range(10))
    assert {m.reply for m in got} == {"py.answers"}
    for sub in (a, b):
        with pytest.raises(NatsTimeout):
            sub.next_msg(50)
        sub.close()


def test_headers(nc):
    with nc.subscribe_sync("py.headers") as sub:
        nc.publish("py.headers", b"h", headers={"Single": "one", "Multi": ["a", "b"]})
        m = sub.next_msg(5000)
    assert m.data == b"h"
    assert m.headers == {"Single": ["one"], "Multi": ["a", "b"]}


def test_request_reply(nc, server):
    responder = natsffi.connect(server.url)
    sub = responder.subscribe_sync("py.svc")
    responder.flush()

    def serve(n):
        for _ in range(n):
            req = sub.next_msg(10000)
            trace = req.headers.get("Trace", ["-"])[0]
            responder.publish(req.reply, b"re: " + req.data, headers={"Trace": trace})

    t = threading.Thread(target=serve, args=(2,))
    t.start()
    try:
        r1 = nc.request("py.svc", b"ping", timeout_ms=10000)
        r2 = nc.request("py.svc", "pong", timeout_ms=10000, headers={"Trace": "t-1"})
    finally:
        t.join(timeout=30)
    assert r1.data == b"re: ping"
    assert r2.data == b"re: pong" and r2.headers["Trace"] == ["t-1"]
    sub.close()
    responder.destroy()


def test_request_without_responders(nc):
    with pytest.raises(NatsError) as e:
        nc.request("py.nobody", b"?", timeout_ms=5000)
    assert e.value.status == Status.NO_RESPONDERS


def test_invalid_subject_reports_status_and_text(nc):
    with pytest.raises(NatsError) as e:
        nc.publish("", b"x")
    assert e.value.status == Status.INVALID_SUBJECT
    assert e.value.call == "natsConnection_Publish"
    assert e.value.text  # the library's own description


def test_auto_unsubscribe_then_max_delivered(nc):
    sub = nc.subscribe_sync("py.auto")
    sub.auto_unsubscribe(2)
    for _ in range(5):
        nc.publish("py.auto", b"x")
    nc.flush()
    sub.next_msg(5000)
    sub.next_msg(5000)
    with pytest.raises(NatsError) as e:
        sub.next_msg(1000)
    assert e.value.status == Status.MAX_DELIVERED_MSGS
    assert not sub.is_valid
    sub.close()
    sub.close()  # idempotent


def test_connect_to_nothing(lib):
    url = f"nats://127.0.0.1:{_free_port()}"
    with pytest.raises(NatsError) as e:
        natsffi.connect(url, timeout_ms=2000)
    assert e.value.status == Status.NO_SERVER


def test_close_semantics(server):
    nc = natsffi.connect(server.url)
    sub = nc.subscribe_sync("py.close")
    assert nc.status == natsffi.ConnStatus.CONNECTED
    nc.close()
    assert nc.is_closed and nc.status == natsffi.ConnStatus.CLOSED
    with pytest.raises(NatsError) as e:
        nc.publish("py.close", b"late")
    assert e.value.status == Status.CONNECTION_CLOSED
    with pytest.raises(NatsError) as e:
        sub.next_msg(10)
    assert e.value.status == Status.CONNECTION_CLOSED
    nc.close()  # again: no-op
    sub.close()
    nc.destroy()
    nc.destroy()
    with pytest.raises(NatsError):
        nc.publish("py.close", b"gone")


def test_many_messages_are_each_freed_once(nc):
    # Every received natsMsg is destroyed by Msg._take; a double free or a
    # use after free would crash the interpreter here.
    n = 2000
    with nc.subscribe_sync("py.many") as sub:
        for i in range(n):
            nc.publish("py.many", i.to_bytes(4, "big"), headers={"N": str(i)} if i % 10 == 0 else None)
        nc.flush()
        for i in range(n):
            m = sub.next_msg(5000)
            assert int.from_bytes(m.data, "big") == i
            if i % 10 == 0:
                assert m.headers == {"N": [str(i)]}
