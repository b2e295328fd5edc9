# Shared by bench/run.sh, bench/callgrind.sh and bench/mem.sh (sourced).
#
# Builds the benchmark twice from bench/bench.c:
#   $BENCH_OUT/bench-ours   against rnats (include/, target/<profile>/libnats.so, rpath)
#   $BENCH_OUT/bench-cnats  against Debian's cnats (libnats-dev)
# and starts nats-server instances on free ports.
#
# Environment:
#   BENCH_PROFILE    cargo profile of rnats to link (release; debug for --smoke)
#   BENCH_NO_BUILD   1 = do not run cargo (use what is in target/)
#   NATS_SERVER_BIN  nats-server binary (default: found on PATH / pyenv)
#   BENCH_CNATS_PREFIX  install prefix of another cnats to compare with
#                    (default: the system's; Debian's 3.4 has no services
#                    API, so the micro_* cases then run for rnats only)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_OUT=${BENCH_OUT:-$root/target/bench}
bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnats-bench.XXXXXX")
bench_pids=()

bench_cleanup() {
    local p f
    for p in "${bench_pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    # Servers started inside $(start_server …) run in a subshell, so their
    # pids are recorded in files rather than in bench_pids.
    for f in "$bench_tmp"/*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f")
        kill "$p" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
    rm -rf "$bench_tmp"
}
trap bench_cleanup EXIT

log() { printf '%s\n' "$*" >&2; }

# Debian's cnats (reference implementation) — installed when missing.
ensure_cnats() {
    if [ -f /usr/include/nats/nats.h ] && ls /usr/lib/*/libnats.so >/dev/null 2>&1; then
        return
    fi
    log "bench: installing libnats-dev (cnats) ..."
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libnats-dev >&2
}

# Builds rnats (cargo) and both benchmark binaries.
build_bench() {
    local profile=${BENCH_PROFILE:-release}
    ensure_cnats
    if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
        log "bench: cargo build ($profile) ..."
        if [ "$profile" = release ]; then
            (cd "$root" && cargo build --release --quiet --lib)
        else
            (cd "$root" && cargo build --quiet --lib)
        fi
    fi
    local libdir=$root/target/$profile
    [ -f "$libdir/libnats.so" ] || { log "bench: $libdir/libnats.so missing"; exit 1; }
    # The library's soname is libnats.so.3.14: give the loader that name in
    # a private directory (symlinks to the cargo output) and point rpath there.
    local ldir=$BENCH_OUT/lib-$profile
    mkdir -p "$ldir"
    ln -sf "$libdir/libnats.so" "$ldir/libnats.so"
    ln -sf "$libdir/libnats.so" "$ldir/$(objdump -p "$libdir/libnats.so" | awk '$1 == "SONAME" { print $2 }')"
    local cflags=(-std=gnu99 -O2 -g -Wall -Wextra -Werror)
    gcc "${cflags[@]}" -I"$root/include" "$root/bench/bench.c" -o "$BENCH_OUT/bench-ours" \
        -L"$ldir" -Wl,-rpath,"$ldir" -lnats -lpthread
    if [ -n "${BENCH_CNATS_PREFIX:-}" ]; then
        # Another cnats build, e.g. a 3.14 one for the services cases
        # (cmake --install prefix: include/nats/nats.h, lib/libnats.so).
        gcc "${cflags[@]}" -I"$BENCH_CNATS_PREFIX/include" "$root/bench/bench.c" -o "$BENCH_OUT/bench-cnats" \
            -L"$BENCH_CNATS_PREFIX/lib" -Wl,-rpath,"$BENCH_CNATS_PREFIX/lib" -lnats -lpthread
    else
        gcc "${cflags[@]}" -I/usr/include "$root/bench/bench.c" -o "$BENCH_OUT/bench-cnats" -lnats -lpthread
    fi
    BENCH_OURS=$BENCH_OUT/bench-ours
    BENCH_CNATS=$BENCH_OUT/bench-cnats
    # Make sure each binary loads the library it was built for.
    local vo vc
    vo=$("$BENCH_OURS" version)
    vc=$("$BENCH_CNATS" version)
    log "bench: ours = rnats $vo ($libdir/libnats.so), cnats = $vc (${BENCH_CNATS_PREFIX:-system})"
    if [ "$vo" = "$vc" ]; then
        log "bench: both binaries report version $vo: wrong library loaded?"
        exit 1
    fi
}

nats_server_bin() {
    if [ -n "${NATS_SERVER_BIN:-}" ]; then
        echo "$NATS_SERVER_BIN"
    elif command -v pyenv >/dev/null 2>&1 && pyenv which nats-server >/dev/null 2>&1; then
        pyenv which nats-server
    else
        command -v nats-server || { log "bench: nats-server not found"; exit 1; }
    fi
}

# start_server NAME [extra nats-server args...]  -> prints the port
# The server picks a free port (-p -1); we read it back from its log.
start_server() {
    local name=$1
    shift
    local logf=$bench_tmp/$name.log bin
    bin=$(nats_server_bin)
    "$bin" -a 127.0.0.1 -p -1 -l "$logf" "$@" >/dev/null 2>&1 &
    bench_pids+=($!)
    echo $! > "$bench_tmp/$name.pid"
    local i port=""
    for i in $(seq 1 100); do
        port=$(sed -n 's/.*Listening for client connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$logf" 2>/dev/null | head -1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { log "bench: nats-server did not start:"; cat "$logf" >&2; exit 1; }
    echo "$port"
}

# make_tls_certs DIR: a CA and a server certificate for 127.0.0.1/localhost.
# Returns 1 (with a note) if openssl is not available.
make_tls_certs() {
    local d=$1
    command -v openssl >/dev/null 2>&1 || return 1
    mkdir -p "$d"
    (
        cd "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj "/CN=rnats bench CA" -keyout ca.key -out ca.pem
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -subj "/CN=localhost" -keyout server.key -out server.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile ext.cnf -out server.pem
    ) >/dev/null 2>&1 || return 1
}
