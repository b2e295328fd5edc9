#!/usr/bin/env python3
"""Medians and ours/cnats ratios from bench/run.sh results.

Input lines: "<lib> <case> <metric> <value>" (lib = ours | cnats).
Prints a Markdown table. A target is on the ours/cnats ratio; ">=" for
higher-is-better metrics, "<=" for lower-is-better ones.
"""
import statistics
import sys
from collections import defaultdict

# (case, metric) -> (label, unit, target)   target = (op, value) or None
ROWS = [
    ("pub_16", "msgs_per_s", "pub 16 B", "msgs/s", (">=", 1.0)),
    ("pub_16", "cpu_ns_per_msg", "pub 16 B", "client CPU ns/msg", None),
    ("pub_128", "msgs_per_s", "pub 128 B", "msgs/s", (">=", 1.0)),
    ("pub_1k", "msgs_per_s", "pub 1 KiB", "msgs/s", (">=", 1.0)),
    ("pub_16k", "msgs_per_s", "pub 16 KiB", "msgs/s", (">=", 1.0)),
    ("mpub8_16", "msgs_per_s", "pub 16 B, 8 threads, 1 conn", "msgs/s", None),
    ("pubsub_async_16", "delivered_per_s", "pub+sub async 16 B", "delivered/s", (">=", 1.3)),
    ("pubsub_async_16", "dropped", "pub+sub async 16 B", "dropped", ("==0", 0)),
    ("pubsub_async_16", "lost", "pub+sub async 16 B", "lost (conn. cut by server)", None),
    ("pubsub_async_16", "cpu_ns_per_msg", "pub+sub async 16 B", "client CPU ns/msg", None),
    ("pubsub_async_1k", "delivered_per_s", "pub+sub async 1 KiB", "delivered/s", None),
    ("pubsub_async_1k", "dropped", "pub+sub async 1 KiB", "dropped", None),
    ("pubsub_async_1k", "lost", "pub+sub async 1 KiB", "lost (conn. cut by server)", None),
    ("pubsub_sync_16", "delivered_per_s", "pub+sub NextMsg 16 B", "delivered/s", None),
    ("pubsub_sync_16", "dropped", "pub+sub NextMsg 16 B", "dropped", None),
    ("pubsub_sync_16", "lost", "pub+sub NextMsg 16 B", "lost (conn. cut by server)", None),
    ("pubsub2_async_16", "delivered_per_s", "pub+sub async 16 B, 2 connections", "delivered/s", None),
    ("pubsub2_async_16", "dropped", "pub+sub async 16 B, 2 connections", "dropped", ("==0", 0)),
    ("pubsub2_async_16", "cpu_ns_per_msg", "pub+sub async 16 B, 2 connections", "client CPU ns/msg", None),
    ("pubsub2_sync_16", "delivered_per_s", "pub+sub NextMsg 16 B, 2 connections", "delivered/s", None),
    ("pubsub2_sync_16", "dropped", "pub+sub NextMsg 16 B, 2 connections", "dropped", None),
    ("pubsub2_sync_16", "cpu_ns_per_msg", "pub+sub NextMsg 16 B, 2 connections", "client CPU ns/msg", None),
    ("pubsub_sync_1k", "delivered_per_s", "pub+sub NextMsg 1 KiB", "delivered/s", None),
    ("pubsub_sync_1k", "dropped", "pub+sub NextMsg 1 KiB", "dropped", None),
    ("pubsub_sync_1k", "lost", "pub+sub NextMsg 1 KiB", "lost (conn. cut by server)", None),
    ("req_default", "p50_us", "request/reply default", "p50 µs", ("<=", 0.3)),
    ("req_default", "p90_us", "request/reply default", "p90 µs", None),
    ("req_default", "p99_us", "request/reply default", "p99 µs", None),
    ("req_default", "req_per_s", "request/reply default", "req/s", None),
    ("req_asap", "p50_us", "request/reply send-asap", "p50 µs", ("<=", 0.8)),
    ("req_asap", "p90_us", "request/reply send-asap", "p90 µs", None),
    ("req_asap", "p99_us", "request/reply send-asap", "p99 µs", None),
    ("req_asap", "req_per_s", "request/reply send-asap", "req/s", None),
    ("req_paced_default", "p50_us", "request/reply default, 1 ms pauses", "p50 µs", None),
    ("req_paced_default", "p90_us", "request/reply default, 1 ms pauses", "p90 µs", None),
    ("req_paced_asap", "p50_us", "request/reply send-asap, 1 ms pauses", "p50 µs", None),
    ("req_paced_asap", "p90_us", "request/reply send-asap, 1 ms pauses", "p90 µs", None),
    ("micro_default", "p50_us", "request/reply via a micro endpoint", "p50 µs", None),
    ("micro_default", "req_per_s", "request/reply via a micro endpoint", "req/s", None),
    ("micro_asap", "p50_us", "request/reply via a micro endpoint, send-asap", "p50 µs", None),
    ("micro_asap", "p90_us", "request/reply via a micro endpoint, send-asap", "p90 µs", None),
    ("micro_asap", "req_per_s", "request/reply via a micro endpoint, send-asap", "req/s", None),
    ("connect_plain", "p50_us", "connect+close plain", "p50 µs", ("<=", 0.8)),
    ("connect_plain", "p90_us", "connect+close plain", "p90 µs", None),
    ("connect_tls", "p50_us", "connect+close TLS", "p50 µs", ("<=", 0.8)),
    ("connect_tls", "p90_us", "connect+close TLS", "p90 µs", None),
    ("jspub_sync_mem", "p50_us", "JetStream publish sync 16 B, memory", "p50 µs", ("<=", 0.5)),
    ("jspub_sync_mem", "p99_us", "JetStream publish sync 16 B, memory", "p99 µs", None),
    ("jspub_sync_mem", "msgs_per_s", "JetStream publish sync 16 B, memory", "msgs/s", None),
    ("jspub_sync_mem", "cpu_ns_per_msg", "JetStream publish sync 16 B, memory", "client CPU ns/msg", None),
    ("jspub_sync_file", "p50_us", "JetStream publish sync 16 B, file", "p50 µs", ("<=", 0.5)),
    ("jspub_sync_file", "p99_us", "JetStream publish sync 16 B, file", "p99 µs", None),
    ("jspub_sync_file", "msgs_per_s", "JetStream publish sync 16 B, file", "msgs/s", None),
    ("jspub_async_16_mem", "msgs_per_s", "JetStream publish async 16 B, memory", "msgs/s", (">=", 1.3)),
    ("jspub_async_16_mem", "cpu_ns_per_msg", "JetStream publish async 16 B, memory", "client CPU ns/msg", None),
    ("jspub_async_16_file", "msgs_per_s", "JetStream publish async 16 B, file", "msgs/s", (">=", 1.3)),
    ("jspub_async_16_file", "cpu_ns_per_msg", "JetStream publish async 16 B, file", "client CPU ns/msg", None),
    ("jspub_async_1k_mem", "msgs_per_s", "JetStream publish async 1 KiB, memory", "msgs/s", (">=", 1.3)),
    ("jspub_async_1k_mem", "cpu_ns_per_msg", "JetStream publish async 1 KiB, memory", "client CPU ns/msg", None),
    ("jspub_async_1k_file", "msgs_per_s", "JetStream publish async 1 KiB, file", "msgs/s", (">=", 1.3)),
    ("jsfetch_100_ack", "msgs_per_s", "JetStream fetch, batch 100, acked, 16 B", "msgs/s", None),
    ("jsfetch_100_ack", "cpu_ns_per_msg", "JetStream fetch, batch 100, acked, 16 B", "client CPU ns/msg", None),
    ("jsfetch_100_noack", "msgs_per_s", "JetStream fetch, batch 100, ack none, 16 B", "msgs/s", None),
    ("jsfetch_100_noack", "cpu_ns_per_msg", "JetStream fetch, batch 100, ack none, 16 B", "client CPU ns/msg", None),
    ("jspullasync", "msgs_per_s", "JetStream async pull (fetch size 256), acked, 16 B", "msgs/s", None),
    ("jspullasync", "cpu_ns_per_msg", "JetStream async pull (fetch size 256), acked, 16 B", "client CPU ns/msg", None),
    ("jsordered", "msgs_per_s", "JetStream ordered consumer, 16 B", "msgs/s", None),
    ("jsordered", "cpu_ns_per_msg", "JetStream ordered consumer, 16 B", "client CPU ns/msg", None),
    ("kv_put", "p50_us", "KV put 16 B, memory bucket", "p50 µs", ("<=", 0.5)),
    ("kv_put", "p99_us", "KV put 16 B, memory bucket", "p99 µs", None),
    ("kv_put", "ops_per_s", "KV put 16 B, memory bucket", "puts/s", None),
    ("kv_put", "cpu_ns_per_op", "KV put 16 B, memory bucket", "client CPU ns/put", None),
    ("kv_get", "p50_us", "KV get of an existing key", "p50 µs", ("<=", 0.5)),
    ("kv_get", "p99_us", "KV get of an existing key", "p99 µs", None),
    ("kv_get", "ops_per_s", "KV get of an existing key", "gets/s", None),
    ("kv_get", "cpu_ns_per_op", "KV get of an existing key", "client CPU ns/get", None),
    ("kv_watch", "entries_per_s", "KV watch while 16 B puts happen (async)", "entries/s", (">=", 1.3)),
    ("kv_watch", "cpu_ns_per_entry", "KV watch while 16 B puts happen (async)", "client CPU ns/entry", None),
    ("obj_1m", "put_mib_per_s", "Object store put 1 MiB, memory bucket", "MiB/s", None),
    ("obj_1m", "get_mib_per_s", "Object store get 1 MiB, memory bucket", "MiB/s", None),
    ("obj_64m", "put_mib_per_s", "Object store put 64 MiB, memory bucket", "MiB/s", None),
    ("obj_64m", "get_mib_per_s", "Object store get 64 MiB, memory bucket", "MiB/s", None),
    ("idle", "cpu_ms", "100 idle conns (50 TLS), 10 s", "process CPU ms", None),
    ("idle", "ctx_switches", "100 idle conns (50 TLS), 10 s", "context switches", None),
    ("bursty", "threads_created", "bursts, 100 subs, after the 1st burst", "threads created", None),
    ("bursty", "idle_cpu_ms_per_s", "bursts, 100 subs, between bursts", "CPU ms per s", None),
    ("bursty_pool", "threads_created", "bursts, 100 subs, pool, after the 1st burst", "threads created", None),
    ("bursty_pool", "idle_cpu_ms_per_s", "bursts, 100 subs, pool, between bursts", "CPU ms per s", None),
    ("mem", "rss_1conn_kb", "memory, 1 conn + 10 subs", "RSS KiB", None),
    ("mem", "threads_1conn", "memory, 1 conn + 10 subs", "threads", None),
    ("mem", "rss_per_conn_kb", "memory, per idle conn (100 × 10 subs)", "RSS KiB", ("<=", 1.0)),
    ("mem", "threads_per_conn", "memory, per idle conn (100 × 10 subs)", "threads", ("<=", 1.0)),
]

