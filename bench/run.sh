#!/usr/bin/env bash
# Side-by-side benchmark: rnats vs Debian's cnats, same program, same
# nats-server, runs interleaved (ours/cnats, then cnats/ours, ...).
#
#   bash bench/run.sh              5 repetitions, table of medians + ratios
#   bash bench/run.sh -n 3         3 repetitions
#   bash bench/run.sh --smoke      CI: build (debug) and run every case once
#                                  with tiny counts (no table check)
#   bash bench/run.sh --raw FILE   also keep the raw results
#   BENCH_ONLY=REGEX bash bench/run.sh   only the cases whose name matches
#                                  (e.g. BENCH_ONLY=jspub: JetStream publish;
#                                  BENCH_ONLY='jsfetch|jspullasync|jsordered': consuming;
#                                  BENCH_ONLY=kv: Key/Value;
#                                  BENCH_ONLY='^pub_16|pubsub_async': WebSocket
#                                  (rnats only) beside nats://;
#                                  BENCH_ONLY='idle|bursty': idle connections, bursts)
#
# Timings on a shared 2-core machine swing 15-30 % between runs: read the
# ratios (ours / cnats, measured side by side), not the absolute numbers.
# Instruction counts per message are measured by bench/callgrind.sh.
set -euo pipefail

reps=5
smoke=0
raw=""
while [ $# -gt 0 ]; do
    case $1 in
    -n) reps=$2; shift 2 ;;
    --smoke) smoke=1; reps=1; shift ;;
    --raw) raw=$2; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if [ $smoke = 1 ]; then
    export BENCH_PROFILE=${BENCH_PROFILE:-debug}
fi
build_bench

# The plain server also has a WebSocket listener (no TLS): the *_ws cases
# run rnats over ws:// against the same server as their nats:// twins.
ws_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'websocket {\n  listen: "127.0.0.1:%s"\n  no_tls: true\n}\n' "$ws_port" >"$bench_tmp/ws.conf"
port=$(start_server plain -c "$bench_tmp/ws.conf")
url=nats://127.0.0.1:$port
ws_url=ws://127.0.0.1:$ws_port
tls_url=""
if make_tls_certs "$bench_tmp/tls"; then
    printf 'tls {\n  cert_file: "%s/tls/server.pem"\n  key_file: "%s/tls/server.key"\n}\n' "$bench_tmp" "$bench_tmp" >"$bench_tmp/tls.conf"
    tport=$(start_server tls -c "$bench_tmp/tls.conf")
    tls_url=nats://127.0.0.1:$tport
else
    log "bench: openssl not available: TLS connect case skipped"
fi
# JetStream cases: their own server with a fresh store directory.
mkdir -p "$bench_tmp/jsdata"
jsport=$(start_server js -js -sd "$bench_tmp/jsdata")
js_url=nats://127.0.0.1:$jsport

# case name | arguments (after the URL) | URL kind
# Counts are sized for ~2-3 minutes in total on a 2-core machine.
if [ $smoke = 1 ]; then
    k=0.001
else
    k=${BENCH_SCALE:-1}
fi
cnt() { awk -v n="$1" -v k="$k" 'BEGIN { v = int(n * k); if (v < 10) v = 10; print v }'; }
cases=(
    "pub_16|pub 16 $(cnt 600000)|plain"
    "pub_128|pub 128 $(cnt 600000)|plain"
    "pub_1k|pub 1024 $(cnt 200000)|plain"
    "pub_16k|pub 16384 $(cnt 20000)|plain"
    "mpub8_16|mpub 16 $(cnt 800000) 8|plain"
    "pubsub_async_16|pubsub async 16 $(cnt 300000)|plain"
    "pubsub_async_1k|pubsub async 1024 $(cnt 100000)|plain"
    "pubsub_sync_16|pubsub sync 16 $(cnt 300000)|plain"
    "pubsub_sync_1k|pubsub sync 1024 $(cnt 100000)|plain"
    "pub_16_ws|pub 16 $(cnt 600000)|ws"
    "pubsub_async_16_ws|pubsub async 16 $(cnt 300000)|ws"
    "pubsub_async_1k_ws|pubsub async 1024 $(cnt 100000)|ws"
    "pubsub2_async_16|pubsub2 async 16 $(cnt 300000)|plain"
    "pubsub2_sync_16|pubsub2 sync 16 $(cnt 300000)|plain"
    "req_default|req $(cnt 500)|plain"
    "req_asap|req $(cnt 3000) asap|plain"
    "req_paced_default|req $(cnt 500) default 1000|plain"
    "req_paced_asap|req $(cnt 500) asap 1000|plain"
    "micro_default|micro $(cnt 500)|plain"
    "micro_asap|micro $(cnt 3000) asap|plain"
    "connect_plain|connect $(cnt 300)|plain"
    "jspub_sync_mem|jspub sync 16 $(cnt 20000) memory|js"
    "jspub_sync_file|jspub sync 16 $(cnt 20000) file|js"
    "jspub_async_16_mem|jspub async 16 $(cnt 300000) memory|js"
    "jspub_async_16_file|jspub async 16 $(cnt 300000) file|js"
    "jspub_async_1k_mem|jspub async 1024 $(cnt 100000) memory|js"
    "jspub_async_1k_file|jspub async 1024 $(cnt 100000) file|js"
    "jsfetch_100_ack|jsfetch $(cnt 100000) 100 ack|js"
    "jsfetch_100_noack|jsfetch $(cnt 100000) 100 noack|js"
    "jspullasync|jsconsume pullasync $(cnt 100000)|js"
    "jsordered|jsconsume ordered $(cnt 100000)|js"
    "kv_put|kv put $(cnt 20000)|js"
    "kv_get|kv get $(cnt 20000)|js"
    "kv_watch|kv watch $(cnt 100000)|js"
)
if [ -n "$tls_url" ]; then
    cases+=("connect_tls|connect $(cnt 150) $bench_tmp/tls/ca.pem|tls")
