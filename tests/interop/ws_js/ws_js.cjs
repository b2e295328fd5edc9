// The JavaScript side of tests/ws_interop_js.rs: the NATS JavaScript client
// (@nats-io/nats-core's wsconnect, over the `ws` package's WebSocket when
// node has no global one) on the same nats-server WebSocket listener as
// rnats. It receives COUNT messages (with headers) on interop.to_js, then
// sends COUNT messages (with headers) on interop.to_rust, answers requests
// on interop.svc, and on a request to interop.done prints what it received
// as one JSON document and exits.
//
// Usage: node ws_js.cjs WS_URL COUNT   (run where the packages are installed)
"use strict";
if (typeof globalThis.WebSocket === "undefined") {
  globalThis.WebSocket = require("ws");
}
const { wsconnect, headers } = require("@nats-io/nats-core");

async function main() {
  const [url, countText] = process.argv.slice(2);
  const count = Number(countText);
  const nc = await wsconnect({ servers: url, timeout: 10000 });
  const received = [];
  const gotAll = new Promise((resolve) => {
    const sub = nc.subscribe("interop.to_js", { max: count });
    (async () => {
      for await (const m of sub) {
        received.push({
          data: m.string(),
          hdr: m.headers ? m.headers.get("X-From") : null,
        });
      }
      resolve();
    })();
  });
  const svc = nc.subscribe("interop.svc");
  (async () => {
    for await (const m of svc) {
      m.respond("js:" + m.string());
    }
  })();
  const done = nc.subscribe("interop.done", { max: 1 });
  await nc.flush();
  process.stdout.write("READY\n");
  await gotAll;
  for (let i = 0; i < count; i++) {
    const h = headers();
    h.set("X-From", "javascript");
    nc.publish("interop.to_rust", "from js " + i, { headers: h });
  }
  await nc.flush();
  for await (const m of done) {
    m.respond("bye");
  }
  await nc.flush();
  process.stdout.write(JSON.stringify({ received }) + "\n");
  await nc.close();
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
