#!/usr/bin/env bash
# Regenerates vectors.json: CloudFront signed URLs and cookies made by signers other
# than cfhls (the aws CLI, the AWS JS SDK's @aws-sdk/cloudfront-signer, and openssl by
# hand), then checks every vector with openssl and fails if one does not verify.
#
# Usage: ./gen-vectors.sh          # regenerate vectors.json, then check it
#        ./gen-vectors.sh --check  # only check the committed vectors.json
#
# Installs what it needs: Debian's awscli (apt-get, as root) when /usr/bin/aws is
# missing, and the pinned SDK with `npm ci` here. It never touches ../keys/: the keys
# are fixed once committed (../keys/gen-keys.sh made them).
# RSA vectors come out the same on every run; ECDSA signatures are randomized, so the
# ECDSA vectors change on each run (each still verifies).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
KEYS="$HERE/../keys"
cd "$HERE"

MODE=generate
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

die() { echo "gen-vectors.sh: $*" >&2; exit 1; }

command -v openssl >/dev/null || die "openssl is required"
command -v node >/dev/null || die "node (20 or newer) is required"
for f in rsa2048-pkcs8.pem rsa2048-pkcs1.pem rsa2048-pub-pkix.pem ec-p256-pkcs8.pem ec-p256-pub.pem; do
  [[ -s "$KEYS/$f" ]] || die "missing $KEYS/$f (the committed test keys; see ../keys/README.md)"
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# ---- check: every vector verifies with openssl ----------------------------------
check() {
  local vectors=$1 n name hash key pub out
  node "$HERE/check-vectors.mjs" "$vectors" "$WORK/check"
  local count=0
  while IFS=$'\t' read -r n name hash key; do
    case "$key" in
      rsa2048) pub="$KEYS/rsa2048-pub-pkix.pem" ;;
      ec-p256) pub="$KEYS/ec-p256-pub.pem" ;;
      *) die "$name: unknown key $key" ;;
    esac
    case "$hash" in
      SHA1) hash=-sha1 ;;
      SHA256) hash=-sha256 ;;
      *) die "$name: unknown hash $hash" ;;
    esac
    out="$(openssl dgst "$hash" -verify "$pub" -signature "$WORK/check/$n.sig" "$WORK/check/$n.policy" 2>&1 || true)"
    [[ "$out" == "Verified OK" ]] || die "$name does not verify with openssl: $out"
    # the same signature over other bytes must not verify (the check means something)
    printf ' ' >>"$WORK/check/$n.policy"
    out="$(openssl dgst "$hash" -verify "$pub" -signature "$WORK/check/$n.sig" "$WORK/check/$n.policy" 2>&1 || true)"
    [[ "$out" != "Verified OK" ]] || die "$name verifies over altered bytes"
    count=$((count + 1))
  done <"$WORK/check/list.tsv"
  echo "gen-vectors.sh: openssl verified all $count vectors in $(basename "$vectors")"
}

if [[ "$MODE" == check ]]; then
  check "$HERE/vectors.json"
  exit 0
fi

# ---- constants ---------------------------------------------------------------------
EXPIRES=1900000000
NOT_BEFORE=1800000000
IP=192.0.2.0/24
RSA_KPID=K2JCJMDEHXQW5F
EC_KPID=K3ECDSAEXAMPLE1
HOST=https://d111111abcdef8.cloudfront.net
URL_PLAIN="$HOST/movies/1/index.m3u8"
URL_QUERY="$HOST/movies/1/index.m3u8?v=1&lang=en"
URL_PERCENT="$HOST/movies/a%20b/seg-1.ts"
URL_HTTP="http://d111111abcdef8.cloudfront.net/movies/1/index.m3u8"
URL_WILDCARD="$HOST/movies/1/*"
URL_RAW="$HOST/movies/a b/seg 1.ts?flag&x=a=b&y=%7e+z"

