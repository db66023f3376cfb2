package main

import (
	"context"
	"crypto"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cfhls/cfhls/signer"
)

// secretsManagerFake answers GetSecretValue (JSON 1.1, target
// secretsmanager.GetSecretValue, signing name secretsmanager) from secrets,
// by name or ARN; an entry whose value is a jsonReply answers that instead.
func secretsManagerFake(t *testing.T, secrets map[string]any) (*jsonFake, stores) {
	f, srv := newJSONFake(t, "secretsmanager", "secretsmanager", map[string]func(map[string]any) jsonReply{
		"GetSecretValue": func(in map[string]any) jsonReply {
			id := str(in, "SecretId")
			v, ok := secrets[id]
			switch v := v.(type) {
			case jsonReply:
				return v
			case []byte:
				return jsonOK(map[string]any{"ARN": "arn:aws:secretsmanager:" + fakeRegion + ":111122223333:secret:" + id + "-AbCdEf",
					"Name": id, "SecretBinary": base64.StdEncoding.EncodeToString(v), "VersionId": "v1",
					"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
			case string:
				return jsonOK(map[string]any{"ARN": "arn:aws:secretsmanager:" + fakeRegion + ":111122223333:secret:" + id + "-AbCdEf",
					"Name": id, "SecretString": v, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
			}
			require.False(t, ok, "secret %q of type %T", id, v)
			return jsonError(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		},
	})
	return f, fakeStores(srv)
}

// parameterStoreFake answers GetParameter (JSON 1.1, target
// AmazonSSM.GetParameter, signing name ssm) from params; it refuses a
// SecureString read without WithDecryption, as SSM would hand back the
// ciphertext.
func parameterStoreFake(t *testing.T, params map[string]any) (*jsonFake, stores) {
	f, srv := newJSONFake(t, "ssm", "AmazonSSM", map[string]func(map[string]any) jsonReply{
		"GetParameter": func(in map[string]any) jsonReply {
			name := str(in, "Name")
			if d, _ := in["WithDecryption"].(bool); !d {
				t.Errorf("GetParameter %s without WithDecryption", name)
				return jsonOK(map[string]any{"Parameter": map[string]any{"Name": name, "Type": "SecureString", "Value": "AQICAHh-ciphertext"}})
			}
			switch v := params[name].(type) {
			case jsonReply:
				return v
			case string:
				return jsonOK(map[string]any{"Parameter": map[string]any{"Name": name, "Type": "SecureString", "Value": v,
					"Version": 3, "DataType": "text", "ARN": "arn:aws:ssm:" + fakeRegion + ":111122223333:parameter" + name, "LastModifiedDate": 1.7e9}})
			}
			return jsonError(400, "ParameterNotFound", "")
		},
	})
	return f, fakeStores(srv)
}

// TestLoadKeySecretsManager reads the signing key through the real Secrets
// Manager client from the protocol fake, and maps its errors.
func TestLoadKeySecretsManager(t *testing.T) {
	want, err := signer.ParsePrivateKey([]byte(keyPEM))
	require.NoError(t, err)
	f, s := secretsManagerFake(t, map[string]any{
		"cfhls/key":    keyPEM,
		"cfhls/binary": []byte(keyPEM),
		"cfhls/b64":    base64.StdEncoding.EncodeToString([]byte(keyPEM)),
		"cfhls/denied": jsonError(400, "AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/cfhls is not authorized to perform: secretsmanager:GetSecretValue"),
		// The code in the header, with the namespace and URL suffix the
		// services send there: the client must strip them.
		"cfhls/header": jsonReply{status: 400, code: "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.secretsmanager/", message: "gone", inHeader: true},
		"cfhls/kms":    jsonError(400, "DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the provided KMS key."),
		"cfhls/junk":   "not a key",
	})
	for _, tc := range []struct {
		name, secret string
		// code is the error code the client must map to; as, the
		// modelled error type it must produce, if any.
		code string
		as   any
		err  string
	}{
		{"string", "cfhls/key", "", nil, ""},
		{"binary", "cfhls/binary", "", nil, ""},
		{"base64", "cfhls/b64", "", nil, ""},
		{"not found", "cfhls/nope", "ResourceNotFoundException", new(*smtypes.ResourceNotFoundException), "CFHLS_PRIVATE_KEY_SECRET cfhls/nope"},
		{"not found in header", "cfhls/header", "ResourceNotFoundException", new(*smtypes.ResourceNotFoundException), "gone"},
		{"access denied", "cfhls/denied", "AccessDeniedException", nil, "not authorized"},
		{"decryption failure", "cfhls/kms", "DecryptionFailure", new(*smtypes.DecryptionFailure), "CFHLS_PRIVATE_KEY_SECRET"},
		{"not a key", "cfhls/junk", "", nil, "signing key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_PRIVATE_KEY_SECRET": tc.secret}))
			require.NoError(t, err)
			key, err := loadKey(context.Background(), c, s)
			if tc.err == "" {
				require.NoError(t, err)
				assert.True(t, want.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()))
				return
			}
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.err)
			assertAPIError(t, err, tc.code, tc.as)
		})
	}
	assert.Len(t, f.Calls(), 8)
}

// TestLoadKeyParameterStore reads the signing key through the real SSM
// client from the protocol fake, and maps its errors.
func TestLoadKeyParameterStore(t *testing.T) {
	f, s := parameterStoreFake(t, map[string]any{
		"/cfhls/key":    base64.StdEncoding.EncodeToString([]byte(keyPEM)),
		"/cfhls/pem":    keyPEM,
		"/cfhls/ns":     jsonError(400, "com.amazonaws.ssm#ParameterNotFound", "namespaced"),
		"/cfhls/kms":    jsonError(400, "InvalidKeyId", "the KMS key of the SecureString is disabled"),
		"/cfhls/denied": jsonError(400, "AccessDeniedException", "not authorized to perform: ssm:GetParameter"),
	})
	for _, tc := range []struct {
		name, param, code string
		as                any
		err               string
	}{
		{"base64 PEM", "/cfhls/key", "", nil, ""},
		{"PEM", "/cfhls/pem", "", nil, ""},
		{"not found", "/cfhls/nope", "ParameterNotFound", new(*ssmtypes.ParameterNotFound), "CFHLS_PRIVATE_KEY_PARAMETER /cfhls/nope"},
		{"namespaced code", "/cfhls/ns", "ParameterNotFound", new(*ssmtypes.ParameterNotFound), "namespaced"},
		{"invalid key id", "/cfhls/kms", "InvalidKeyId", new(*ssmtypes.InvalidKeyId), "disabled"},
		{"access denied", "/cfhls/denied", "AccessDeniedException", nil, "CFHLS_PRIVATE_KEY_PARAMETER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_PRIVATE_KEY_PARAMETER": tc.param}))
			require.NoError(t, err)
			key, err := loadKey(context.Background(), c, s)
			if tc.err == "" {
				require.NoError(t, err)
				assert.NotNil(t, key)
				return
			}
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.err)
			assertAPIError(t, err, tc.code, tc.as)
		})
	}
	assert.Len(t, f.Calls(), 6)
}

// assertAPIError checks that err carries the service's error code and, when
// as points at a modelled error type, that it is that type.
func assertAPIError(t *testing.T, err error, code string, as any) {
	t.Helper()
	if code == "" {
		return
	}
	var api smithy.APIError
	if assert.ErrorAs(t, err, &api) {
		assert.Equal(t, code, api.ErrorCode())
	}
	if as != nil {
		assert.ErrorAs(t, err, as)
	}
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}
