#!/usr/bin/env bash
# The test suite, as named steps.
#
#   bash scripts/test.sh            everything (what .ci/run calls)
#   bash scripts/test.sh quick      fmt + clippy, cargo test, the C tests
#                                   without valgrind (a few minutes once built)
#   bash scripts/test.sh list       the steps of each mode
#   bash scripts/test.sh [quick] STEP...
#                                   only these steps (with what they need,
#                                   e.g. `ctest` builds first); with `quick`,
#                                   without valgrind
#
# Stops at the first failing step. Installs nothing system-wide: run
# `bash scripts/setup.sh test` first on a fresh machine.
#
# Environment:
#   BUILD_DIR          CMake build directory (default: build; ASan: <BUILD_DIR>-asan)
#   RNATS_CMAKE_ARGS   extra cmake arguments, e.g. "-DRNATS_CORE_TESTS=OFF"
#   RNATS_CTEST_ARGS   extra ctest arguments, e.g. "-R c_tls" or "-E valgrind_"
#   NATS_SERVER_BIN    nats-server to use (default: found on PATH / pyenv)
#   JOBS               parallel jobs (default: 2)
#
# Adding a step: write a step_<name> function below and add <name> on its
# own line to FULL_STEPS (and to QUICK_STEPS if it is fast and needs no
# extra tool).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
jobs=${JOBS:-2}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnats-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
valgrind=1          # 0 in quick mode: C tests and examples run without valgrind

# ---------------------------------------------------------------------------
# Steps. Each is a function step_<name>; `need <name>` runs another step
# first unless it already ran.

# cargo fmt --check, and clippy with warnings as errors (also with the
# test-hooks feature, which compiles the panic points in).
step_fmt_clippy() {
    cargo fmt --check
    cargo clippy -j "$jobs" --all-targets -- -D warnings
    cargo clippy -j "$jobs" --all-targets --features test-hooks -- -D warnings
}

# Every locked dependency's license is on the allow-list, and
# THIRD_PARTY_NOTICES matches the dependency tree.
step_licenses() {
    python3 scripts/check_licenses.py
}

# Rust unit and integration tests (tests/*.rs start their own nats-server
# processes on free ports; tests/header.rs checks the generated header).
step_cargo_test() {
    cargo test -j "$jobs"
}

# Every exported function called with NULL / bad values (a generated C
# program, tests/c_misuse/), under valgrind in the full run.
step_c_misuse() {
    VALGRIND=$valgrind bash tests/c_misuse/run.sh
}

# The programs in c-examples/ against a real server, under valgrind in the
# full run.
step_c_examples() {
    VALGRIND=$valgrind bash c-examples/run_examples.sh
}

# CMake configure + build (library, C tests, examples); the valgrind_<name>
# CTest variants are registered in the full run only.
step_cmake_build() {
    local vg=OFF
    [[ $valgrind == 1 ]] && vg=ON
    # shellcheck disable=SC2086
    cmake -S . -B "$build" -DRNATS_BUILD_TESTS=ON -DRNATS_VALGRIND=$vg ${RNATS_CMAKE_ARGS:-}
    cmake --build "$build" -j "$jobs"
}

# CTest: the C tests (tests/c/), each also under valgrind in the full run;
# the C++ example; header, static-link and exported-symbol checks.
step_ctest() {
    need cmake_build
    # shellcheck disable=SC2086
    ctest --test-dir "$build" --output-on-failure -j "$jobs" ${RNATS_CTEST_ARGS:-}
}

# Forced panics in an API call and in the library threads (feature test-hooks).
step_panic_boundary() {
    cargo test -j "$jobs" --features test-hooks --test panic_boundary
}

# The C tests again, built with AddressSanitizer + UBSan, in ${build}-asan.
step_asan() {
    # shellcheck disable=SC2086
    cmake -S . -B "${build}-asan" -DRNATS_BUILD_TESTS=ON -DRNATS_SANITIZE=ON -DRNATS_VALGRIND=OFF ${RNATS_CMAKE_ARGS:-}
    cmake --build "${build}-asan" -j "$jobs"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "${build}-asan" --output-on-failure -j "$jobs" -E '^(valgrind_|c_native_static_libs)'
}

