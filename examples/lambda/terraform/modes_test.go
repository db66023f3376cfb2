package terraform

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

const (
	testPEM  = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
	testPEM2 = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB\n-----END PUBLIC KEY-----"
	testCert = "arn:aws:acm:us-east-1:123456789012:certificate/0e5b1c2a-1111-2222-3333-444455556666"
)

// inputs are the variables a user sets: the two required ones and more.
func inputs(more map[string]cty.Value) map[string]cty.Value {
	v := map[string]cty.Value{"bucket_name": cty.StringVal("my-videos"), "public_key": cty.StringVal(testPEM)}
	for k, x := range more {
		v[k] = x
	}
	return v
}

func strs(s ...string) cty.Value {
	if len(s) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(s))
	for i, x := range s {
		vals[i] = cty.StringVal(x)
	}
	return cty.ListVal(vals)
}

// goStrings converts a list value to Go strings ([] for null).
func goStrings(t *testing.T, v cty.Value) []string {
	t.Helper()
	out := []string{}
	if v.IsNull() {
		return out
	}
	for it := v.ElementIterator(); it.Next(); {
		_, x := it.Element()
		out = append(out, x.AsString())
	}
	return out
}

// refersTo reports whether an attribute's expression refers to target
// ("aws_cloudfront_key_group.viewers").
func refersTo(body *hclsyntax.Body, attr, target string) bool {
	a, ok := body.Attributes[attr]
	if !ok {
		return false
	}
	for _, tr := range a.Expr.Variables() {
		parts := []string{tr.RootName()}
		for _, step := range tr[1:] {
			if s, ok := step.(hcl.TraverseAttr); ok {
				parts = append(parts, s.Name)
			}
		}
		if strings.HasPrefix(strings.Join(parts, "."), target) {
			return true
		}
	}
	return false
}

// behavior returns the distribution's cache behavior for a path pattern
// ("" for the default one).
func behavior(t *testing.T, m *module, ctx *hcl.EvalContext, pattern string) *hclsyntax.Body {
	t.Helper()
	dist := m.resource(t, "resource", "aws_cloudfront_distribution.cdn").Body
	if pattern == "" {
		b, _ := block(t, ctx, dist, "default_cache_behavior")
		return b
	}
	bodies, _ := blocks(t, ctx, dist, "ordered_cache_behavior")
	for _, b := range bodies {
		if eval(t, ctx, b, "path_pattern").AsString() == pattern {
			return b
		}
	}
	t.Fatalf("no ordered_cache_behavior for %q", pattern)
	return nil
}

