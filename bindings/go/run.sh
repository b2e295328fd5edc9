#!/usr/bin/env bash
# Builds and tests the Go (cgo) binding against an installed rnats, found
# through pkg-config, then runs the example against a private nats-server.
#
#   usage: bindings/go/run.sh <install prefix>
#
# Needs Debian's golang-go (standard library only; no module downloads:
# GOPROXY=off, GOFLAGS=-mod=mod with an empty require list).
set -euo pipefail

prefix=$(cd "${1:?usage: $0 <install prefix>}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
libdir=$(dirname "$(ls -d "$prefix"/lib*/pkgconfig | head -n1)")

export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export CGO_ENABLED=1 GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local
export CGO_LDFLAGS="-Wl,-rpath,$libdir${CGO_LDFLAGS:+ $CGO_LDFLAGS}"

cd "$here"
go version
test -z "$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
go vet ./...
go test -count=1 -v ./... 2>&1 | tee "${TMPDIR:-/tmp}/natsgo-test.log" | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic)' || true
grep -qE '^ok ' "${TMPDIR:-/tmp}/natsgo-test.log" || { cat "${TMPDIR:-/tmp}/natsgo-test.log"; exit 1; }
rm -f "${TMPDIR:-/tmp}/natsgo-test.log"

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/natsgo-example" ./cmd/natsgo-example
readelf -d "$bin/natsgo-example" | grep -q 'NEEDED.*\[libnats\.so\.3\.14\]'
bash "$here/../../tests/with-nats-server.sh" "$bin/natsgo-example"