fi
if [ $smoke = 1 ]; then
    cases+=("mem|mem 3 2|plain" "obj_1m|obj 1048576 1|js")
else
    cases+=("mem|mem 100 10|plain" "obj_1m|obj 1048576 20|js" "obj_64m|obj 67108864 2|js")
fi
# Idle connections (half of them TLS when openssl made certificates) and
# bursts of traffic: once per library and repetition, not scaled.
if [ $smoke = 1 ]; then
    cases+=("idle|idle 4 0.2 ${tls_url:+$tls_url $bench_tmp/tls/ca.pem}|plain" "bursty|bursty 10 100 2 100|plain")
else
    cases+=("idle|idle 100 10 ${tls_url:+$tls_url $bench_tmp/tls/ca.pem}|plain"
        "bursty|bursty 100 1000 10 600|plain" "bursty_pool|bursty 100 1000 10 600 pool|plain")
fi

results=$bench_tmp/results.txt
: >"$results"

run_one() { # lib bin case args urlkind
    local lib=$1 bin=$2 name=$3 args=$4 kind=$5 u=$url out
    [ "$kind" = tls ] && u=$tls_url
    [ "$kind" = js ] && u=$js_url
    if [ "$kind" = ws ]; then
        # cnats has no WebSocket transport: rnats only (compared with its
        # own nats:// numbers by table.py).
        [ "$lib" = cnats ] && return 0
        u=$ws_url
    fi
    local first=${args%% *} rest=${args#* }
    [ "$rest" = "$args" ] && rest=""
    local rc=0
    # shellcheck disable=SC2086
    out=$("$bin" "$first" "$u" $rest 2>"$bench_tmp/err") || rc=$?
    if [ $rc = 3 ]; then
        # The library lacks the API (Debian's cnats 3.4 has no services).
        grep -q unsupported "$bench_tmp/err" && return 0
    fi
    if [ $rc != 0 ]; then
        log "bench: $lib $name failed: $(cat "$bench_tmp/err")"
        return 1
    fi
    printf '%s\n' "$out" | awk -v lib="$lib" -v c="$name" '$1 == "RESULT" { print lib, c, $2, $3 }' >>"$results"
}

log "bench: server $url (WebSocket $ws_url)${tls_url:+, TLS $tls_url}, JetStream $js_url; $reps repetition(s)"
start=$(date +%s)
failed=0
for r in $(seq 1 "$reps"); do
    for c in "${cases[@]}"; do
        IFS='|' read -r name args kind <<<"$c"
        if [ -n "${BENCH_ONLY:-}" ] && ! [[ $name =~ $BENCH_ONLY ]]; then continue; fi
        # The memory case is deterministic enough: once per library.
        [ "$name" = mem ] && [ "$r" -gt 1 ] && continue
        if [ $((r % 2)) = 1 ]; then
            run_one ours "$BENCH_OURS" "$name" "$args" "$kind" || failed=1
            run_one cnats "$BENCH_CNATS" "$name" "$args" "$kind" || failed=1
        else
            run_one cnats "$BENCH_CNATS" "$name" "$args" "$kind" || failed=1
            run_one ours "$BENCH_OURS" "$name" "$args" "$kind" || failed=1
        fi
    done
    log "bench: repetition $r/$reps done ($(($(date +%s) - start)) s)"
done

[ -n "$raw" ] && cp "$results" "$raw"
if [ $smoke = 1 ]; then
    echo "Smoke run (CI): debug build, tiny counts, 3 idle connections: the numbers mean nothing."
fi
python3 "$root/bench/table.py" "$results" --reps "$reps"
if [ $failed = 1 ]; then
    log "bench: some runs failed (see above)"
    exit 1
fi