// TestModes checks, per mode, the settings that mode cannot work without:
// what reaches the playlist origin, what is in its cache key, the TTLs the
// playlist package's Caching section asks for, CORS credentials, and the
// signed behaviors.
func TestModes(t *testing.T) {
	m := loadModule(t)
	for _, tc := range []struct {
		name        string
		vars        map[string]cty.Value
		query       string   // query_string_behavior, cache key and origin request
		queryNames  []string // with "whitelist"
		headers     []string // origin request policy headers
		credentials bool     // CORS Access-Control-Allow-Credentials
	}{
		{name: "propagate", vars: inputs(nil), query: "all"},
		{name: "server-side", vars: inputs(map[string]cty.Value{"mode": cty.StringVal("server-side")}),
			query: "all", headers: []string{"CloudFront-Viewer-Address"}},
		{name: "cookies", vars: inputs(map[string]cty.Value{
			"mode": cty.StringVal("cookies"), "alternate_domain": cty.StringVal("video.example.com"),
			"acm_certificate_arn": cty.StringVal(testCert), "allow_origins": strs("https://www.example.com"),
		}), query: "whitelist", queryNames: []string{"_HLS_msn", "_HLS_part", "_HLS_skip"}, credentials: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := m.evalContext(t, tc.vars)
			assert.Empty(t, validationFailures(t, m, ctx), "the inputs must pass every validation")

			cache := m.resource(t, "resource", "aws_cloudfront_cache_policy.playlists").Body
			var minTTL, maxTTL int
			require.NoError(t, gocty.FromCtyValue(eval(t, ctx, cache, "min_ttl"), &minTTL))
			require.NoError(t, gocty.FromCtyValue(eval(t, ctx, cache, "max_ttl"), &maxTTL))
			assert.Zero(t, minTTL, "MinTTL 0, or CloudFront keeps no-cache answers")
			assert.GreaterOrEqual(t, maxTTL, 15*60, "MaxTTL at least the 15-minute bucket")
			params, pctx := block(t, ctx, cache, "parameters_in_cache_key_and_forwarded_to_origin")
			for _, kind := range []string{"cookies_config", "headers_config"} {
				b, bctx := block(t, pctx, params, kind)
				behaviorAttr := strings.TrimSuffix(kind, "s_config") + "_behavior"
				assert.Equal(t, "none", eval(t, bctx, b, behaviorAttr).AsString(), "no %s in the playlist cache key", kind)
			}
			checkQuery(t, pctx, params, tc.query, tc.queryNames, "cache key")

			orp := m.resource(t, "resource", "aws_cloudfront_origin_request_policy.playlists").Body
			checkQuery(t, ctx, orp, tc.query, tc.queryNames, "origin request")
			hdrs, hctx := block(t, ctx, orp, "headers_config")
			var got []string
			names, nctxs := blocks(t, hctx, hdrs, "headers")
			for i, b := range names {
				got = append(got, goStrings(t, eval(t, nctxs[i], b, "items"))...)
			}
			assert.ElementsMatch(t, tc.headers, got, "origin request headers")

			rhp := m.resource(t, "resource", "aws_cloudfront_response_headers_policy.cors").Body
			cors, cctx := block(t, ctx, rhp, "cors_config")
			assert.Equal(t, tc.credentials, eval(t, cctx, cors, "access_control_allow_credentials").True())
			assert.True(t, eval(t, cctx, cors, "origin_override").True())

			playlists := behavior(t, m, ctx, "*.m3u8")
			assert.Equal(t, "function", eval(t, ctx, playlists, "target_origin_id").AsString())
			assert.True(t, refersTo(playlists, "cache_policy_id", "aws_cloudfront_cache_policy.playlists"))
			assert.True(t, refersTo(playlists, "origin_request_policy_id", "aws_cloudfront_origin_request_policy.playlists"))
			for _, pattern := range []string{"*.m3u8", ""} {
				b := behavior(t, m, ctx, pattern)
				assert.True(t, refersTo(b, "trusted_key_groups", "aws_cloudfront_key_group.viewers"), "%q: signed requests only", pattern)
				assert.True(t, refersTo(b, "response_headers_policy_id", "aws_cloudfront_response_headers_policy.cors"), "%q: CORS", pattern)
				assert.Equal(t, "https-only", eval(t, ctx, b, "viewer_protocol_policy").AsString())
			}
			sign := behavior(t, m, ctx, "/sign")
			assert.NotContains(t, sign.Attributes, "trusted_key_groups", "the sign endpoint is public")
			assert.Equal(t, "function", eval(t, ctx, sign, "target_origin_id").AsString())

			fn := m.resource(t, "resource", "aws_lambda_function.cfhls").Body
			env, _ := block(t, ctx, fn, "environment")
			vars := eval(t, ctx, env, "variables")
			assert.Equal(t, tc.name, vars.GetAttr("CFHLS_MODE").AsString())
		})
	}
}

// checkQuery checks a policy's query_strings_config.
func checkQuery(t *testing.T, ctx *hcl.EvalContext, policy *hclsyntax.Body, want string, names []string, what string) {
	t.Helper()
	q, qctx := block(t, ctx, policy, "query_strings_config")
	assert.Equal(t, want, eval(t, qctx, q, "query_string_behavior").AsString(), what)
	var got []string
	lists, lctxs := blocks(t, qctx, q, "query_strings")
	for i, b := range lists {
		got = append(got, goStrings(t, eval(t, lctxs[i], b, "items"))...)
	}
	assert.ElementsMatch(t, names, got, "%s: query string names", what)
}

