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
