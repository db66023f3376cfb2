// check-vectors.mjs: structural checks of vectors.json, and extraction of each vector's
// signed bytes and signature for gen-vectors.sh to verify with openssl.
// Uses no SDK: only node's standard library.
//
// Usage: node check-vectors.mjs VECTORS.json WORKDIR
// Writes WORKDIR/N.policy (policy_json bytes), WORKDIR/N.sig (decoded signature) and
// WORKDIR/list.tsv (N, name, hash, key), and exits non-zero on the first problem.
import fs from "node:fs";
import path from "node:path";

const [file, work] = process.argv.slice(2);
if (!file || !work) {
  console.error("usage: node check-vectors.mjs VECTORS.json WORKDIR");
  process.exit(2);
}

const problems = [];
const fail = (name, msg) => problems.push(`${name}: ${msg}`);

const cannedPolicy = (resource, expires) =>
  `{"Statement":[{"Resource":${JSON.stringify(resource)},"Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
const cfDecode = (s) => Buffer.from(s.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");
const cfEncode = (b) => b.toString("base64").replace(/\+/g, "-").replace(/=/g, "_").replace(/\//g, "~");
const params = (u) => {
  const q = u.indexOf("?");
  if (q < 0) return new Map();
  const m = new Map();
  for (const p of u.slice(q + 1).split("&")) {
    const i = p.indexOf("=");
    const k = i < 0 ? p : p.slice(0, i);
    if (["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"].includes(k) && m.has(k)) {
      m.set(k, null); // duplicated signing parameter
    } else {
      m.set(k, i < 0 ? "" : p.slice(i + 1));
    }
  }
  return m;
};

const doc = JSON.parse(fs.readFileSync(file, "utf8"));
if (doc.generated_by !== "signer/testdata/vectors/gen-vectors.sh") fail("document", "generated_by");
if (!Array.isArray(doc.vectors) || doc.vectors.length === 0) fail("document", "no vectors");

fs.mkdirSync(work, { recursive: true });
const list = [];
const names = new Set();
const byName = new Map();
const sigs = new Map(); // name -> signature string (CloudFront base64)

doc.vectors.forEach((v, i) => {
  const n = v.name ?? `#${i}`;
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(n)) fail(n, "name is not kebab-case");
  if (names.has(n)) fail(n, "duplicate name");
  names.add(n);
  byName.set(n, v);
  if (!/^(aws-cli \d+\.\d+\.\d+|@aws-sdk\/cloudfront-signer \d+\.\d+\.\d+|openssl \d+\.\d+\.\d+)$/.test(v.producer ?? "")) fail(n, `producer ${v.producer}`);
  if (!["url", "cookies"].includes(v.kind)) fail(n, "kind");
  if (!["rsa2048", "ec-p256"].includes(v.key)) fail(n, "key");
  if (v.key_pair_id !== (v.key === "rsa2048" ? "K2JCJMDEHXQW5F" : "K3ECDSAEXAMPLE1")) fail(n, "key_pair_id");
  if (!["SHA1", "SHA256"].includes(v.hash)) fail(n, "hash");
  if (!["canned", "custom"].includes(v.form)) fail(n, "form");
  for (const f of ["url", "resource", "ip", "policy_json"]) if (typeof v[f] !== "string") fail(n, `${f} is not a string`);
  for (const f of ["expires", "not_before"]) if (!Number.isInteger(v[f])) fail(n, `${f} is not an integer`);
  if (v.expires !== 1900000000) fail(n, "expires");

  // what the producer emitted
  let sig, kpid, hashAlg, expires, policy;
  if (v.kind === "url") {
    if (typeof v.signed_url !== "string") return fail(n, "no signed_url");
    if ("cookies" in v) fail(n, "url vector with cookies");
    const p = params(v.signed_url);
    for (const [k, val] of p) if (val === null) fail(n, `parameter ${k} appears twice`);
    sig = p.get("Signature");
    kpid = p.get("Key-Pair-Id");
    hashAlg = p.get("Hash-Algorithm");
    expires = p.get("Expires");
    policy = p.get("Policy");
    if (v.form === "canned" && !(v.signed_url.startsWith(v.resource + "?") || v.signed_url.startsWith(v.resource + "&"))) {
      fail(n, "signed_url does not start with the canned resource");
    }
  } else {
    if (!v.cookies || typeof v.cookies !== "object") return fail(n, "no cookies");
    if ("signed_url" in v) fail(n, "cookies vector with signed_url");
    const c = v.cookies;
    const known = ["CloudFront-Key-Pair-Id", "CloudFront-Signature", "CloudFront-Expires", "CloudFront-Policy", "CloudFront-Hash-Algorithm"];
    for (const k of Object.keys(c)) if (!known.includes(k)) fail(n, `unknown cookie ${k}`);
    sig = c["CloudFront-Signature"];
    kpid = c["CloudFront-Key-Pair-Id"];
    hashAlg = c["CloudFront-Hash-Algorithm"];
    expires = c["CloudFront-Expires"] === undefined ? undefined : String(c["CloudFront-Expires"]);
    policy = c["CloudFront-Policy"];
  }
  if (!sig || !/^[A-Za-z0-9~_-]+$/.test(sig)) return fail(n, "missing or malformed signature");
  if (kpid !== v.key_pair_id) fail(n, `Key-Pair-Id ${kpid}`);
  if (v.hash === "SHA256" ? hashAlg !== "SHA256" : hashAlg !== undefined) fail(n, `Hash-Algorithm ${hashAlg}`);

  if (v.form === "canned") {
    if (expires !== String(v.expires)) fail(n, `Expires ${expires}`);
    if (policy !== undefined) fail(n, "canned vector with a Policy");
    if (v.policy_json !== cannedPolicy(v.resource, v.expires)) fail(n, "policy_json is not the canned policy of resource");
    if (v.not_before !== 0 || v.ip !== "") fail(n, "canned vector with not_before or ip");
  } else {
    if (expires !== undefined) fail(n, "custom vector with Expires");
    if (policy === undefined) return fail(n, "custom vector without Policy");
    if (cfDecode(policy).toString("utf8") !== v.policy_json) fail(n, "Policy does not decode to policy_json");
    if (cfEncode(Buffer.from(v.policy_json, "utf8")) !== policy) fail(n, "Policy is not the CloudFront base64 of policy_json");
    let pj;
    try {
      pj = JSON.parse(v.policy_json);
    } catch (e) {
      return fail(n, `policy_json is not JSON: ${e.message}`);
    }
    if (pj.Statement?.length !== 1) fail(n, "policy must have one statement");
    const st = pj.Statement[0];
    if (st.Resource !== v.resource) fail(n, "policy Resource differs from resource");
    if (st.Condition?.DateLessThan?.["AWS:EpochTime"] !== v.expires) fail(n, "policy DateLessThan");
    const dgt = st.Condition?.DateGreaterThan?.["AWS:EpochTime"];
    if ((dgt ?? 0) !== v.not_before) fail(n, "policy DateGreaterThan differs from not_before");
    const ip = st.Condition?.IpAddress?.["AWS:SourceIp"];
    if ((ip ?? "") !== v.ip) fail(n, "policy IpAddress differs from ip");
  }

  sigs.set(n, sig);
  fs.writeFileSync(path.join(work, `${i}.policy`), Buffer.from(v.policy_json, "utf8"));
  fs.writeFileSync(path.join(work, `${i}.sig`), cfDecode(sig));
  list.push(`${i}\t${n}\t${v.hash}\t${v.key}`);
});