# WebSocket (rnats only; cnats has none): (ws case, its nats:// twin,
# metric, label, unit, target on ws/nats).
WS_ROWS = [
    ("pub_16_ws", "pub_16", "msgs_per_s", "pub 16 B", "msgs/s", 0.7),
    ("pubsub_async_16_ws", "pubsub_async_16", "delivered_per_s", "pub+sub async 16 B", "delivered/s", 0.7),
    ("pubsub_async_16_ws", "pubsub_async_16", "cpu_ns_per_msg", "pub+sub async 16 B", "client CPU ns/msg", None),
    ("pubsub_async_1k_ws", "pubsub_async_1k", "delivered_per_s", "pub+sub async 1 KiB", "delivered/s", 0.7),
    ("pubsub_async_1k_ws", "pubsub_async_1k", "cpu_ns_per_msg", "pub+sub async 1 KiB", "client CPU ns/msg", None),
]


def fmt(v):
    if v is None:
        return "–"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def main():
    path = sys.argv[1]
    reps = sys.argv[sys.argv.index("--reps") + 1] if "--reps" in sys.argv else "?"
    vals = defaultdict(list)
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 4:
                vals[(p[0], p[1], p[2])].append(float(p[3]))
    print(f"| case | metric | rnats | cnats | rnats/cnats | target | |")
    print("|---|---|---:|---:|---:|---|---|")
    missed = 0
    for case, metric, label, unit, target in ROWS:
        o = vals.get(("ours", case, metric))
        c = vals.get(("cnats", case, metric))
        if not o and not c:
            continue
        mo = statistics.median(o) if o else None
        mc = statistics.median(c) if c else None
        ratio = mo / mc if mo is not None and mc else None
        tgt, mark = "", ""
        if target:
            op, t = target
            if op == "==0":
                tgt = "0"
                ok = mo == 0
            else:
                tgt = f"{op} {t}"
                ok = ratio is not None and (ratio >= t if op == ">=" else ratio <= t)
            mark = "ok" if ok else "**missed**"
            missed += 0 if ok else 1
        r = f"{ratio:.2f}" if ratio is not None else "–"
        print(f"| {label} | {unit} | {fmt(mo)} | {fmt(mc)} | {r} | {tgt} | {mark} |")
    print(f"\nMedians of {reps} interleaved run(s); targets on rnats/cnats. Targets missed: {missed}.")
    ws_missed = 0
    ws_lines = []
    for ws, tcp, metric, label, unit, target in WS_ROWS:
        w = vals.get(("ours", ws, metric))
        t = vals.get(("ours", tcp, metric))
        if not w or not t:
            continue
        mw, mt = statistics.median(w), statistics.median(t)
        ratio = mw / mt if mt else None
        tgt, mark = "", ""
        if target is not None:
            tgt = f">= {target}"
            ok = ratio is not None and ratio >= target
            mark = "ok" if ok else "**missed**"
            ws_missed += 0 if ok else 1
        r = f"{ratio:.2f}" if ratio is not None else "–"
        ws_lines.append(f"| {label} | {unit} | {fmt(mw)} | {fmt(mt)} | {r} | {tgt} | {mark} |")
    if ws_lines:
        print("\nrnats over WebSocket (ws://) beside rnats over TCP (nats://), same server:\n")
        print("| case | metric | ws:// | nats:// | ws/nats | target | |")
        print("|---|---|---:|---:|---:|---|---|")
        print("\n".join(ws_lines))
        print(f"\nTargets missed: {ws_missed}.")


if __name__ == "__main__":
    main()
