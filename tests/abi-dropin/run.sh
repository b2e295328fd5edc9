#!/usr/bin/env bash
# ABI drop-in test: programs compiled against Debian's cnats headers
# (/usr/include/nats, package libnats-dev) and linked with Debian's
# libnats.so run unchanged with rnats' libnats.so in its place.
#
#   usage: tests/abi-dropin/run.sh <rnats libnats.so> [work dir]
#
# The soname: Debian's library is libnats.so.3.4 (cnats 3.4.1), ours is
# libnats.so.3.14, so the programs (NEEDED libnats.so.3.4) would not pick
# ours up by name. This script puts a symlink named with Debian's soname,
# pointing at our library, into a directory of its own and runs the
# programs with LD_LIBRARY_PATH set to that directory. Each program prints
# the version of the library it actually loaded (nats_GetVersion), which
# proves which one ran.
#
# With libuv / libevent installed, two event-loop programs built with
# cnats' adapters (natsOptions_SetEventLoop) run the same way.
#
# Steps:
#   1. enum values and struct layouts: every natsStatus / natsConnStatus
#      value of Debian's header has the same name and number in ours, and
#      the shared types used by the core API have the same size/layout;
#   2. build the programs against Debian's cnats and run them (baseline:
#      they must pass against cnats itself);
#   3. run the same binaries with our library under Debian's soname.
set -euo pipefail

ours=${1:?usage: $0 <rnats libnats.so> [work dir]}
ours=$(readlink -f "$ours")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${2:-}
if [[ -z "$work" ]]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/rnats-abi.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
CC=${CC:-cc}

deb_header=/usr/include/nats/nats.h
deb_lib=$(ls /usr/lib/*/libnats.so /usr/lib/libnats.so 2>/dev/null | head -n1 || true)
if [[ ! -f "$deb_header" || -z "$deb_lib" ]]; then
    echo "abi-dropin: Debian's cnats (libnats-dev) is not installed: apt-get install libnats-dev" >&2
    exit 1
fi
deb_soname=$(readelf -d "$(readlink -f "$deb_lib")" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
our_soname=$(readelf -d "$ours" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
echo "Debian's cnats: $deb_lib (soname $deb_soname)"
echo "rnats:          $ours (soname $our_soname)"

# --- 1. enum values and layouts -------------------------------------------
# Enumerators of Debian's natsStatus and natsConnStatus (status.h).
sed -n '/typedef enum/,/}/p' /usr/include/nats/status.h |
    grep -oE '^[[:space:]]*NATS_[A-Z0-9_]+' | tr -d ' \t' | sort -u >"$work/deb_enums"
{
    echo '#include <stddef.h>'
    echo '#include <stdio.h>'
    echo '#include <nats/nats.h>'
    echo 'int main(void) {'
    while read -r name; do
        echo "    printf(\"%s %d\\n\", \"$name\", (int)$name);"
    done <"$work/deb_enums"
    echo '    printf("sizeof(natsStatus) %zu\n", sizeof(natsStatus));'
    echo '    printf("sizeof(natsConnStatus) %zu\n", sizeof(natsConnStatus));'
    echo '    printf("sizeof(natsSock) %zu\n", sizeof(natsSock));'
    echo '    printf("sizeof(natsMsgList) %zu\n", sizeof(natsMsgList));'
    echo '    printf("offsetof(natsMsgList, Msgs) %zu\n", offsetof(natsMsgList, Msgs));'
    echo '    printf("offsetof(natsMsgList, Count) %zu\n", offsetof(natsMsgList, Count));'
    echo '    return 0;'
    echo '}'
} >"$work/layout.c"
$CC -std=c99 -w -o "$work/layout_deb" "$work/layout.c"
$CC -std=c99 -w -I"$root/include" -o "$work/layout_ours" "$work/layout.c"
"$work/layout_deb" >"$work/layout_deb.txt"
"$work/layout_ours" >"$work/layout_ours.txt"
if ! diff -u "$work/layout_deb.txt" "$work/layout_ours.txt"; then
    echo "FAIL: enum values / layouts differ from Debian's cnats header" >&2
    exit 1
fi
echo "layout: $(grep -c '^NATS_' "$work/layout_deb.txt") enum values and the shared type layouts match Debian's header"

# --- 2. build against Debian's cnats and run (baseline) ---------------------
progs=(pubsub request headers errors)
# Event-loop programs (with cnats' own adapters from Debian's
# /usr/include/nats/adapters), when libuv / libevent are installed.
[[ -f /usr/include/uv.h ]] && progs+=(evloop_libuv)
[[ -f /usr/include/event2/event.h ]] && progs+=(evloop_libevent)
passed=0
failed=0
for p in "${progs[@]}"; do
    extra=()
    case $p in
        evloop_libuv) extra=(-luv) ;;
        evloop_libevent) extra=(-levent -levent_pthreads) ;;
    esac
    # Plain system include/library paths: Debian's nats.h and libnats.so.
    $CC -std=c99 -Wall -Wextra -Werror -o "$work/$p" "$here/$p.c" -lnats "${extra[@]}" -lpthread
    needed=$(readelf -d "$work/$p" | sed -n 's/.*NEEDED.*\[\(libnats[^]]*\)\].*/\1/p')
    if [[ "$needed" != "$deb_soname" ]]; then
        echo "FAIL: $p needs '$needed', expected Debian's $deb_soname" >&2
        exit 1
    fi
done
for p in "${progs[@]}"; do
    out=$(env -u LD_LIBRARY_PATH "$work/$p" 2>&1) || { echo "$out"; echo "FAIL: $p against Debian's cnats" >&2; exit 1; }
    grep -q "^$p: library 3\.4" <<<"$out" || { echo "$out"; echo "FAIL: $p did not load Debian's cnats" >&2; exit 1; }
    echo "baseline (cnats): $(head -n1 <<<"$out") ... $p: OK"
done

# --- 3. the same binaries with rnats under Debian's soname -------------------
mkdir -p "$work/dropin"
ln -sf "$ours" "$work/dropin/$deb_soname"
for p in "${progs[@]}"; do
    if out=$(LD_LIBRARY_PATH="$work/dropin" "$work/$p" 2>&1) &&
        grep -q "^$p: library 3\.14" <<<"$out" && grep -q "^$p: OK" <<<"$out"; then
        echo "drop-in (rnats):  $(head -n1 <<<"$out") ... $p: OK"
        passed=$((passed + 1))
    else
        echo "$out"
        echo "FAIL: $p with rnats in place of cnats"
        failed=$((failed + 1))
    fi
done
echo "abi-dropin: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