// TestOriginAccessControl checks that the bucket is reached only through
// CloudFront's origin access control, for this distribution.
func TestOriginAccessControl(t *testing.T) {
	m := loadModule(t)
	ctx := m.evalContext(t, inputs(nil))
	dist := m.resource(t, "resource", "aws_cloudfront_distribution.cdn").Body
	origins, _ := blocks(t, ctx, dist, "origin")
	ids := map[string]*hclsyntax.Body{}
	for _, o := range origins {
		ids[eval(t, ctx, o, "origin_id").AsString()] = o
	}
	require.Contains(t, ids, "media")
	require.Contains(t, ids, "function")
	assert.True(t, refersTo(ids["media"], "origin_access_control_id", "aws_cloudfront_origin_access_control.media"))
	assert.True(t, refersTo(ids["media"], "domain_name", "aws_s3_bucket.media.bucket_regional_domain_name"))
	header, hctx := block(t, ctx, ids["function"], "custom_header")
	assert.Equal(t, "X-Cfhls-Origin-Secret", eval(t, hctx, header, "name").AsString())
	assert.True(t, refersTo(header, "value", "local.origin_secret"))
	assert.True(t, refersTo(m.resource(t, "resource", "aws_lambda_function.cfhls").Body.Blocks[0].Body, "variables", "local.origin_secret"),
		"the function checks the same secret")

	oac := m.resource(t, "resource", "aws_cloudfront_origin_access_control.media").Body
	assert.Equal(t, "s3", eval(t, ctx, oac, "origin_access_control_origin_type").AsString())
	assert.Equal(t, "always", eval(t, ctx, oac, "signing_behavior").AsString())
	doc := m.resource(t, "data", "aws_iam_policy_document.media").Body
	stmt, sctx := block(t, ctx, doc, "statement")
	assert.Equal(t, []string{"s3:GetObject"}, goStrings(t, eval(t, sctx, stmt, "actions")))
	principal, pctx := block(t, sctx, stmt, "principals")
	assert.Equal(t, []string{"cloudfront.amazonaws.com"}, goStrings(t, eval(t, pctx, principal, "identifiers")))
	cond, cctx := block(t, sctx, stmt, "condition")
	assert.Equal(t, "AWS:SourceArn", eval(t, cctx, cond, "variable").AsString())
	assert.True(t, refersTo(cond, "values", "aws_cloudfront_distribution.cdn.arn"))
}

// TestKeyStores checks the one key permission per key source, and that the
// function's environment names only variables the Go code reads.
func TestKeyStores(t *testing.T) {
	m := loadModule(t)
	code := readGo(t)
	for _, tc := range []struct {
		name, env string
		actions   []string
		vars      map[string]cty.Value
	}{
		{"secrets manager", "CFHLS_PRIVATE_KEY_SECRET", []string{"secretsmanager:GetSecretValue"}, inputs(nil)},
		{"ssm", "CFHLS_PRIVATE_KEY_PARAMETER", []string{"ssm:GetParameter"}, inputs(map[string]cty.Value{"private_key_store": cty.StringVal("ssm")})},
		{"kms", "CFHLS_KMS_KEY_ID", []string{"kms:GetPublicKey", "kms:Sign"}, inputs(map[string]cty.Value{"kms_key_id": cty.StringVal("alias/cfhls")})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := m.evalContext(t, tc.vars)
			assert.Empty(t, validationFailures(t, m, ctx))
			store := ctx.Variables["local"].GetAttr("key_store")
			require.True(t, store.Type().IsObjectType(), "local.key_store: %#v", store)
			assert.Equal(t, tc.env, store.GetAttr("env").AsString())
			assert.Equal(t, tc.actions, goStrings(t, store.GetAttr("actions")))
			// One store per trusted key in the chosen service, none elsewhere.
			stores := map[string]int{"CFHLS_PRIVATE_KEY_SECRET": 0, "CFHLS_PRIVATE_KEY_PARAMETER": 0}
			if _, ok := stores[tc.env]; ok {
				stores[tc.env] = 1
			}
			each := eval(t, ctx, m.resource(t, "resource", "aws_secretsmanager_secret.private_key").Body, "for_each")
			assert.Equal(t, stores["CFHLS_PRIVATE_KEY_SECRET"], each.LengthInt(), "secrets: one per trusted key")
			// SSM parameters are named, never managed (their value would be
			// read into the state).
			assert.Equal(t, stores["CFHLS_PRIVATE_KEY_PARAMETER"], ctx.Variables["local"].GetAttr("ssm_parameters").LengthInt(), "parameters: one per trusted key")
			assert.NotContains(t, m.resources, "aws_ssm_parameter.private_key", "no managed SSM parameter")
			assert.Contains(t, code, `"`+tc.env+`"`, "%s is read by examples/lambda", tc.env)
			fn := m.resource(t, "resource", "aws_lambda_function.cfhls").Body
			env, _ := block(t, ctx, fn, "environment")
			vars := eval(t, ctx, env, "variables")
			for name := range vars.Type().AttributeTypes() {
				if name != tc.env {
					assert.Contains(t, code, `"`+name+`"`, "%s is not read by examples/lambda", name)
				}
			}
		})
	}
}

// readGo returns the source of the function's Go files.
func readGo(t *testing.T) string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "*.go"))
	require.NoError(t, err)
	var b strings.Builder
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		b.Write(src)
	}
	require.Regexp(t, regexp.MustCompile(`getenv\("CFHLS_MODE"\)`), b.String())
	return b.String()
}
