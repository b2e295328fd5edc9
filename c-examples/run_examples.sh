#!/usr/bin/env bash
# Builds the C examples against target/debug and checks them against a
# nats-server started on a free port:
#   subscriber (async and -sync) + publisher deliver all messages,
#   requestor gets the replier's answers, requestor alone reports
#   "no responders", a two-member queue group splits the messages,
#   headers round-trip, micro-calc serves a group of endpoints with an
#   error case; against a second, JetStream-enabled server
#   (-js -sd <tmp>): js-stream creates, fills, lists, reads, updates,
#   purges and deletes a stream; obj-put-get puts a file in an object
#   store and gets it back intact; js-pub-sync stores every message, sees a
#   failed expectation and a duplicate; js-pub-async gets every ack;
#   js-push (async and -sync), js-fetch, js-pull-async and js-ordered
#   consume and acknowledge; kv-config-watch follows a configuration in a
#   Key/Value bucket (initial values, CAS updates, a delete, history);
#   with libuv / libevent installed, the libuv subscriber receives what the
#   libevent publisher sends (c-examples/evloop, rnats' adapters).
# VALGRIND=1 runs every example under valgrind (errors fail the run).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
W="$(mktemp -d)"
NSPID=""
JSPID=""
cleanup() {
    [ -n "$NSPID" ] && kill "$NSPID" 2>/dev/null
    [ -n "$JSPID" ] && kill "$JSPID" 2>/dev/null && wait "$JSPID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT

cargo build --lib --quiet || exit 1
ln -s "$ROOT/target/debug/libnats.so" "$W/libnats.so.3.14"
for f in c-examples/*.c; do
    gcc -std=c99 -Wall -Wextra -Werror -I include "$f" -L target/debug -lnats -o "$W/$(basename "$f" .c)" || exit 1
done
# Event-loop examples (rnats' adapters), when libuv / libevent are installed.
EVLOOP=0
if [ -f /usr/include/uv.h ] && [ -f /usr/include/event2/event.h ]; then
    EVLOOP=1
    gcc -std=c99 -Wall -Wextra -Werror -I include c-examples/evloop/libuv-subscriber.c -L target/debug -lnats -luv \
        -o "$W/libuv-subscriber" || exit 1
    gcc -std=c99 -Wall -Wextra -Werror -I include c-examples/evloop/libevent-publisher.c -L target/debug -lnats \
        -levent -levent_pthreads -lpthread -o "$W/libevent-publisher" || exit 1
fi
export LD_LIBRARY_PATH="$W${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
VG=()
[ "${VALGRIND:-0}" = 1 ] && VG=(valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=9)

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
NS="$(command -v pyenv >/dev/null 2>&1 && pyenv which nats-server 2>/dev/null || command -v nats-server)"
"$NS" -a 127.0.0.1 -p "$PORT" >"$W/server.log" 2>&1 &
NSPID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
U="nats://127.0.0.1:$PORT"

failures=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
ready() { for _ in $(seq 600); do grep -q Listening "$1" && return 0; kill -0 "$2" 2>/dev/null || return 1; sleep 0.1; done; return 1; }
run() { "${VG[@]}" "$W/$@"; }

# async subscriber (with a dead server first in its list) + publisher
run subscriber -s "nats://127.0.0.1:1,$U" -subj ex.async -count 10 -wait 60 >"$W/sub1" 2>&1 & P=$!
ready "$W/sub1" $P; run publisher -s "$U" -subj ex.async -count 10 -txt hi >"$W/pub1" 2>&1; r1=$?
wait $P; r2=$?
check "async subscriber gets 10/10" '[ $r1 = 0 ] && [ $r2 = 0 ] && [ "$(grep -c "Received on .ex.async.: .hi." "$W/sub1")" = 10 ]'

# sync subscriber + publisher
run subscriber -s "$U" -subj ex.sync -count 5 -sync -wait 60 >"$W/sub2" 2>&1 & P=$!
ready "$W/sub2" $P; run publisher -s "$U" -subj ex.sync -count 5 >"$W/pub2" 2>&1; r1=$?
wait $P; r2=$?
check "sync subscriber gets 5/5" '[ $r1 = 0 ] && [ $r2 = 0 ] && [ "$(grep -c "Received on .ex.sync." "$W/sub2")" = 5 ]'

# request / reply
run replier -s "$U" -subj ex.help -count 3 -wait 60 >"$W/rep" 2>&1 & P=$!
ready "$W/rep" $P; run requestor -s "$U" -subj ex.help -count 3 -txt please -timeout 10000 >"$W/req" 2>&1; r1=$?
wait $P; r2=$?
check "requestor gets 3 replies" '[ $r1 = 0 ] && [ $r2 = 0 ] && [ "$(grep -c "Received reply #.: .reply to: please." "$W/req")" = 3 ]'

# no responders
run requestor -s "$U" -subj ex.nobody >"$W/nr" 2>&1; r1=$?
check "requestor alone reports no responders" '[ $r1 = 1 ] && grep -q "no responders" "$W/nr"'

# queue group of two
run queuegroup -s "$U" -subj ex.q -q workers -n 2 -count 200 -wait 120 >"$W/qg" 2>&1 & P=$!
ready "$W/qg" $P; run publisher -s "$U" -subj ex.q -count 200 >"$W/pub3" 2>&1; r1=$?
wait $P; r2=$?
m1=$(grep -c "^Member 1 received" "$W/qg"); m2=$(grep -c "^Member 2 received" "$W/qg")
check "queue group splits 200 messages ($m1/$m2)" '[ $r1 = 0 ] && [ $r2 = 0 ] && [ $m1 -gt 0 ] && [ $m2 -gt 0 ] && [ $((m1 + m2)) = 200 ]'

# headers
run headers -s "$U" -subj ex.hdrs -count 3 >"$W/hdr" 2>&1; r1=$?
check "headers round-trip" '[ $r1 = 0 ] && grep -q "intact" "$W/hdr"'

# services: the calculator serves its group's endpoints and answers its
# own client, with a service error (code 400) for a division by zero
run micro-calc -s "$U" -subj ex.calc >"$W/micro" 2>&1; r1=$?
check "micro-calc serves add/div with a 400 error case" '[ $r1 = 0 ] \
    && grep -q "^add(2 3) = 5$" "$W/micro" \
    && grep -q "^div(10 4) = 2.5$" "$W/micro" \
    && grep -q "^div(1 0) -> error: code 400: division by zero (1 / 0)$" "$W/micro" \
    && grep -q "^add(two three) -> error: code 400: expected two numbers" "$W/micro" \
    && grep -q "^Endpoint add (ex.calc.add): 2 requests, 1 errors" "$W/micro" \
    && grep -q "^Endpoint div (ex.calc.div): 2 requests, 1 errors" "$W/micro" \
    && grep -q "^Service stopped$" "$W/micro"'

# event loops: a libuv subscriber gets what a libevent publisher sends
if [ $EVLOOP = 1 ]; then
    run libuv-subscriber -s "$U" -subj ex.loop -count 20 -wait 60 >"$W/subuv" 2>&1 & P=$!
    ready "$W/subuv" $P; run libevent-publisher -s "$U" -subj ex.loop -count 20 -txt looped >"$W/pubev" 2>&1; r1=$?
    wait $P; r2=$?
    check "libuv subscriber gets 20/20 from the libevent publisher" '[ $r1 = 0 ] && [ $r2 = 0 ] \
        && [ "$(grep -c "Received on .ex.loop.: .looped." "$W/subuv")" = 20 ] \
        && grep -q "^Received 20 message(s)$" "$W/subuv" && grep -q "^Published 20 message(s)$" "$W/pubev"'
else
    echo "skip event-loop examples (libuv1-dev / libevent-dev not installed)"
fi

# a server that is not there
run publisher -s nats://127.0.0.1:1 >"$W/bad" 2>&1; r1=$?
check "publisher reports a missing server" '[ $r1 = 1 ] && grep -q "No server available" "$W/bad"'

# JetStream: stream management against a JetStream server of its own.
JPORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$NS" -a 127.0.0.1 -p "$JPORT" -js -sd "$W/jsstore" >"$W/jsserver.log" 2>&1 &
JSPID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$JPORT") 2>/dev/null && break; sleep 0.1; done
JU="nats://127.0.0.1:$JPORT"
run js-stream -s "$JU" -subj ex.orders -count 10 >"$W/jsstream" 2>&1; r1=$?
check "js-stream manages a stream" '[ $r1 = 0 ] \
    && grep -q "Stream EXAMPLE (after storing): 10 messages" "$W/jsstream" \
    && grep -q "Message 1 on .ex.orders.odd.: .message 1." "$W/jsstream" \
    && grep -q "Last message on .ex.orders.odd.: .message 9." "$W/jsstream" \
    && grep -q "Stream EXAMPLE (updated): 5 messages" "$W/jsstream" \
    && grep -q "Consumer example-worker on EXAMPLE: 2 messages pending" "$W/jsstream" \
    && grep -q "Stream EXAMPLE (after purging the odd subject): 3 messages" "$W/jsstream" \
    && grep -q "Stream EXAMPLE deleted" "$W/jsstream"'

# Object store (same JetStream server): put a 400 KB file, get it back
# into another file (digest checked by the library), compare the bytes.
head -c 409600 /dev/urandom >"$W/obj-input.bin"
run obj-put-get -s "$JU" -f "$W/obj-input.bin" -o "$W/obj-output.bin" >"$W/objpg" 2>&1; r1=$?
check "obj-put-get puts a file and gets it back intact" '[ $r1 = 0 ] \
    && grep -q "bytes in 4 chunk(s), digest SHA-256=" "$W/objpg" \
    && grep -q "Read 409600 bytes in 4 chunk(s)" "$W/objpg" \
    && grep -q "Bucket EXAMPLE_FILES deleted" "$W/objpg" \
    && cmp -s "$W/obj-input.bin" "$W/obj-output.bin"'

# JetStream publishing (same JetStream server): sync acks, a refused
# expectation, a duplicate message id; async with every ack received.
run js-pub-sync -s "$JU" -subj ex.js.sync -count 5 >"$W/jss" 2>&1; r1=$?
check "js-pub-sync stores 5 messages, refuses an expectation, sees a duplicate" \
    '[ $r1 = 0 ] && grep -q "Published 5 message(s), last sequence 5" "$W/jss" && grep -q "jsErrCode 10071" "$W/jss" && grep -q "duplicate=true" "$W/jss"'
run js-pub-async -s "$JU" -subj ex.js.async -count 2000 >"$W/jsa" 2>&1; r1=$?
check "js-pub-async gets 2000/2000 acks" '[ $r1 = 0 ] && grep -q "Acknowledged: 2000, failed: 0" "$W/jsa"'

# JetStream consuming: push (async auto-ack, sync manual ack), fetch, async
# pull, ordered; each example makes and deletes its own stream.
run js-push -s "$JU" -count 10 >"$W/jspush" 2>&1; r1=$?
check "js-push receives and acks 10 (async)" '[ $r1 = 0 ] \
    && [ "$(grep -c "^Received .event [0-9]*. (stream seq" "$W/jspush")" = 10 ] \
    && grep -q "Received 10 message(s) (async); consumer pusher: 10 acknowledged, 0 awaiting an ack" "$W/jspush" \
    && grep -q "Consumer pusher deleted" "$W/jspush"'
run js-push -s "$JU" -count 5 -sync >"$W/jspushsync" 2>&1; r1=$?
check "js-push receives and acks 5 (sync)" '[ $r1 = 0 ] \
    && grep -q "Received 5 message(s) (sync); consumer pusher: 5 acknowledged, 0 awaiting an ack" "$W/jspushsync"'
run js-fetch -s "$JU" -count 12 -timeout 500 >"$W/jsfetch" 2>&1; r1=$?
check "js-fetch fetches 12 in batches of 5, 5, 2" '[ $r1 = 0 ] \
    && [ "$(grep -c "^Batch of" "$W/jsfetch")" = 3 ] && grep -q "^Batch of 2 message" "$W/jsfetch" \
    && grep -q "Fetched .job 12.: stream seq 12, consumer seq 12, delivered 1 time(s), 0 pending" "$W/jsfetch" \
    && grep -q "No more messages" "$W/jsfetch" \
    && grep -q "Fetched 12 message(s); consumer fetcher: 12 acknowledged, 0 awaiting an ack" "$W/jsfetch"'
run js-pull-async -s "$JU" -count 10 >"$W/jspullasync" 2>&1; r1=$?
check "js-pull-async delivers 10 then ends" '[ $r1 = 0 ] \
    && [ "$(grep -c "^Received .task [0-9]*. (acknowledged)" "$W/jspullasync")" = 10 ] \
    && grep -q "Pull subscription ended: Maximum Messages Delivered" "$W/jspullasync"'
run js-ordered -s "$JU" -count 200 >"$W/jsordered" 2>&1; r1=$?
check "js-ordered reads 200 in order" '[ $r1 = 0 ] && grep -q "Received 200 message(s) of 200, 0 out of order" "$W/jsordered"'

# Key/Value: a configuration watcher (same JetStream server).
run kv-config-watch -s "$JU" -count 3 >"$W/jskv" 2>&1; r1=$?
check "kv-config-watch follows the configuration" '[ $r1 = 0 ] \
    && grep -q "^app.name = demo (revision 1)" "$W/jskv" \
    && grep -q "^app.level = 0 (revision 2)" "$W/jskv" \
    && grep -q "^Initial configuration loaded (2 setting(s))" "$W/jskv" \
    && grep -q "^app.level = 3 (revision 5)" "$W/jskv" \
    && grep -q "^Update from stale revision 4: Error (.*wrong last sequence" "$W/jskv" \
    && grep -q "^app.name removed (revision 6)" "$W/jskv" \
    && grep -q "^History of app.level: 0 1 2 3" "$W/jskv" \
    && grep -q "^Bucket CONFIG deleted" "$W/jskv"'

if [ $failures -gt 0 ]; then
    for f in "$W"/sub* "$W"/pub* "$W"/rep "$W"/req "$W"/nr "$W"/qg "$W"/hdr "$W"/micro "$W"/bad "$W"/js*; do echo "--- $f"; cat "$f"; done
fi
echo "$failures example check(s) failed"
[ $failures = 0 ]
