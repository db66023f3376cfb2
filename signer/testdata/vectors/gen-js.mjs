// gen-js.mjs: signs the JS SDK vectors with @aws-sdk/cloudfront-signer and writes
// vectors.json, merged with the aws CLI and openssl records that gen-vectors.sh made.
//
// Usage (gen-vectors.sh runs it): node gen-js.mjs RECORDS.tsv OUT.json
//
// RECORDS.tsv: one vector a line, tab-separated, in this column order:
//   name producer kind key key_pair_id hash form url resource expires not_before ip
//   policy_json signed_url note
// An empty policy_json is filled in here: for canned, the canned JSON rebuilt from
// resource; for custom, the Policy parameter of signed_url decoded (the bytes the tool
// signed). An empty resource of a canned URL vector is taken from signed_url.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getSignedUrl, getSignedCookies } from "@aws-sdk/cloudfront-signer";

const here = path.dirname(fileURLToPath(import.meta.url));
const keysDir = path.join(here, "..", "keys");

export const EXPIRES = 1900000000;
export const NOT_BEFORE = 1800000000;
export const IP = "192.0.2.0/24";
export const RSA_KPID = "K2JCJMDEHXQW5F";
export const EC_KPID = "K3ECDSAEXAMPLE1";
const HOST = "https://d111111abcdef8.cloudfront.net";
const URLS = {
  plain: `${HOST}/movies/1/index.m3u8`,
  query: `${HOST}/movies/1/index.m3u8?v=1&lang=en`,
  percent: `${HOST}/movies/a%20b/seg-1.ts`,
  http: "http://d111111abcdef8.cloudfront.net/movies/1/index.m3u8",
};
const WILDCARD = `${HOST}/movies/1/*`;
// Extra URLs that show how the SDK rewrites a URL before signing it.
const UNNORMALISED = `${HOST}/movies/a b/seg 1.ts?flag&x=a=b&y=%7e+z`;
const WITH_FRAGMENT = `${HOST}/movies/1/index.m3u8#t=10`;

