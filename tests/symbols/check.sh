#!/usr/bin/env bash
# Checks what the shared library exports (its dynamic symbol table):
#
#   1. every defined dynamic symbol belongs to the cnats API namespace
#      (nats_*, natsConnection_*, ... see ALLOWED below) or to a documented
#      rnats extra (rnats_*): nothing of Rust's runtime or of our
#      dependencies (rust_eh_personality, __rust_*, _ZN..., ring_*, ...)
#      leaks out;
#   2. the exported functions are exactly the ones nats.h declares
#      (NATS_EXTERN): nothing exported without a declaration, nothing
#      declared that a program could not link;
#   3. the SONAME is cnats' libnats.so.<major>.<minor>.
#
#   usage: tests/symbols/check.sh <libnats.so> <include/nats/nats.h>
#
# Why no linker version script: rustc already links a cdylib with a
# version script of its own that exports only the #[no_mangle] extern
# functions, and GNU ld refuses a second anonymous version script
# ("anonymous version tag cannot be combined with other version tags").
# This check is the guard instead.
set -euo pipefail

lib=${1:?usage: $0 <libnats.so> <nats.h>}
header=${2:?usage: $0 <libnats.so> <nats.h>}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# cnats' API prefixes (core, JetStream (js_ and every jsType_), KV, object store, micro, streaming)
# plus rnats' own documented extras.
ALLOWED='^(nats_|natsConnection_|natsOptions_|natsSubscription_|natsMsg_|natsMsgHeader_|natsMsgList_|natsHeader_|natsInbox_|natsStatistics_|natsStatus_|natsNUID_|natsClientConfig_|js_|js[A-Z][A-Za-z]*_|kvStore_|kvConfig_|kvEntry_|kvStatus_|kvWatcher_|kvKeysList_|kvEntryList_|kvWatchOptions_|kvPurgeOptions_|objStore_|objStore[A-Z][A-Za-z]*_|micro|stanConnection_|stanConnOptions_|stanSubscription_|stanSubOptions_|stanMsg_|rnats_|rnats[A-Z][A-Za-z]*_)'

nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$tmp/exported"
count=$(wc -l <"$tmp/exported")
echo "exported symbols: $count"

fail=0
if grep -v -E "$ALLOWED" "$tmp/exported" >"$tmp/foreign"; then
    echo "FAIL: symbols outside the cnats API namespace:"
    sed 's/^/  /' "$tmp/foreign"
    fail=1
fi

# Declared functions: `NATS_EXTERN <type> [*]name(`; declarations may span
# lines, but the name and its "(" are on the NATS_EXTERN line.
# Data objects: `extern NATS_EXTERN <type> [*]name;` (cnats has two, the
# static microErrors).
grep -E '^extern NATS_EXTERN .*;' "$header" | sed -E 's/;.*//; s/.*[ *]//' | sort -u >"$tmp/declared_data"
{ grep -E '^NATS_EXTERN ' "$header" | sed -E 's/\(.*//; s/.*[ *]//'; cat "$tmp/declared_data"; } | sort -u >"$tmp/declared"
echo "declared in $(basename "$header"): $(wc -l <"$tmp/declared")"

comm -23 "$tmp/exported" "$tmp/declared" >"$tmp/undeclared"
comm -13 "$tmp/exported" "$tmp/declared" >"$tmp/missing"
if [[ -s "$tmp/undeclared" ]]; then
    echo "FAIL: exported but not declared in the header:"
    sed 's/^/  /' "$tmp/undeclared"
    fail=1
fi
if [[ -s "$tmp/missing" ]]; then
    echo "FAIL: declared in the header but not exported:"
    sed 's/^/  /' "$tmp/missing"
    fail=1
fi

# Only functions (T) are exported, plus the data objects nats.h declares.
nm -D --defined-only "$lib" | awk '$2 != "T" {print $NF}' | sed 's/@.*//' | sort -u >"$tmp/data"
if comm -23 "$tmp/data" "$tmp/declared_data" | grep -q .; then
    echo "FAIL: non-function exports not declared as data in the header:"
    comm -23 "$tmp/data" "$tmp/declared_data" | sed 's/^/  /'
    fail=1
fi

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
major=$(sed -n 's/^#define NATS_VERSION_MAJOR *\([0-9]*\).*/\1/p' "$header")
minor=$(sed -n 's/^#define NATS_VERSION_MINOR *\([0-9]*\).*/\1/p' "$header")
if [[ "$soname" != "libnats.so.$major.$minor" ]]; then
    echo "FAIL: soname '$soname', expected libnats.so.$major.$minor"
    fail=1
else
    echo "soname: $soname"
fi

if [[ $fail -ne 0 ]]; then
    exit 1
fi
echo "symbols: OK ($count exported, all declared cnats API functions)"
