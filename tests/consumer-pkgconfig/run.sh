#!/usr/bin/env bash
# Builds tests/consumer-cmake/app.c against an installed rnats through
# pkg-config, linked shared and static, and runs both against a private
# nats-server (tests/with-nats-server.sh): connect, subscribe, publish,
# receive. Also builds the C++ example with the pkg-config flags.
#   usage: tests/consumer-pkgconfig/run.sh <install prefix> [work dir]
set -euo pipefail

prefix=${1:?usage: $0 <install prefix> [work dir]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
app="$here/../consumer-cmake/app.c"
work=${2:-$(mktemp -d)}
mkdir -p "$work"
CC=${CC:-cc}
CXX=${CXX:-c++}
with_server=(bash "$here/../with-nats-server.sh")

libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n1)
export PKG_CONFIG_PATH="$libdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
libdir=$(pkg-config --variable=libdir libnats)

echo "pkg-config libnats $(pkg-config --modversion libnats)"
echo "  cflags: $(pkg-config --cflags libnats)"
echo "  libs:   $(pkg-config --libs libnats)"
echo "  static: $(pkg-config --static --libs libnats)"

# Shared: exactly what pkg-config prints (plus an rpath, as the prefix is
# not a system directory).
# shellcheck disable=SC2046
$CC -std=c99 -Wall -Wextra -Werror -o "$work/app_shared" "$app" \
    $(pkg-config --cflags --libs libnats) -Wl,-rpath,"$libdir"
out=$("${with_server[@]}" "$work/app_shared")
echo "$out"
grep -q "consumer: OK" <<<"$out"
readelf -d "$work/app_shared" | grep -q 'NEEDED.*\[libnats\.so\.3\.14\]'

# Static: libnats_static.a (cnats' archive name) followed by the
# Libs.private system libraries from `pkg-config --static`.
# shellcheck disable=SC2046
$CC -std=c99 -Wall -Wextra -Werror -o "$work/app_static" "$app" \
    $(pkg-config --cflags libnats) "$libdir/libnats_static.a" \
    $(pkg-config --static --libs-only-l libnats | tr ' ' '\n' | grep -vx -- '-lnats')
out=$("${with_server[@]}" "$work/app_static")
echo "$out"
grep -q "consumer: OK" <<<"$out"
if readelf -d "$work/app_static" | grep -q 'NEEDED.*libnats'; then
    echo "app_static still needs a shared libnats" >&2
    exit 1
fi
# C++17, warnings as errors, same flags.
# shellcheck disable=SC2046
$CXX -std=c++17 -Wall -Wextra -Werror -pedantic -o "$work/app_cpp" "$here/../../c-examples/cpp/pubsub.cpp" \
    $(pkg-config --cflags --libs libnats) -Wl,-rpath,"$libdir" -pthread
out=$("${with_server[@]}" "$work/app_cpp")
grep -q "pubsub: all checks passed" <<<"$out"
echo "C++ example: all checks passed"
# The installed event-loop adapters (<nats/adapters/libuv.h>,
# <nats/adapters/libevent.h>): the examples build with the flags of
# pkg-config (libnats + libuv / libevent), and the libuv subscriber gets
# what the libevent publisher sends.
if pkg-config --exists libuv libevent libevent_pthreads; then
    ex="$here/../../c-examples/evloop"
    # shellcheck disable=SC2046
    $CC -std=c99 -Wall -Wextra -Werror -o "$work/libuv-subscriber" "$ex/libuv-subscriber.c" \
        $(pkg-config --cflags --libs libnats libuv) -Wl,-rpath,"$libdir"
    # shellcheck disable=SC2046
    $CC -std=c99 -Wall -Wextra -Werror -o "$work/libevent-publisher" "$ex/libevent-publisher.c" \
        $(pkg-config --cflags --libs libnats libevent libevent_pthreads) -Wl,-rpath,"$libdir" -pthread
    cat >"$work/evloop.sh" <<EOS
set -e
"$work/libuv-subscriber" -s "\$NATS_URL" -subj consumer.loop -count 5 -wait 60 >"$work/evloop-sub.out" 2>&1 &
sub=\$!
for _ in \$(seq 300); do grep -q Listening "$work/evloop-sub.out" && break; sleep 0.1; done
"$work/libevent-publisher" -s "\$NATS_URL" -subj consumer.loop -count 5 -txt via-pkg-config
wait \$sub
cat "$work/evloop-sub.out"
EOS
    out=$("${with_server[@]}" bash "$work/evloop.sh")
    echo "$out"
    grep -q "^Received 5 message(s)$" <<<"$out"
    echo "event-loop adapters: installed headers build and run"
fi
echo "consumer-pkgconfig: OK (shared, static and C++)"
