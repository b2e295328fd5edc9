// The JavaScript side of tests/micro_interop.rs: the @nats-io/services
// client (Svcm(nc).client()) discovers a service written with rnats, pings
// it on the three subject forms, reads its INFO and STATS, checks the JSON
// type of every field, and prints what it read as one JSON document for the
// Rust side to compare values.
//
// Usage: node micro_js.cjs URL NAME ID   (run where the packages are installed)
"use strict";
const { connect } = require("@nats-io/transport-node");
const { Svcm } = require("@nats-io/services");

function fail(msg) {
  throw new Error(msg);
}

function isInt(v) {
  return typeof v === "number" && Number.isInteger(v);
}

function isStrMap(v) {
  return (
    v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === "string")
  );
}

function checkStd(d, type, where) {
  for (const k of ["type", "name", "id", "version"]) {
    if (typeof d[k] !== "string") fail(`${where}.${k} is not a string: ${JSON.stringify(d)}`);
  }
  if (!isStrMap(d.metadata)) fail(`${where}.metadata is not a string map: ${JSON.stringify(d)}`);
  if (d.type !== type) fail(`${where}.type is ${d.type}`);
}

async function all(iterPromise) {
  const out = [];
  for await (const x of await iterPromise) out.push(x);
  return out;
}

async function main() {
  const [url, name, id] = process.argv.slice(2);
  const nc = await connect({ servers: url });
  const client = new Svcm(nc).client({ strategy: "stall", maxWait: 3000, stall: 500 });
  const out = {};

  for (const [form, args] of [
    ["all", []],
    ["kind", [name]],
    ["id", [name, id]],
  ]) {
    const pings = await all(client.ping(...args));
    pings.forEach((p, i) => checkStd(p, "io.nats.micro.v1.ping_response", `ping[${form}][${i}]`));
    out[`ping_${form}`] = pings.map((p) => [p.name, p.id, p.version, p.metadata]).sort();
  }

  const infos = await all(client.info(name, id));
  if (infos.length !== 1) fail(`info: ${infos.length} replies`);
  const info = infos[0];
  checkStd(info, "io.nats.micro.v1.info_response", "info");
  if (typeof info.description !== "string") fail("info.description");
  if (!Array.isArray(info.endpoints)) fail("info.endpoints");
  info.endpoints.forEach((e, i) => {
    for (const k of ["name", "subject", "queue_group"]) {
      if (typeof e[k] !== "string") fail(`info.endpoints[${i}].${k}: ${JSON.stringify(e)}`);
    }
    if (!isStrMap(e.metadata)) fail(`info.endpoints[${i}].metadata`);
  });
  out.info = info;

  const stats = await all(client.stats(name, id));
  if (stats.length !== 1) fail(`stats: ${stats.length} replies`);
  const st = stats[0];
  checkStd(st, "io.nats.micro.v1.stats_response", "stats");
  if (typeof st.started !== "string" || isNaN(new Date(st.started).getTime())) {
    fail(`stats.started: ${st.started}`);
  }
  if (!Array.isArray(st.endpoints)) fail("stats.endpoints");
  st.endpoints.forEach((e, i) => {
    for (const k of ["name", "subject", "queue_group", "last_error"]) {
      if (typeof e[k] !== "string") fail(`stats.endpoints[${i}].${k}: ${JSON.stringify(e)}`);
    }
    for (const k of ["num_requests", "num_errors", "processing_time", "average_processing_time"]) {
      if (!isInt(e[k])) fail(`stats.endpoints[${i}].${k} is not an integer: ${JSON.stringify(e)}`);
    }
  });
  out.stats = st;
  out.started_ms = new Date(st.started).getTime();

  await nc.close();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
