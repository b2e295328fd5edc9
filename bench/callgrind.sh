#!/usr/bin/env bash
# Instructions (callgrind "Ir", all threads of the client process) per
# message, rnats vs cnats. Instruction counts repeat within ~1 % between
# runs, unlike timings on a shared machine, and are not bounded by the
# server. Fixed costs (start-up, connect, flush, close) are removed by
# subtracting a run of the same case with zero messages:
#
#     Ir/msg = (Ir(N messages) - Ir(0 messages)) / N
#
#   bash bench/callgrind.sh           default counts
#   bash bench/callgrind.sh --smoke   tiny counts (CI)
#   BENCH_ONLY=REGEX bash bench/callgrind.sh   only the matching cases
#   BENCH_CG_REPS=3 bash bench/callgrind.sh     median of 3 runs per case
#
# With several threads (pub+sub) the count depends on how the threads were
# scheduled (how far the reader gets ahead of the delivery thread decides
# how many message boxes are new rather than recycled, and how often a
# thread sleeps and is woken): expect a few percent between runs, more
# while the machine is busy; BENCH_CG_REPS takes the median.
#
# pub+sub runs lift the pending limits so that no message is dropped while
# valgrind serialises the threads (every message is delivered and counted).
set -euo pipefail

smoke=0
[ "${1:-}" = --smoke ] && smoke=1
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ $smoke = 1 ] && export BENCH_PROFILE=${BENCH_PROFILE:-debug}
command -v valgrind >/dev/null 2>&1 || { log "bench: valgrind not found"; exit 1; }
build_bench
port=$(start_server plain)
url=nats://127.0.0.1:$port
mkdir -p "$bench_tmp/jsdata"
jsport=$(start_server js -js -sd "$bench_tmp/jsdata")
js_url=nats://127.0.0.1:$jsport

if [ $smoke = 1 ]; then n_pub=1000; n_ps=500; n_js=200; else n_pub=${BENCH_CG_PUB:-200000}; n_ps=${BENCH_CG_PUBSUB:-50000}; n_js=${BENCH_CG_JS:-20000}; fi

# name | bench arguments with @N@ for the count | count
cases=(
    "pub 16 B|pub 16 @N@|$n_pub"
    "pub 128 B|pub 128 @N@|$n_pub"
    "pub 1 KiB|pub 1024 @N@|$n_pub"
    "pub+sub async 16 B|pubsub async 16 @N@ unlimited|$n_ps"
    "pub+sub NextMsg 16 B|pubsub sync 16 @N@ unlimited|$n_ps"
    "pub+sub async 1 KiB|pubsub async 1024 @N@ unlimited|$n_ps"
    "pub+sub async 16 B, 2 conns|pubsub2 async 16 @N@ unlimited|$n_ps"
    "pub+sub NextMsg 16 B, 2 conns|pubsub2 sync 16 @N@ unlimited|$n_ps"
    "JetStream publish sync 16 B|jspub sync 16 @N@ memory|$n_js"
    "JetStream publish async 16 B|jspub async 16 @N@ memory|$n_js"
    "KV put 16 B|kv put @N@|$n_js"
    "KV get|kv get @N@|$n_js"
)

ir() { # bin args... -> total Ir
    local f=$bench_tmp/cg.out
    rm -f "$f"
    valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >/dev/null 2>"$bench_tmp/vg.err" || {
        log "bench: valgrind $* failed:"; tail -5 "$bench_tmp/vg.err" >&2; exit 1; }
    awk '/^(summary|totals):/ { print $2; exit }' "$f"
}

per_msg() { # bin args n -> median over BENCH_CG_REPS runs of the N-message case
    local bin=$1 args=$2 n=$3 a0 an u=$url vals="" r
    [[ $args == jspub* || $args == kv* ]] && u=$js_url
    # shellcheck disable=SC2086
    a0=$(ir "$bin" ${args%% *} "$u" $(echo "${args#* }" | sed "s/@N@/0/"))
    for r in $(seq 1 "${BENCH_CG_REPS:-1}"); do
        # shellcheck disable=SC2086
        an=$(ir "$bin" ${args%% *} "$u" $(echo "${args#* }" | sed "s/@N@/$n/"))
        vals="$vals $(awk -v a="$an" -v b="$a0" -v n="$n" 'BEGIN { printf "%.0f", (a - b) / n }')"
    done
    printf '%s\n' $vals | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

printf '| case (Ir per message) | rnats | cnats | rnats/cnats | target |\n|---|---:|---:|---:|---|\n'
for c in "${cases[@]}"; do
    IFS='|' read -r name args n <<<"$c"
    if [ -n "${BENCH_ONLY:-}" ] && ! [[ $name =~ $BENCH_ONLY ]]; then continue; fi
    o=$(per_msg "$BENCH_OURS" "$args" "$n")
    k=$(per_msg "$BENCH_CNATS" "$args" "$n")
    t=""
    case $name in
    "pub 16 B") t=0.4 ;;
    "pub+sub async 16 B" | "pub+sub NextMsg 16 B" | "pub+sub async 16 B, 2 conns" | "pub+sub NextMsg 16 B, 2 conns") t=0.45 ;;
    esac
    awk -v name="$name" -v o="$o" -v k="$k" -v t="$t" 'BEGIN {
        r = o / k; mark = ""
        if (t != "") mark = (r <= t) ? " ok" : " **missed**"
        if (t != "") t = "<= " t
        printf "| %s | %d | %d | %.2f | %s%s |\n", name, o, k, r, t, mark }'
done
printf '\nCounts: pub %s messages, pub+sub %s messages, JetStream %s messages (memory storage), minus a zero-message run.\n' "$n_pub" "$n_ps" "$n_js"
