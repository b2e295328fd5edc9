#!/usr/bin/env bash
# Builds the C API reference (HTML) from include/nats/nats.h with Doxygen
# (Debian package `doxygen`), and checks the header's documentation:
#   * every exported function (NATS_EXTERN) carries a doc comment;
#   * every exported function has a page entry in the generated HTML.
#
#   usage: docs/api/build.sh [output dir]     (default: build/api-docs)
# Open <output dir>/html/index.html.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=${1:-build/api-docs}
mkdir -p "$out"
out=$(cd "$out" && pwd)
header=include/nats/nats.h

# 1. Doc comments: the line before each NATS_EXTERN declaration must be a
#    comment line (cbindgen puts the /// text of the Rust function there).
missing=$(awk '
    /^NATS_EXTERN/ {
        if (prev !~ /^\/\//) { match($0, /[A-Za-z_0-9]+\(/); print substr($0, RSTART, RLENGTH - 1) }
    }
    { if ($0 !~ /^[ \t]*$/) prev = $0 }' "$header")
total=$(grep -c '^NATS_EXTERN' "$header")
if [[ -n "$missing" ]]; then
    echo "functions without a doc comment in $header:"
    sed 's/^/  /' <<<"$missing"
    exit 1
fi
echo "doc comments: all $total exported functions documented"

# 2. Doxygen.
command -v doxygen >/dev/null || { echo "doxygen not found (apt-get install doxygen)" >&2; exit 1; }
rm -rf "$out/html"
# PROJECT_NUMBER is Cargo.toml's version (its one source).
version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n1)
RNATS_API_DOCS_OUT="$out" RNATS_VERSION="$version" doxygen docs/api/Doxyfile
[[ -f "$out/html/index.html" ]] || { echo "doxygen produced no index.html" >&2; exit 1; }

# 3. Every exported function appears in the reference.
grep -E '^NATS_EXTERN ' "$header" | sed -E 's/\(.*//; s/.*[ *]//' | sort -u >"$out/functions.txt"
absent=0
while read -r fn; do
    if ! grep -rqs -- ">$fn<" "$out/html/"; then
        echo "not in the generated reference: $fn"
        absent=$((absent + 1))
    fi
done <"$out/functions.txt"
if [[ $absent -ne 0 ]]; then
    exit 1
fi
warnings=$(grep -c . "$out/warnings.log" 2>/dev/null || true)
echo "api docs: $total functions in $out/html/index.html (doxygen warnings: ${warnings:-0}, see warnings.log)"
