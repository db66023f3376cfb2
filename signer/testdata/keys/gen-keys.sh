#!/usr/bin/env bash
# Generates the committed TEST keys in this folder with openssl only.
# These keys are public on purpose: never use them for anything real.
#
# Usage: ./gen-keys.sh          # create only the files that are missing
#        ./gen-keys.sh --force  # delete every key below and make new ones
#
# The vectors in ../vectors/ were signed with these exact keys: regenerating
# them (--force) means regenerating the vectors too (../vectors/gen-vectors.sh).
set -euo pipefail

cd "$(dirname "$0")"
command -v openssl >/dev/null || { echo "gen-keys.sh: openssl is required" >&2; exit 1; }

FILES=(
  rsa2048-pkcs8.pem rsa2048-pkcs1.pem rsa2048-pub-pkix.pem rsa2048-pub-pkcs1.pem rsa2048-pkcs8.pem.b64
  ec-p256-sec1.pem ec-p256-pkcs8.pem ec-p256-pub.pem
  rsa1024.pem rsa3072.pem rsa4096.pem ec-p384.pem ec-p256-explicit.pem ed25519.pem
  rsa2048-encrypted-pkcs8.pem rsa2048-encrypted-traditional.pem ec-encrypted-sec1.pem
  cert.pem garbage.pem empty.pem
)

if [[ "${1:-}" == "--force" ]]; then
  rm -f "${FILES[@]}"
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--force]" >&2
  exit 2
fi

umask 022

# make FILE CMD...: run CMD only when FILE does not exist yet (idempotent).
make() {
  local out=$1; shift
  if [[ -e "$out" ]]; then
    return 0
  fi
  "$@"
  echo "made $out"
}

# ---- keys that must be accepted -------------------------------------------
# RSA 2048, PKCS#8 (OpenSSL 3's default: BEGIN PRIVATE KEY)
make rsa2048-pkcs8.pem openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048-pkcs8.pem
# the same key as PKCS#1 (BEGIN RSA PRIVATE KEY)
make rsa2048-pkcs1.pem openssl rsa -in rsa2048-pkcs8.pem -traditional -out rsa2048-pkcs1.pem
# its public key, PKIX (BEGIN PUBLIC KEY) and PKCS#1 (BEGIN RSA PUBLIC KEY)
make rsa2048-pub-pkix.pem openssl rsa -in rsa2048-pkcs8.pem -pubout -out rsa2048-pub-pkix.pem
make rsa2048-pub-pkcs1.pem openssl rsa -in rsa2048-pkcs8.pem -RSAPublicKey_out -out rsa2048-pub-pkcs1.pem
# the PKCS#8 PEM base64-encoded on one line (no trailing newline), as kept in secret stores
b64_one_line() { openssl base64 -A -in rsa2048-pkcs8.pem -out rsa2048-pkcs8.pem.b64; }
make rsa2048-pkcs8.pem.b64 b64_one_line

# ECDSA P-256, SEC1 (BEGIN EC PRIVATE KEY), the same key as PKCS#8, and its PKIX public key
make ec-p256-sec1.pem openssl ecparam -name prime256v1 -genkey -noout -out ec-p256-sec1.pem
make ec-p256-pkcs8.pem openssl pkcs8 -topk8 -nocrypt -in ec-p256-sec1.pem -out ec-p256-pkcs8.pem
make ec-p256-pub.pem openssl ec -in ec-p256-sec1.pem -pubout -out ec-p256-pub.pem

# ---- keys that must be refused ---------------------------------------------
make rsa1024.pem openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pem
make rsa3072.pem openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out rsa3072.pem
make rsa4096.pem openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out rsa4096.pem
make ec-p384.pem openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec-p384.pem
# P-256 written with explicit curve parameters instead of the named-curve OID (SEC1)
make ec-p256-explicit.pem openssl ecparam -name prime256v1 -genkey -noout -param_enc explicit -out ec-p256-explicit.pem
make ed25519.pem openssl genpkey -algorithm ed25519 -out ed25519.pem
# encrypted keys (passphrase "test"): PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY) and
# traditional PEM with a "Proc-Type: 4,ENCRYPTED" header, RSA and EC
make rsa2048-encrypted-pkcs8.pem openssl pkcs8 -topk8 -v2 aes256 -in rsa2048-pkcs8.pem -passout pass:test -out rsa2048-encrypted-pkcs8.pem
make rsa2048-encrypted-traditional.pem openssl rsa -in rsa2048-pkcs8.pem -traditional -aes256 -passout pass:test -out rsa2048-encrypted-traditional.pem
make ec-encrypted-sec1.pem openssl ec -in ec-p256-sec1.pem -aes256 -passout pass:test -out ec-encrypted-sec1.pem
# a self-signed certificate for the rsa2048 key (a certificate is not a private key)
make cert.pem openssl req -new -x509 -key rsa2048-pkcs8.pem -subj "/CN=cfhls test key (not secret)" -days 36500 -sha256 -out cert.pem
# random bytes, and an empty file
make garbage.pem openssl rand -out garbage.pem 256
make empty.pem touch empty.pem