# cmake --install into a temporary prefix (used by the consumer steps).
step_install() {
    need cmake_build
    cmake --install "$build" --prefix "$prefix"
}

# A separate CMake project using find_package(cnats) and cnats::nats(_static).
step_consumer_cmake() {
    need install
    cmake -S tests/consumer-cmake -B "$tmp/consumer-cmake" -DCMAKE_PREFIX_PATH="$prefix"
    cmake --build "$tmp/consumer-cmake" -j "$jobs"
    ctest --test-dir "$tmp/consumer-cmake" --output-on-failure
}

# The same program built through pkg-config (libnats.pc), shared and static.
step_consumer_pkgconfig() {
    need install
    bash tests/consumer-pkgconfig/run.sh "$prefix" "$tmp/consumer-pkgconfig"
}

# Programs built against Debian's cnats (libnats-dev) run on rnats.
step_abi_dropin() {
    need cmake_build
    bash tests/abi-dropin/run.sh "$build/lib/libnats.so.3.14.0" "$tmp/abi-dropin"
}

# The Python ctypes binding's tests (pytest) against the installed library.
step_python() {
    need install
    local libs=("$prefix"/lib*/libnats.so)
    RNATS_LIB="${libs[0]}" python3 -m pytest -q bindings/python
}

# The Go (cgo) binding's tests against the installed library.
step_go() {
    need install
    bash bindings/go/run.sh "$prefix"
}

# The Doxygen API reference builds and documents every exported function.
step_api_docs() {
    bash docs/api/build.sh "$tmp/api-docs"
}

# Benchmarks, smoke only: both variants build and every case runs once with
# tiny counts; no pass/fail on numbers.
step_bench_smoke() {
    bash bench/run.sh --smoke
    bash bench/callgrind.sh --smoke
}

# ---------------------------------------------------------------------------
# Modes. One step per line.

QUICK_STEPS=(
    fmt_clippy
    licenses
    cargo_test
    c_misuse
    c_examples
    cmake_build
    ctest
)

FULL_STEPS=(
    fmt_clippy
    licenses
    cargo_test
    c_misuse
    c_examples
    cmake_build
    ctest
    panic_boundary
    asan
    install
    consumer_cmake
    consumer_pkgconfig
    abi_dropin
    python
    go
    api_docs
    bench_smoke
)

# ---------------------------------------------------------------------------

declare -A done_steps=()
summary=()

run_step() {
    local name=$1 start
    if ! declare -F "step_$name" >/dev/null; then
        echo "unknown step: $name (bash scripts/test.sh list)" >&2
        exit 2
    fi
    printf '\n==> %s\n' "$name"
    start=$SECONDS
    "step_$name"
    done_steps[$name]=1
    summary+=("$(printf '%-20s %4ss' "$name" "$((SECONDS - start))")")
}

need() {
    [[ -n ${done_steps[$1]:-} ]] || run_step "$1"
}

mode=full
steps=()
for arg in "$@"; do
    case $arg in
        quick) mode=quick ;;
        full) mode=full ;;
        list)
            echo "quick: ${QUICK_STEPS[*]}"
            echo "full:  ${FULL_STEPS[*]}"
            exit 0
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *) steps+=("$arg") ;;
    esac
done
[[ $mode == quick ]] && valgrind=0
if [[ ${#steps[@]} -eq 0 ]]; then
    if [[ $mode == quick ]]; then steps=("${QUICK_STEPS[@]}"); else steps=("${FULL_STEPS[@]}"); fi
fi

for name in "${steps[@]}"; do
    need "$name"
done

printf '\n==> all steps passed (%s, valgrind %s)\n' "$mode" "$([[ $valgrind == 1 ]] && echo on || echo off)"
printf '    %s\n' "${summary[@]}"
