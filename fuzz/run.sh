#!/usr/bin/env bash
# Runs the rnats fuzz targets with cargo fuzz (libFuzzer + AddressSanitizer).
#
#   bash fuzz/run.sh [seconds-per-target] [target ...]
#
# Default: 600 s for each of parser url creds info headers. Needs a nightly
# toolchain (rustup toolchain install nightly); uses cargo-fuzz
# (cargo install cargo-fuzz) when installed, and otherwise builds the
# targets itself with the flags cargo-fuzz passes (coverage
# instrumentation, AddressSanitizer) and runs the libFuzzer binaries.
# Seed corpora are generated first by our own code (src/bin/seeds.rs) into
# fuzz/corpus/. Prints, per target, the executions and the crashes (files
# in fuzz/artifacts/<target>/), and exits non-zero if any target crashed.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(parser url creds info headers)

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: needs a nightly toolchain (rustup toolchain install nightly)" >&2
    exit 2
fi
have_cargo_fuzz=0
cargo +nightly fuzz --version >/dev/null 2>&1 && have_cargo_fuzz=1
triple=$(rustc +nightly -vV | awk '/^host:/ { print $2 }')
bins=target/$triple/release
if [ $have_cargo_fuzz = 0 ]; then
    echo "fuzz/run.sh: cargo-fuzz not installed; building the targets directly" >&2
    export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks \
-Zsanitizer=address"
    bargs=()
    for t in "${targets[@]}"; do bargs+=(--bin "$t"); done
    cargo +nightly build --release --target "$triple" --bin seeds "${bargs[@]}" || exit 1
    ASAN_OPTIONS=detect_leaks=0 "$bins/seeds" corpus || exit 1
else
    cargo +nightly run --quiet --release --bin seeds -- corpus || exit 1
fi
mkdir -p logs
summary="logs/summary-$(date +%Y%m%d-%H%M%S)-$$.txt"
status=0
printf '%-8s %14s %10s %8s %s\n' target executions exec/s crashes seconds > "$summary"
for t in "${targets[@]}"; do
    mkdir -p "artifacts/$t"
    before=$(find "artifacts/$t" -type f | wc -l)
    lf_args=(-max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10)
    if [ $have_cargo_fuzz = 1 ]; then
        cargo +nightly fuzz run "$t" "corpus/$t" -- "${lf_args[@]}" >"logs/$t.log" 2>&1
    else
        "$bins/$t" "corpus/$t" "${lf_args[@]}" -artifact_prefix="artifacts/$t/" >"logs/$t.log" 2>&1
    fi
    rc=$?
    after=$(find "artifacts/$t" -type f | wc -l)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*$')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*$')
    crashes=$((after - before))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="rc=$rc"; fi
    printf '%-8s %14s %10s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$crashes" "$secs" | tee -a "$summary"
    [ "$rc" -ne 0 ] && status=1
done
echo
cat "$summary"
exit $status