// RSA PKCS#1 v1.5 is deterministic: one key, one hash and the same bytes give one signature,
// whoever made it. This compares the CLI, the SDK and openssl with each other.
const seen = new Map();
for (const v of doc.vectors) {
  if (v.key !== "rsa2048" || !sigs.has(v.name)) continue;
  const k = `${v.hash}\n${v.policy_json}`;
  if (seen.has(k) && sigs.get(seen.get(k)) !== sigs.get(v.name)) {
    fail(v.name, `RSA signature differs from ${seen.get(k)} over the same bytes`);
  }
  if (!seen.has(k)) seen.set(k, v.name);
}
// The pairs that must be there for that comparison to mean anything.
const pairs = [
  ["aws-cli-rsa-sha1-canned-plain", "js-sdk-rsa-sha1-canned-plain"],
  ["aws-cli-rsa-sha1-canned-query", "js-sdk-rsa-sha1-canned-query"],
  ["aws-cli-rsa-sha1-canned-percent", "js-sdk-rsa-sha1-canned-percent"],
  ["aws-cli-rsa-sha1-canned-http", "js-sdk-rsa-sha1-canned-http"],
  ["openssl-rsa-sha1-canned-plain", "aws-cli-rsa-sha1-canned-plain"],
  ["openssl-rsa-sha256-canned-plain", "js-sdk-rsa-sha256-canned-plain"],
  ["openssl-rsa-sha256-canned-query", "js-sdk-rsa-sha256-canned-query"],
  ["openssl-rsa-sha256-custom-wildcard", "js-sdk-rsa-sha256-custom-wildcard"],
  ["openssl-rsa-sha1-custom-wildcard", "js-sdk-rsa-sha1-custom-wildcard"],
];
for (const [a, b] of pairs) {
  if (!byName.has(a) || !byName.has(b)) {
    fail(a, `cross-check pair ${a} / ${b} is missing`);
    continue;
  }
  if (byName.get(a).policy_json !== byName.get(b).policy_json) fail(a, `signs other bytes than ${b}`);
  if (sigs.get(a) !== sigs.get(b)) fail(a, `signature differs from ${b}`);
}

fs.writeFileSync(path.join(work, "list.tsv"), list.join("\n") + "\n");
if (problems.length) {
  for (const p of problems) console.error(`check-vectors.mjs: ${p}`);
  process.exit(1);
}
console.log(`check-vectors.mjs: ${doc.vectors.length} vectors well-formed; ${pairs.length} cross-producer pairs agree`);
