#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs nothing system-wide.
#
#   1. cargo test                       (Rust unit + integration tests)
#   2. cmake build + ctest              (C tests, valgrind variants, header checks)
#   3. install into a temporary prefix, then build and run the
#      find_package(cnats) and pkg-config consumers against it.
#
# Environment:
#   BUILD_DIR          CMake build directory (default: build)
#   RNATS_CMAKE_ARGS   extra cmake arguments, e.g. "-DRNATS_CORE_TESTS=OFF"
#   RNATS_CTEST_ARGS   extra ctest arguments, e.g. "-L c" or "-E valgrind_"
#   NATS_SERVER_BIN    nats-server to use (default: found on PATH / pyenv)
#   JOBS               parallel jobs (default: 2)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
jobs=${JOBS:-2}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnats-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n==> %s\n' "$*"; }

step "format and lint (cargo fmt --check, cargo clippy -D warnings)"
cargo fmt --check
cargo clippy -j "$jobs" --all-targets -- -D warnings
cargo clippy -j "$jobs" --all-targets --features test-hooks -- -D warnings

# --- license check (scripts/check_licenses.py) ---
step "licenses: dependency allow-list, THIRD_PARTY_NOTICES current"
python3 scripts/check_licenses.py
# --- end license check ---

step "cargo test"
cargo test -j "$jobs"

step "C misuse sweep (every exported function with NULL / bad values), under valgrind"
VALGRIND=1 bash tests/c_misuse/run.sh

step "C examples against a real server, under valgrind"
VALGRIND=1 bash c-examples/run_examples.sh

step "cmake configure + build ($build)"
# shellcheck disable=SC2086
cmake -S . -B "$build" -DRNATS_BUILD_TESTS=ON -DRNATS_VALGRIND=ON ${RNATS_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"

step "ctest"
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j "$jobs" ${RNATS_CTEST_ARGS:-}

step "cargo test (panic boundary, test-hooks)"
cargo test -j "$jobs" --features test-hooks --test panic_boundary

step "C tests under AddressSanitizer + UBSan (${build}-asan)"
# shellcheck disable=SC2086
cmake -S . -B "${build}-asan" -DRNATS_BUILD_TESTS=ON -DRNATS_SANITIZE=ON -DRNATS_VALGRIND=OFF ${RNATS_CMAKE_ARGS:-}
cmake --build "${build}-asan" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "${build}-asan" --output-on-failure -j "$jobs" -E '^(valgrind_|c_native_static_libs)'

step "install into a temporary prefix"
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix"

step "consumer: find_package(cnats)"
cmake -S tests/consumer-cmake -B "$tmp/consumer-cmake" -DCMAKE_PREFIX_PATH="$prefix"
cmake --build "$tmp/consumer-cmake" -j "$jobs"
ctest --test-dir "$tmp/consumer-cmake" --output-on-failure

step "consumer: pkg-config"
bash tests/consumer-pkgconfig/run.sh "$prefix" "$tmp/consumer-pkgconfig"

step "ABI drop-in: programs built against Debian's cnats run on rnats"
bash tests/abi-dropin/run.sh "$build/lib/libnats.so.3.14.0" "$tmp/abi-dropin"

step "Python binding (ctypes)"
RNATS_LIB="$(ls "$prefix"/lib*/libnats.so | head -n1)" python3 -m pytest -q bindings/python

step "Go binding (cgo, pkg-config)"
bash bindings/go/run.sh "$prefix"

step "API reference (Doxygen)"
bash docs/api/build.sh "$tmp/api-docs"

step "benchmarks (smoke: build both variants, every case once with tiny counts; no pass/fail on numbers)"
bash bench/run.sh --smoke
bash bench/callgrind.sh --smoke

step "all tests passed"
