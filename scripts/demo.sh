#!/usr/bin/env bash
# Builds rnats and its C examples with CMake, starts a private nats-server
# on a free port, runs the example subscriber in the background and the
# example publisher against it, prints both outputs and stops everything.
#
# Installs what is missing first (`scripts/setup.sh demo`: CMake, make, a
# C/C++ compiler, nats-server); a Rust toolchain is assumed.
#
# Environment: BUILD_DIR (default build), NATS_SERVER_BIN, JOBS (default 2),
#              COUNT (messages, default 5).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
jobs=${JOBS:-2}
count=${COUNT:-5}
subject=demo.greetings
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnats-demo.XXXXXX")
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# Install what is missing for the demo only: CMake, make, a C/C++
# compiler, nats-server (cargo is assumed).
bash "$root/scripts/setup.sh" demo

# The real nats-server binary (not a pyenv shim, so kill reaches it).
server=${NATS_SERVER_BIN:-}
if [[ -z "$server" ]] && command -v pyenv >/dev/null 2>&1; then
    server=$(pyenv which nats-server 2>/dev/null || true)
fi
server=${server:-nats-server}
command -v "$server" >/dev/null 2>&1 || { echo "nats-server not found (set NATS_SERVER_BIN)" >&2; exit 1; }

echo "==> building (cmake, $build)"
cmake -S . -B "$build" -DRNATS_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" -j "$jobs" --target rnats_examples

sub="$build/c-examples/subscriber"
pub="$build/c-examples/publisher"
for exe in "$sub" "$pub"; do
    [[ -x "$exe" ]] || { echo "missing example program: $exe (c-examples/$(basename "$exe").c)" >&2; exit 1; }
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
url="nats://127.0.0.1:$port"
echo "==> starting $server on $url"
"$server" -a 127.0.0.1 -p "$port" >"$tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$tmp/server.log"; echo "server did not start" >&2; exit 1; }

echo "==> subscriber: $sub -s $url -subj $subject -count $count"
"$sub" -s "$url" -subj "$subject" -count "$count" >"$tmp/sub.out" 2>&1 &
sub_pid=$!
pids+=("$sub_pid")
# The subscriber prints a line with "Listening" once its subscription is
# registered with the server; publish only then.
for _ in $(seq 200); do
    grep -q "Listening" "$tmp/sub.out" && break
    kill -0 "$sub_pid" 2>/dev/null || break
    sleep 0.05
done

echo "==> publisher: $pub -s $url -subj $subject -count $count -txt 'hello from rnats'"
"$pub" -s "$url" -subj "$subject" -count "$count" -txt "hello from rnats"

status=0
for _ in $(seq 200); do
    kill -0 "$sub_pid" 2>/dev/null || break
    sleep 0.05
done
if kill -0 "$sub_pid" 2>/dev/null; then
    echo "subscriber did not finish" >&2
    status=1
else
    wait "$sub_pid" || status=$?
fi
echo "==> subscriber output"
cat "$tmp/sub.out"
exit "$status"