export function cannedPolicy(resource, expires) {
  return `{"Statement":[{"Resource":${JSON.stringify(resource)},"Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

// CloudFront's base64: standard with padding, then + -> -, = -> _, / -> ~
export function cfDecode(s) {
  return Buffer.from(s.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");
}

// Query parameters of a signed URL, in order, without decoding anything.
export function queryParams(u) {
  const q = u.indexOf("?");
  if (q < 0) return [];
  return u
    .slice(q + 1)
    .split("&")
    .map((p) => {
      const i = p.indexOf("=");
      return i < 0 ? [p, ""] : [p.slice(0, i), p.slice(i + 1)];
    });
}
export function param(u, name) {
  const found = queryParams(u).filter(([k]) => k === name);
  return found.length ? found[found.length - 1][1] : undefined;
}

const sdkVersion = JSON.parse(
  fs.readFileSync(path.join(here, "node_modules", "@aws-sdk", "cloudfront-signer", "package.json"), "utf8"),
).version;
const SDK = `@aws-sdk/cloudfront-signer ${sdkVersion}`;

const KEYS = {
  rsa2048: { pem: fs.readFileSync(path.join(keysDir, "rsa2048-pkcs8.pem"), "utf8"), kpid: RSA_KPID },
  "ec-p256": { pem: fs.readFileSync(path.join(keysDir, "ec-p256-pkcs8.pem"), "utf8"), kpid: EC_KPID },
};
const KEY_TAG = { rsa2048: "rsa", "ec-p256": "ec" };

// The SDK reads a number as milliseconds (new Date(n)): pass Date objects.
const asDate = (unix) => new Date(unix * 1000);

function sdkVectors() {
  const out = [];
  const add = (v) => out.push(v);

  // url vectors ------------------------------------------------------------
  const urlVector = ({ variant, key, hash, url, policy, notBefore = 0, ip = "", note }) => {
    const k = KEYS[key];
    const input = { url, keyPairId: k.kpid, privateKey: k.pem };
    if (hash === "SHA256") input.algorithm = "SHA256";
    if (policy !== undefined) {
      input.policy = policy;
    } else {
      input.dateLessThan = asDate(EXPIRES);
      if (notBefore) input.dateGreaterThan = asDate(notBefore);
      if (ip) input.ipAddress = ip;
    }
    const signed = getSignedUrl(input);
    const custom = policy !== undefined || notBefore !== 0 || ip !== "";
    let resource, policyJson;
    if (custom) {
      policyJson = cfDecode(param(signed, "Policy")).toString("utf8");
      resource = JSON.parse(policyJson).Statement[0].Resource;
    } else {
      // the URL the SDK put in the canned policy: what precedes its parameters
      resource = signed.slice(0, signed.lastIndexOf("Expires=") - 1);
      policyJson = cannedPolicy(resource, EXPIRES);
    }
    const v = {
      name: `js-sdk-${KEY_TAG[key]}-${hash.toLowerCase()}-${custom ? "custom" : "canned"}-${variant}`,
      producer: SDK,
      kind: "url",
      key,
      key_pair_id: k.kpid,
      hash,
      form: custom ? "custom" : "canned",
      url,
      resource,
      expires: EXPIRES,
      not_before: notBefore,
      ip,
      policy_json: policyJson,
      signed_url: signed,
    };
    if (note) v.note = note;
    add(v);
  };

  // cookie vectors -----------------------------------------------------------
  const cookieVector = ({ variant, key, hash, url, policy, notBefore = 0, ip = "", note }) => {
    const k = KEYS[key];
    const input = { url, keyPairId: k.kpid, privateKey: k.pem };
    if (hash === "SHA256") input.algorithm = "SHA256";
    if (policy !== undefined) {
      input.policy = policy;
    } else {
      input.dateLessThan = asDate(EXPIRES);
      if (notBefore) input.dateGreaterThan = asDate(notBefore);
      if (ip) input.ipAddress = ip;
    }
    const cookies = getSignedCookies(input);
    const custom = policy !== undefined || notBefore !== 0 || ip !== "";
    let resource, policyJson;
    if (custom) {
      policyJson = cfDecode(cookies["CloudFront-Policy"]).toString("utf8");
      resource = JSON.parse(policyJson).Statement[0].Resource;
    } else {
      resource = url; // getSignedCookies does not rewrite the URL
      policyJson = cannedPolicy(resource, EXPIRES);
    }
    const v = {
      name: `js-sdk-${KEY_TAG[key]}-${hash.toLowerCase()}-cookies-${custom ? "custom" : "canned"}-${variant}`,
      producer: SDK,
      kind: "cookies",
      key,
      key_pair_id: k.kpid,
      hash,
      form: custom ? "custom" : "canned",
      url,
      resource,
      expires: EXPIRES,
      not_before: notBefore,
      ip,
      policy_json: policyJson,
      cookies,
    };
    if (note) v.note = note;
    add(v);
  };

  // A custom policy passed as a string: same shape as a canned one, but its resource is a
  // wildcard and it is applied to a URL under it.
  const wildcardPolicy = cannedPolicy(WILDCARD, EXPIRES);

  // RSA, SHA-1: the same URLs as the CLI vectors
  for (const [variant, url] of Object.entries(URLS)) {
    urlVector({ variant, key: "rsa2048", hash: "SHA1", url });
  }
  urlVector({ variant: "wildcard", key: "rsa2048", hash: "SHA1", url: URLS.plain, policy: wildcardPolicy });
  urlVector({ variant: "dgt-ip", key: "rsa2048", hash: "SHA1", url: URLS.plain, notBefore: NOT_BEFORE, ip: IP });
  urlVector({
    variant: "normalised",
    key: "rsa2048",
    hash: "SHA1",
    url: UNNORMALISED,
    note:
      "getSignedUrl percent-encodes the URL before signing: each path segment is decoded and re-encoded " +
      "(space -> %20), a query key without '=' gets '=', '=' inside a value becomes %3D, %7e becomes %7E, " +
      "'+' is kept. The signed resource is that rewritten URL, not the input.",
  });
  urlVector({
    variant: "fragment",
    key: "rsa2048",
    hash: "SHA1",
    url: WITH_FRAGMENT,
    note:
      "getSignedUrl does not know fragments: the last path segment with its fragment ('index.m3u8#t=10') " +
      "goes through encodeURIComponent ('index.m3u8%23t%3D10'), is signed as part of the resource, and the " +
      "parameters follow it.",
  });
  cookieVector({ variant: "plain", key: "rsa2048", hash: "SHA1", url: URLS.plain });
  cookieVector({ variant: "wildcard", key: "rsa2048", hash: "SHA1", url: URLS.plain, policy: wildcardPolicy });
  cookieVector({ variant: "dgt-ip", key: "rsa2048", hash: "SHA1", url: URLS.plain, notBefore: NOT_BEFORE, ip: IP });

  // RSA, SHA-256 (algorithm: "SHA256")
  urlVector({ variant: "plain", key: "rsa2048", hash: "SHA256", url: URLS.plain });
  urlVector({ variant: "query", key: "rsa2048", hash: "SHA256", url: URLS.query });
  urlVector({ variant: "wildcard", key: "rsa2048", hash: "SHA256", url: URLS.plain, policy: wildcardPolicy });
  urlVector({ variant: "dgt-ip", key: "rsa2048", hash: "SHA256", url: URLS.plain, notBefore: NOT_BEFORE, ip: IP });
  cookieVector({ variant: "plain", key: "rsa2048", hash: "SHA256", url: URLS.plain });
  cookieVector({ variant: "wildcard", key: "rsa2048", hash: "SHA256", url: URLS.plain, policy: wildcardPolicy });

  // ECDSA P-256 (node's createSign("RSA-SHA1"/"RSA-SHA256") signs with any key type)
  urlVector({ variant: "plain", key: "ec-p256", hash: "SHA1", url: URLS.plain });
  urlVector({ variant: "wildcard", key: "ec-p256", hash: "SHA1", url: URLS.plain, policy: wildcardPolicy });
  urlVector({ variant: "plain", key: "ec-p256", hash: "SHA256", url: URLS.plain });
  urlVector({ variant: "query", key: "ec-p256", hash: "SHA256", url: URLS.query });
  urlVector({ variant: "wildcard", key: "ec-p256", hash: "SHA256", url: URLS.plain, policy: wildcardPolicy });
  cookieVector({ variant: "plain", key: "ec-p256", hash: "SHA1", url: URLS.plain });
  cookieVector({ variant: "wildcard", key: "ec-p256", hash: "SHA256", url: URLS.plain, policy: wildcardPolicy });

  return out;
}

function tsvVectors(file) {
  const cols = [
    "name", "producer", "kind", "key", "key_pair_id", "hash", "form", "url", "resource",
    "expires", "not_before", "ip", "policy_json", "signed_url", "note",
  ];
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
  return lines.map((line) => {
    const f = line.split("\t");
    if (f.length !== cols.length) throw new Error(`bad record (${f.length} fields): ${line}`);
    const r = Object.fromEntries(cols.map((c, i) => [c, f[i]]));
    if (r.form === "canned" && r.resource === "") {
      r.resource = r.signed_url.slice(0, r.signed_url.lastIndexOf("Expires=") - 1);
    }
    if (r.policy_json === "") {
      r.policy_json =
        r.form === "canned"
          ? cannedPolicy(r.resource, Number(r.expires))
          : cfDecode(param(r.signed_url, "Policy")).toString("utf8");
    }
    const v = {
      name: r.name,
      producer: r.producer,
      kind: r.kind,
      key: r.key,
      key_pair_id: r.key_pair_id,
      hash: r.hash,
      form: r.form,
      url: r.url,
      resource: r.resource,
      expires: Number(r.expires),
      not_before: Number(r.not_before),
      ip: r.ip,
      policy_json: r.policy_json,
      signed_url: r.signed_url,
    };
    if (r.note) v.note = r.note;
    return v;
  });
}

function main() {
  const [records, outFile] = process.argv.slice(2);
  if (!records || !outFile) {
    console.error("usage: node gen-js.mjs RECORDS.tsv OUT.json");
    process.exit(2);
  }
  const others = tsvVectors(records);
  const vectors = [
    ...others.filter((v) => v.producer.startsWith("aws-cli")),
    ...sdkVectors(),
    ...others.filter((v) => !v.producer.startsWith("aws-cli")),
  ];
  const names = new Set();
  for (const v of vectors) {
    if (names.has(v.name)) throw new Error(`duplicate vector name ${v.name}`);
    names.add(v.name);
  }
  const doc = { generated_by: "signer/testdata/vectors/gen-vectors.sh", vectors };
  fs.writeFileSync(outFile, JSON.stringify(doc, null, 2) + "\n");
  console.log(`gen-js.mjs: wrote ${vectors.length} vectors (${SDK}) to ${outFile}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
