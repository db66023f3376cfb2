package terraform

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// TestFunctionRole checks the function's least-privilege statements: its
// logs, reading objects of its bucket, listing the bucket (so that a
// missing playlist is S3's 404 NoSuchKey, not a 403 the origin must answer
// 502 to), and its one key store.
func TestFunctionRole(t *testing.T) {
	m := loadModule(t)
	ctx := m.evalContext(t, inputs(nil))
	doc := m.resource(t, "data", "aws_iam_policy_document.function").Body
	stmts, sctxs := blocks(t, ctx, doc, "statement")
	got := map[string][]string{}
	for i, s := range stmts {
		got[eval(t, sctxs[i], s, "sid").AsString()] = goStrings(t, eval(t, sctxs[i], s, "actions"))
	}
	require.Len(t, got, 4, "statements: %v", got)
	for sid, want := range map[string][]string{
		"WriteLogs":            {"logs:CreateLogStream", "logs:PutLogEvents"},
		"ReadPlaylists":        {"s3:GetObject"},
		"TellMissingPlaylists": {"s3:ListBucket"},
		"ReadPrivateKeySecret": {"secretsmanager:GetSecretValue"},
	} {
		assert.Equal(t, want, got[sid], "statement %s", sid)
	}
}

// TestTrustedKeysEncoding checks the expression function.tf turns each
// public key's PEM with into the base64 DER that CFHLS_TRUSTED_PUBLIC_KEYS
// wants, with the same functions Terraform has.
func TestTrustedKeysEncoding(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	require.NoError(t, err)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	b, err := os.ReadFile("function.tf")
	require.NoError(t, err)
	i := strings.Index(string(b), "${replace(replace(pem,")
	require.GreaterOrEqual(t, i, 0, "function.tf encodes the trusted keys")
	src := string(b[i+2:])
	src = src[:strings.Index(src, "}")]
	expr, diags := hclsyntax.ParseExpression([]byte(src), "function.tf", hcl.InitialPos)
	require.False(t, diags.HasErrors(), diags.Error())
	got, diags := expr.Value(&hcl.EvalContext{Functions: functions(), Variables: map[string]cty.Value{"pem": cty.StringVal(pemText)}})
	require.False(t, diags.HasErrors(), diags.Error())
	assert.Equal(t, base64.StdEncoding.EncodeToString(der), got.AsString())
}

// TestFunctionRoleResources checks that each statement of the function's
// role names its own resources, not "*": the log group, the bucket's
// objects, the bucket, the one key store.
func TestFunctionRoleResources(t *testing.T) {
	m := loadModule(t)
	ctx := m.evalContext(t, inputs(nil))
	doc := m.resource(t, "data", "aws_iam_policy_document.function").Body
	stmts, sctxs := blocks(t, ctx, doc, "statement")
	want := map[string]string{
		"WriteLogs":            "aws_cloudwatch_log_group.function.arn",
		"ReadPlaylists":        "aws_s3_bucket.media.arn",
		"TellMissingPlaylists": "aws_s3_bucket.media.arn",
		"ReadPrivateKeySecret": "local.key_store.resource",
	}
	for i, s := range stmts {
		sid := eval(t, sctxs[i], s, "sid").AsString()
		assert.True(t, refersTo(s, "resources", want[sid]), "statement %s: resources from %s", sid, want[sid])
		src := string(s.Attributes["resources"].SrcRange.SliceBytes(m.src["function.tf"]))
		assert.NotContains(t, src, `"*"`, "statement %s", sid)
	}
	assert.Contains(t, string(m.src["function.tf"]), `"${aws_s3_bucket.media.arn}/*"`, "objects of the bucket only")
}

// TestFunctionEnvironment checks what the function is told per mode: that
// the playlist cache key holds every query string exactly where the cache
// policy puts them there, and the key group's other keys.
func TestFunctionEnvironment(t *testing.T) {
	m := loadModule(t)
	for _, tc := range []struct {
		name  string
		vars  map[string]cty.Value
		query string
	}{
		{"propagate", inputs(nil), "true"},
		{"server-side", inputs(map[string]cty.Value{"mode": cty.StringVal("server-side")}), "true"},
		{"cookies", inputs(map[string]cty.Value{
			"mode": cty.StringVal("cookies"), "alternate_domain": cty.StringVal("video.example.com"),
			"acm_certificate_arn": cty.StringVal(testCert), "allow_origins": strs("https://www.example.com"),
		}), "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := m.evalContext(t, tc.vars)
			fn := m.resource(t, "resource", "aws_lambda_function.cfhls").Body
			env, ectx := block(t, ctx, fn, "environment")
			vars := eval(t, ectx, env, "variables")
			assert.Equal(t, tc.query, vars.GetAttr("CFHLS_QUERY_IN_CACHE_KEY").AsString())
			cache := m.resource(t, "resource", "aws_cloudfront_cache_policy.playlists").Body
			params, pctx := block(t, ctx, cache, "parameters_in_cache_key_and_forwarded_to_origin")
			qs, qctx := block(t, pctx, params, "query_strings_config")
			all := eval(t, qctx, qs, "query_string_behavior").AsString() == "all"
			assert.Equal(t, tc.query == "true", all, "the flag says what the cache policy does")
		})
	}
}

// TestSignCachePolicy checks the sign endpoint's behavior: never cached
// (max TTL 1 is what lets a header into the key), the viewer's bearer token
// in the key (the only way CloudFront forwards Authorization), and cookies
// forwarded (or its Set-Cookie would not reach the viewer).
func TestSignCachePolicy(t *testing.T) {
	m := loadModule(t)
	ctx := m.evalContext(t, inputs(nil))
	p := m.resource(t, "resource", "aws_cloudfront_cache_policy.sign").Body
	assert.Equal(t, int64(0), mustInt(t, eval(t, ctx, p, "default_ttl")))
	assert.LessOrEqual(t, mustInt(t, eval(t, ctx, p, "max_ttl")), int64(1))
	params, pctx := block(t, ctx, p, "parameters_in_cache_key_and_forwarded_to_origin")
	cookies, cctx := block(t, pctx, params, "cookies_config")
	assert.Equal(t, "all", eval(t, cctx, cookies, "cookie_behavior").AsString())
	headers, hctx := block(t, pctx, params, "headers_config")
	assert.Equal(t, "whitelist", eval(t, hctx, headers, "header_behavior").AsString())
	items, ictx := block(t, hctx, headers, "headers")
	assert.Equal(t, []string{"Authorization"}, goStrings(t, eval(t, ictx, items, "items")))
}

func mustInt(t *testing.T, v cty.Value) int64 {
	t.Helper()
	var n int64
	require.NoError(t, gocty.FromCtyValue(v, &n))
	return n
}
