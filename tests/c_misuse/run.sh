#!/usr/bin/env bash
# Builds the NULL-argument / misuse sweep against target/debug/libnats.so and
# runs it.
#
#   tests/c_misuse/run.sh [PORT]
#
# With PORT, a nats-server must already listen on 127.0.0.1:PORT. Without
# it, a nats-server is started on a free port and stopped afterwards.
# VALGRIND=1 runs the sweep under valgrind (definite leaks and memory errors
# fail the run). The exit status is the sweep's (0: all cases passed).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# The generated file must match the header it was generated from.
python3 scripts/gen_misuse.py --check

cargo build --lib --quiet
# The library's soname is libnats.so.3.14: give the loader that name.
ln -s "$ROOT/target/debug/libnats.so" "$WORK/libnats.so.3.14"
gcc -g -std=c99 -Wall -Wextra -Werror -I include -I tests/c_misuse tests/c_misuse/misuse.c \
    -L target/debug -lnats -o "$WORK/misuse"

PORT="${1:-}"
if [ -z "$PORT" ]; then
    PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    NATS_SERVER="$(command -v pyenv >/dev/null 2>&1 && pyenv which nats-server 2>/dev/null || command -v nats-server)"
    "$NATS_SERVER" -a 127.0.0.1 -p "$PORT" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
        sleep 0.1
    done
fi

RUN=()
if [ "${VALGRIND:-0}" = 1 ]; then
    RUN=(valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=9)
fi
LD_LIBRARY_PATH="$WORK${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${RUN[@]}" "$WORK/misuse" "$PORT"
