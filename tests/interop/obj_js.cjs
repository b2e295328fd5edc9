// The JavaScript side of tests/obj_interop.rs: @nats-io/obj reads the
// objects rnats put (content hash, digest, size, description, metadata,
// links), checks a deleted one is gone, then puts objects of its own, links
// to one, renames one rnats put and deletes another. Prints one JSON
// document for the Rust side. Objects are read by ASCII names only:
// @nats-io/obj 3.4.0 encodes names with btoa() (see tests/obj_interop.rs);
// the unicode names still come back through list().
//
// Usage: node obj_js.cjs URL BUCKET   (run where the packages are installed)
"use strict";
const crypto = require("node:crypto");
const { connect } = require("@nats-io/transport-node");
const { Objm } = require("@nats-io/obj");

function pattern(n) {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 7 + 3) % 251;
  return a;
}

async function main() {
  const [url, bucket] = process.argv.slice(2);
  const nc = await connect({ servers: url });
  const os = await new Objm(nc).open(bucket);
  const out = { objects: {} };
  for (const name of ["hello world.txt", "empty", "link to hello"]) {
    const info = await os.info(name);
    const data = await os.getBlob(name);
    out.objects[name] = {
      sha256: crypto.createHash("sha256").update(data).digest("hex"),
      len: data.length,
      digest: info.digest,
      size: info.size,
      chunks: info.chunks,
      description: info.description ?? null,
      metadata: info.metadata ?? null,
      link: info.options?.link ?? null,
    };
  }
  out.gone = (await os.getBlob("gone")) === null ? "null" : "found";
  out.list = (await os.list()).filter((i) => !i.deleted).map((i) => i.name).sort();
  out.has_unicode = out.list.includes("ünï cødé ✓ big");

  const big = await os.putBlob(
    { name: "from js big", description: "js made", metadata: { "made-by": "js" } },
    pattern(300000),
  );
  out.put_digest = big.digest;
  await os.putBlob({ name: "from js empty" }, new Uint8Array(0));
  await os.link("js link to big", big);
  await os.update("rename me", { name: "renamed by js" });
  await os.delete("delete me from js");
  await nc.close();
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
