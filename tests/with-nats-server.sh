#!/usr/bin/env bash
# Runs a command while a private nats-server is up, and exits with the
# command's status.
#
#   usage: tests/with-nats-server.sh COMMAND [ARGS...]
#
# The server listens on 127.0.0.1 on a port it picks itself (-p -1); the
# port is read back from the server's ports file, so there is no race for
# a "free" port. The command gets the server's URL in NATS_URL. The
# server is stopped when the command ends (or this script is killed).
#
# The nats-server binary is, in order: $NATS_SERVER_BIN; the real binary
# behind a pyenv shim (`pyenv which nats-server`); `nats-server` on PATH.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

bin=${NATS_SERVER_BIN:-}
if [[ -z "$bin" ]] && command -v pyenv >/dev/null 2>&1; then
    bin=$(pyenv which nats-server 2>/dev/null || true)
fi
if [[ -z "$bin" ]]; then
    bin=$(command -v nats-server || true)
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
    echo "$0: nats-server not found (set NATS_SERVER_BIN)" >&2
    exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/rnats-srv.XXXXXX")
pid=
cleanup() {
    if [[ -n "$pid" ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin" -a 127.0.0.1 -p -1 --ports_file_dir "$dir" >"$dir/server.log" 2>&1 &
pid=$!

# Wait (up to 20 s) for the ports file: {"nats":["nats://127.0.0.1:PORT"]}.
url=
for _ in $(seq 1 400); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "$0: nats-server exited early:" >&2
        cat "$dir/server.log" >&2
        exit 2
    fi
    for f in "$dir"/*.ports; do
        [[ -s "$f" ]] || continue
        url=$(grep -o 'nats://[^"]*' "$f" | head -n1 || true)
    done
    [[ -n "$url" ]] && break
    sleep 0.05
done
if [[ -z "$url" ]]; then
    echo "$0: nats-server did not report its port" >&2
    exit 2
fi

export NATS_URL="$url"
status=0
"$@" || status=$?
exit "$status"