# ---- self-checks -------------------------------------------------------------
fail() { echo "gen-keys.sh: check failed: $*" >&2; exit 1; }
first() { head -n 1 "$1"; }
[[ "$(first rsa2048-pkcs8.pem)" == "-----BEGIN PRIVATE KEY-----" ]] || fail rsa2048-pkcs8.pem
[[ "$(first rsa2048-pkcs1.pem)" == "-----BEGIN RSA PRIVATE KEY-----" ]] || fail rsa2048-pkcs1.pem
[[ "$(first rsa2048-pub-pkix.pem)" == "-----BEGIN PUBLIC KEY-----" ]] || fail rsa2048-pub-pkix.pem
[[ "$(first rsa2048-pub-pkcs1.pem)" == "-----BEGIN RSA PUBLIC KEY-----" ]] || fail rsa2048-pub-pkcs1.pem
[[ "$(openssl base64 -d -A -in rsa2048-pkcs8.pem.b64)" == "$(cat rsa2048-pkcs8.pem)" ]] || fail rsa2048-pkcs8.pem.b64
[[ "$(first ec-p256-sec1.pem)" == "-----BEGIN EC PRIVATE KEY-----" ]] || fail ec-p256-sec1.pem
[[ "$(first ec-p256-pkcs8.pem)" == "-----BEGIN PRIVATE KEY-----" ]] || fail ec-p256-pkcs8.pem
[[ "$(first ec-p256-pub.pem)" == "-----BEGIN PUBLIC KEY-----" ]] || fail ec-p256-pub.pem
[[ "$(first rsa2048-encrypted-pkcs8.pem)" == "-----BEGIN ENCRYPTED PRIVATE KEY-----" ]] || fail rsa2048-encrypted-pkcs8.pem
grep -q "^Proc-Type: 4,ENCRYPTED" rsa2048-encrypted-traditional.pem || fail rsa2048-encrypted-traditional.pem
grep -q "^Proc-Type: 4,ENCRYPTED" ec-encrypted-sec1.pem || fail ec-encrypted-sec1.pem
[[ "$(first cert.pem)" == "-----BEGIN CERTIFICATE-----" ]] || fail cert.pem
[[ ! -s empty.pem ]] || fail empty.pem
# the pairs that claim to be the same key really are
same_pub() { [[ "$(openssl pkey -in "$1" -pubout)" == "$(openssl pkey -in "$2" -pubout)" ]]; }
same_pub rsa2048-pkcs8.pem rsa2048-pkcs1.pem || fail "rsa2048 pkcs1/pkcs8 differ"
same_pub ec-p256-sec1.pem ec-p256-pkcs8.pem || fail "ec-p256 sec1/pkcs8 differ"
[[ "$(openssl pkey -in rsa2048-pkcs8.pem -pubout)" == "$(cat rsa2048-pub-pkix.pem)" ]] || fail rsa2048-pub-pkix.pem
[[ "$(openssl rsa -RSAPublicKey_in -in rsa2048-pub-pkcs1.pem -pubout 2>/dev/null)" == "$(cat rsa2048-pub-pkix.pem)" ]] || fail rsa2048-pub-pkcs1.pem
[[ "$(openssl pkey -in ec-p256-sec1.pem -pubout)" == "$(cat ec-p256-pub.pem)" ]] || fail ec-p256-pub.pem
[[ "$(openssl x509 -in cert.pem -noout -pubkey)" == "$(cat rsa2048-pub-pkix.pem)" ]] || fail cert.pem
[[ "$(openssl pkey -in rsa2048-encrypted-pkcs8.pem -passin pass:test -pubout)" == "$(cat rsa2048-pub-pkix.pem)" ]] || fail rsa2048-encrypted-pkcs8.pem
[[ "$(openssl pkey -in rsa2048-encrypted-traditional.pem -passin pass:test -pubout)" == "$(cat rsa2048-pub-pkix.pem)" ]] || fail rsa2048-encrypted-traditional.pem
[[ "$(openssl pkey -in ec-encrypted-sec1.pem -passin pass:test -pubout)" == "$(cat ec-p256-pub.pem)" ]] || fail ec-encrypted-sec1.pem
openssl pkey -in ec-p256-explicit.pem -text -noout | grep -q "^Field Type" || fail "ec-p256-explicit.pem has no explicit parameters"
echo "gen-keys.sh: all keys present and consistent"
