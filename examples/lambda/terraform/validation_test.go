package terraform

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

// validationFailures evaluates every variable's validation conditions and
// returns "var.NAME: error message" for each that fails.
func validationFailures(t *testing.T, m *module, ctx *hcl.EvalContext) []string {
	t.Helper()
	var failed []string
	for name, b := range m.variables {
		for _, v := range b.Body.Blocks {
			if v.Type != "validation" {
				continue
			}
			ok := eval(t, ctx, v.Body, "condition")
			require.True(t, ok.IsKnown(), "var.%s: condition unknown", name)
			if ok.False() {
				failed = append(failed, "var."+name+": "+eval(t, ctx, v.Body, "error_message").AsString())
			}
		}
	}
	return failed
}

// TestValidation feeds inputs a user may get wrong to the variables'
// validation blocks, as terraform plan would, and checks which one says so.
func TestValidation(t *testing.T) {
	m := loadModule(t)
	cookies := map[string]cty.Value{
		"mode": cty.StringVal("cookies"), "alternate_domain": cty.StringVal("video.example.com"),
		"acm_certificate_arn": cty.StringVal(testCert), "allow_origins": strs("https://www.example.com"),
	}
	with := func(base map[string]cty.Value, k string, v cty.Value) map[string]cty.Value {
		out := map[string]cty.Value{k: v}
		for key, x := range base {
			if key != k {
				out[key] = x
			}
		}
		return inputs(out)
	}
	for _, tc := range []struct {
		name string
		vars map[string]cty.Value
		want string // the failing variable, "" for none
	}{
		{"the two required variables", inputs(nil), ""},
		{"cookies with a domain, a certificate and origins", inputs(cookies), ""},
		{"two trusted keys", inputs(map[string]cty.Value{"extra_public_keys": strs(testPEM2)}), ""},
		{"unknown mode", inputs(map[string]cty.Value{"mode": cty.StringVal("signed")}), "mode"},
		{"bucket with dots", inputs(map[string]cty.Value{"bucket_name": cty.StringVal("my.videos")}), "bucket_name"},
		{"private key instead of public", inputs(map[string]cty.Value{"public_key": cty.StringVal("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")}), "public_key"},
		{"cookies without a domain", with(with(cookies, "alternate_domain", cty.StringVal("")), "acm_certificate_arn", cty.StringVal("")), "alternate_domain"},
		{"cookies with any origin", with(cookies, "allow_origins", strs("*")), "allow_origins"},
		{"domain without certificate", inputs(map[string]cty.Value{"alternate_domain": cty.StringVal("video.example.com")}), "acm_certificate_arn"},
		{"certificate outside us-east-1", with(cookies, "acm_certificate_arn", cty.StringVal(strings.Replace(testCert, "us-east-1", "eu-west-1", 1))), "acm_certificate_arn"},
		{"five keys in the group", inputs(map[string]cty.Value{"extra_public_keys": strs(distinctPEMs(4)...)}), ""},
		{"six keys in the group", inputs(map[string]cty.Value{"extra_public_keys": strs(distinctPEMs(5)...)}), "extra_public_keys"},
		{"signing key listed again", inputs(map[string]cty.Value{"extra_public_keys": strs(testPEM)}), "extra_public_keys"},
		{"origin with a path", inputs(map[string]cty.Value{"allow_origins": strs("https://www.example.com/")}), "allow_origins"},
		{"playlist path outside *.m3u8", inputs(map[string]cty.Value{"playlist_path": cty.StringVal("/movies/{id}/master")}), "playlist_path"},
		{"ttl in days", inputs(map[string]cty.Value{"ttl": cty.StringVal("1d")}), "ttl"},
		{"short origin secret", inputs(map[string]cty.Value{"origin_secret": cty.StringVal("short")}), "origin_secret"},
		{"kms key as a name", inputs(map[string]cty.Value{"kms_key_id": cty.StringVal("cfhls")}), "kms_key_id"},
		{"binary not named bootstrap", inputs(map[string]cty.Value{"bootstrap_path": cty.StringVal("../bin/cfhls")}), "bootstrap_path"},
		{"binary named bootstrap elsewhere", inputs(map[string]cty.Value{"bootstrap_path": cty.StringVal("../bin/bootstrap")}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failed := validationFailures(t, m, m.evalContext(t, tc.vars))
			if tc.want == "" {
				assert.Empty(t, failed)
				return
			}
			require.NotEmpty(t, failed, "var.%s must refuse it", tc.want)
			for _, f := range failed {
				assert.True(t, strings.HasPrefix(f, "var."+tc.want+": "), "only var.%s should fail: %s", tc.want, f)
			}
		})
	}
}

// distinctPEMs returns n public keys in PEM form, each different from the
// others and from testPEM, that pass the module's PEM check.
func distinctPEMs(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgB"+string(rune('A'+i))+"\n-----END PUBLIC KEY-----\n")
	}
	return out
}