RECORDS="$WORK/records.tsv"
: >"$RECORDS"
# record NAME PRODUCER KIND KEY KPID HASH FORM URL RESOURCE EXPIRES NOT_BEFORE IP POLICY_JSON SIGNED_URL NOTE
# (an empty RESOURCE or POLICY_JSON is derived by gen-js.mjs from SIGNED_URL)
record() {
  [[ $# -eq 15 ]] || die "record: $# fields"
  local f
  for f in "$@"; do
    [[ "$f" != *$'\t'* && "$f" != *$'\n'* ]] || die "record $1: a field holds a tab or newline"
  done
  (IFS=$'\t'; printf '%s\n' "$*") >>"$RECORDS"
}

# ---- the aws CLI ---------------------------------------------------------------------
# Debian's awscli package (CLI v2) is wanted; another `aws` on PATH (e.g. CLI v1 from
# pip) is only a fallback when the Debian one is missing and cannot be installed.
if ! /usr/bin/aws --version >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "gen-vectors.sh: installing Debian's awscli" >&2
    apt-get install -y awscli >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y awscli >/dev/null; } || true
  fi
fi
if /usr/bin/aws --version >/dev/null 2>&1; then
  AWS=/usr/bin/aws
elif command -v aws >/dev/null && aws --version >/dev/null 2>&1; then
  AWS="$(command -v aws)"
  echo "gen-vectors.sh: warning: Debian's awscli is unavailable; using $AWS" >&2
else
  die "no working aws CLI (apt-get install -y awscli)"
fi
# "aws-cli/2.9.19 Python/3.11.2 ..." -> "aws-cli 2.9.19"
AWS_VERSION="$("$AWS" --version 2>&1 | sed -n 's|^aws-cli/\([0-9][0-9.]*\) .*|\1|p' | head -n 1)"
[[ -n "$AWS_VERSION" ]] || die "cannot read the aws CLI version"
CLI="aws-cli $AWS_VERSION"
echo "gen-vectors.sh: $CLI at $AWS" >&2

# `aws cloudfront sign` runs locally; keep it from reading any profile or config.
cfsign() {
  env AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" \
    AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 \
    "$AWS" cloudfront sign --key-pair-id "$RSA_KPID" --date-less-than "$EXPIRES" "$@"
}
# CLI v1 reads only PKCS#1 keys; CLI v2 reads both. Use PKCS#8 when it works.
CLI_KEY="file://$KEYS/rsa2048-pkcs8.pem"
if ! cfsign --url "$URL_PLAIN" --private-key "$CLI_KEY" >/dev/null 2>&1; then
  CLI_KEY="file://$KEYS/rsa2048-pkcs1.pem"
  echo "gen-vectors.sh: $CLI cannot read a PKCS#8 key; signing with the PKCS#1 copy" >&2
elif [[ "$(cfsign --url "$URL_PLAIN" --private-key "$CLI_KEY")" != "$(cfsign --url "$URL_PLAIN" --private-key "file://$KEYS/rsa2048-pkcs1.pem")" ]]; then
  die "$CLI signs differently with the PKCS#1 and PKCS#8 copies of one key"
fi

cli_canned() { # NAME URL NOTE
  local out
  out="$(cfsign --url "$2" --private-key "$CLI_KEY")"
  record "$1" "$CLI" url rsa2048 "$RSA_KPID" SHA1 canned "$2" "$2" "$EXPIRES" 0 "" "" "$out" "$3"
}
cli_custom() { # NAME URL NOT_BEFORE IP-ARG IP-IN-POLICY NOTE
  local out args=()
  [[ "$3" == 0 ]] || args+=(--date-greater-than "$3")
  [[ -z "$4" ]] || args+=(--ip-address "$4")
  out="$(cfsign --url "$2" --private-key "$CLI_KEY" "${args[@]}")"
  record "$1" "$CLI" url rsa2048 "$RSA_KPID" SHA1 custom "$2" "$2" "$EXPIRES" "$3" "$5" "" "$out" "$6"
}

cli_canned aws-cli-rsa-sha1-canned-plain "$URL_PLAIN" ""
cli_canned aws-cli-rsa-sha1-canned-query "$URL_QUERY" ""
cli_canned aws-cli-rsa-sha1-canned-percent "$URL_PERCENT" ""
cli_canned aws-cli-rsa-sha1-canned-http "$URL_HTTP" ""
cli_canned aws-cli-rsa-sha1-canned-raw "$URL_RAW" \
  "The CLI signs the URL exactly as given (raw spaces, 'flag' without '=', %7e) and appends its parameters; compare js-sdk-rsa-sha1-canned-normalised."
cli_canned aws-cli-rsa-sha1-canned-star "$URL_WILDCARD" \
  "The CLI accepts a URL with '*' and makes a canned policy whose Resource is that literal URL; a canned policy has no wildcards, so this only matches a request for the literal path '/movies/1/*'."
cli_custom aws-cli-rsa-sha1-custom-dgt-ip "$URL_PLAIN" "$NOT_BEFORE" "$IP" "$IP" \
  "The CLI makes a custom policy when --date-greater-than or --ip-address is given; its condition order is DateLessThan, IpAddress, DateGreaterThan."
cli_custom aws-cli-rsa-sha1-custom-dgt "$URL_PLAIN" "$NOT_BEFORE" "" "" ""
cli_custom aws-cli-rsa-sha1-custom-ip-single "$URL_PLAIN" 0 192.0.2.7 192.0.2.7/32 \
  "Given --ip-address 192.0.2.7 (no mask), the CLI writes 192.0.2.7/32 in the policy."
cli_custom aws-cli-rsa-sha1-custom-query-dgt "$URL_QUERY" "$NOT_BEFORE" "" "" \
  "The policy Resource keeps the URL's own query string."
cli_custom aws-cli-rsa-sha1-custom-wildcard "$URL_WILDCARD" "$NOT_BEFORE" "" "" \
  "The CLI has no option for a policy resource other than --url, so a wildcard policy comes from signing the '*' URL itself with --date-greater-than; its Policy, Signature and Key-Pair-Id parameters are meant to be moved onto URLs under /movies/1/."

# Features this CLI may lack: probe them, and add vectors only where they work.
CLI_NOTES=()
if out="$(cfsign --url "$URL_PLAIN" --private-key "$CLI_KEY" --hash-algorithm SHA256 2>&1)"; then
  record aws-cli-rsa-sha256-canned-plain "$CLI" url rsa2048 "$RSA_KPID" SHA256 canned "$URL_PLAIN" "$URL_PLAIN" "$EXPIRES" 0 "" "" "$out" ""
else
  CLI_NOTES+=("--hash-algorithm: not supported ($(printf '%s' "$out" | tr '\n' ' ' | sed 's/  */ /g; s/ $//'))")
fi
if out="$(cfsign --url "$URL_PLAIN" --private-key "$CLI_KEY" --policy-resource "$URL_WILDCARD" 2>&1)"; then
  record aws-cli-rsa-sha1-custom-policy-resource "$CLI" url rsa2048 "$RSA_KPID" SHA1 custom "$URL_PLAIN" "" "$EXPIRES" 0 "" "" "$out" ""
else
  CLI_NOTES+=("--policy-resource: not supported ($(printf '%s' "$out" | tr '\n' ' ' | sed 's/  */ /g; s/ $//'))")
fi
if out="$(env AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 \
  "$AWS" cloudfront sign --key-pair-id "$EC_KPID" --date-less-than "$EXPIRES" --url "$URL_PLAIN" --private-key "file://$KEYS/ec-p256-pkcs8.pem" 2>&1)"; then
  record aws-cli-ec-sha1-canned-plain "$CLI" url ec-p256 "$EC_KPID" SHA1 canned "$URL_PLAIN" "$URL_PLAIN" "$EXPIRES" 0 "" "" "$out" ""
else
  CLI_NOTES+=("ECDSA keys: not supported ($(printf '%s' "$out" | tr '\n' ' ' | sed 's/  */ /g; s/ $//'))")
fi
for note in "${CLI_NOTES[@]}"; do
  echo "gen-vectors.sh: $CLI: $note" >&2
done

# ---- openssl by hand -------------------------------------------------------------------
OPENSSL="openssl $(openssl version | awk '{print $2}')"
cf_b64() { openssl base64 -A | tr '+=/' '-_~'; }
canned_json() { # RESOURCE
  printf '{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%s}}}]}' "$1" "$EXPIRES"
}
custom_json() { # RESOURCE NOT_BEFORE IP  (condition order as the JS SDK writes it)
  local cond
  cond="\"DateLessThan\":{\"AWS:EpochTime\":$EXPIRES}"
  [[ "$2" == 0 ]] || cond+=",\"DateGreaterThan\":{\"AWS:EpochTime\":$2}"
  [[ -z "$3" ]] || cond+=",\"IpAddress\":{\"AWS:SourceIp\":\"$3\"}"
  printf '{"Statement":[{"Resource":"%s","Condition":{%s}}]}' "$1" "$cond"
}
# ossl NAME KEY HASH FORM URL RESOURCE NOT_BEFORE IP
ossl() {
  local name=$1 key=$2 hash=$3 form=$4 url=$5 resource=$6 nb=$7 ip=$8
  local keyfile kpid dgst json sig sep params
  case "$key" in
    rsa2048) keyfile="$KEYS/rsa2048-pkcs8.pem" kpid=$RSA_KPID ;;
    ec-p256) keyfile="$KEYS/ec-p256-pkcs8.pem" kpid=$EC_KPID ;;
  esac
  case "$hash" in SHA1) dgst=-sha1 ;; SHA256) dgst=-sha256 ;; esac
  if [[ "$form" == canned ]]; then
    json="$(canned_json "$resource")"
  else
    json="$(custom_json "$resource" "$nb" "$ip")"
  fi
  printf '%s' "$json" >"$WORK/policy.json"
  sig="$(openssl dgst "$dgst" -sign "$keyfile" "$WORK/policy.json" | cf_b64)"
  if [[ "$form" == canned ]]; then
    params="Expires=$EXPIRES"
  else
    params="Policy=$(cf_b64 <"$WORK/policy.json")"
  fi
  params+="&Signature=$sig&Key-Pair-Id=$kpid"
  [[ "$hash" == SHA1 ]] || params+="&Hash-Algorithm=SHA256"
  if [[ "$url" == *\?* ]]; then sep='&'; else sep='?'; fi
  record "$name" "$OPENSSL" url "$key" "$kpid" "$hash" "$form" "$url" "$resource" "$EXPIRES" "$nb" "$ip" "$json" "$url$sep$params" ""
}
ossl openssl-rsa-sha1-canned-plain rsa2048 SHA1 canned "$URL_PLAIN" "$URL_PLAIN" 0 ""
ossl openssl-rsa-sha1-custom-wildcard rsa2048 SHA1 custom "$URL_PLAIN" "$URL_WILDCARD" 0 ""
ossl openssl-rsa-sha256-canned-plain rsa2048 SHA256 canned "$URL_PLAIN" "$URL_PLAIN" 0 ""
ossl openssl-rsa-sha256-canned-query rsa2048 SHA256 canned "$URL_QUERY" "$URL_QUERY" 0 ""
ossl openssl-rsa-sha256-canned-percent rsa2048 SHA256 canned "$URL_PERCENT" "$URL_PERCENT" 0 ""
ossl openssl-rsa-sha256-custom-wildcard rsa2048 SHA256 custom "$URL_PLAIN" "$URL_WILDCARD" 0 ""
ossl openssl-rsa-sha256-custom-wildcard-dgt-ip rsa2048 SHA256 custom "$URL_PLAIN" "$URL_WILDCARD" "$NOT_BEFORE" "$IP"
ossl openssl-ec-sha1-canned-plain ec-p256 SHA1 canned "$URL_PLAIN" "$URL_PLAIN" 0 ""
ossl openssl-ec-sha1-custom-wildcard ec-p256 SHA1 custom "$URL_PLAIN" "$URL_WILDCARD" 0 ""
ossl openssl-ec-sha256-canned-plain ec-p256 SHA256 canned "$URL_PLAIN" "$URL_PLAIN" 0 ""
ossl openssl-ec-sha256-canned-query ec-p256 SHA256 canned "$URL_QUERY" "$URL_QUERY" 0 ""
ossl openssl-ec-sha256-custom-wildcard ec-p256 SHA256 custom "$URL_PLAIN" "$URL_WILDCARD" 0 ""
ossl openssl-ec-sha256-custom-wildcard-dgt-ip ec-p256 SHA256 custom "$URL_PLAIN" "$URL_WILDCARD" "$NOT_BEFORE" "$IP"

# ---- the JS SDK, and the merge ------------------------------------------------------------
echo "gen-vectors.sh: npm ci (pinned @aws-sdk/cloudfront-signer)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
node "$HERE/gen-js.mjs" "$RECORDS" "$WORK/vectors.json"

# check before replacing the committed file
check "$WORK/vectors.json"
cp "$WORK/vectors.json" "$HERE/vectors.json"
echo "gen-vectors.sh: wrote $HERE/vectors.json"
