package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// Key IDs of the KMS fake's keys in the tests.
const (
	kmsRSA   = "1234abcd-12ab-34cd-56ef-1234567890ab"
	kmsEC    = "0987dcba-09fe-87dc-65ba-ab0987654321"
	kmsOther = "11112222-3333-4444-5555-666677778888"
)

// testKMS starts a KMS fake holding an RSA 2048 and an ECDSA P-256 signing
// key (aliases alias/cfhls-rsa and alias/cfhls-ec), a third P-256 key, and
// keys CloudFront cannot use.
func testKMS(t *testing.T) (*kmsFake, stores) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	return newKMSFake(t, map[string]kmsKey{
		kmsRSA:      {private: hlstest.RSAKey().Private},
		kmsEC:       {private: hlstest.NewECDSAKey("KEC").Private},
		kmsOther:    {private: hlstest.NewECDSAKey("KOTHER").Private},
		"rsa-1024":  {private: small},
		"p384":      {private: p384},
		"symmetric": {},
		"encrypt":   {private: hlstest.RSAKey().Private, usage: "ENCRYPT_DECRYPT"},
		"disabled":  {private: hlstest.RSAKey().Private, disabled: true},
	}, map[string]string{"alias/cfhls-rsa": kmsRSA, "alias/cfhls-ec": kmsEC})
}

// TestKMSSigner signs CloudFront credentials with keys held by the KMS fake
// through the real KMS client, and verifies them as CloudFront would.
func TestKMSSigner(t *testing.T) {
	f, s := testKMS(t)
	for _, tc := range []struct{ name, keyID, want string }{
		{"RSA by key ID", kmsRSA, "RSASSA_PKCS1_V1_5_SHA_256"},
		{"RSA by key ARN", kmsARN(kmsRSA), "RSASSA_PKCS1_V1_5_SHA_256"},
		{"ECDSA by alias", "alias/cfhls-ec", "ECDSA_SHA_256"},
		{"ECDSA by alias ARN", "arn:aws:kms:" + fakeRegion + ":111122223333:alias/cfhls-ec", "ECDSA_SHA_256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_KMS_KEY_ID": tc.keyID}))
			require.NoError(t, err)
			assert.Equal(t, crypto.SHA256, c.hash)
			key, err := loadKey(context.Background(), c, s)
			require.NoError(t, err)
			ks := key.(*kmsSigner)
			assert.Equal(t, kmstypes.SigningAlgorithmSpec(tc.want), ks.algorithm)
			before := len(f.Calls())

			sg, err := signer.New(c.keyPairID, key, signer.WithHash(c.hash))
			require.NoError(t, err)
			now := time.Now()
			for i := range 3 {
				signed, err := sg.SignURL(cdn+"/movies/1/index.m3u8", policy.Policy{Resource: cdn + "/movies/1/*", Expires: now.Add(time.Hour + time.Duration(i)*time.Minute)})
				require.NoError(t, err)
				assert.Contains(t, signed, "&Hash-Algorithm=SHA256")
				v := signer.NewVerifier()
				require.NoError(t, v.AddKey(c.keyPairID, key.Public()))
				_, err = v.VerifyURL(signed, netip.MustParseAddr("192.0.2.1"), now)
				assert.NoError(t, err)
			}
			assert.Equal(t, []string{"Sign", "Sign", "Sign"}, f.Calls()[before:], "the public key is fetched once, at startup")
		})
	}
}

// TestKMSSignerErrors: keys CloudFront cannot use fail at startup, naming
// the variable, and KMS errors map to the SDK's modelled types.
func TestKMSSignerErrors(t *testing.T) {
	_, s := testKMS(t)
	for _, tc := range []struct {
		name, keyID, err string
		as               any
	}{
		{"not found", "alias/nope", "NotFoundException", new(*kmstypes.NotFoundException)},
		{"disabled", "disabled", "DisabledException", new(*kmstypes.DisabledException)},
		{"symmetric", "symmetric", "UnsupportedOperationException", new(*kmstypes.UnsupportedOperationException)},
		{"encryption key", "encrypt", "key usage is \"ENCRYPT_DECRYPT\"", nil},
		{"RSA 1024", "rsa-1024", "RSA key of 1024 bits", nil},
		{"P-384", "p384", "ECDSA key on P-384", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_KMS_KEY_ID": tc.keyID}))
			require.NoError(t, err)
			_, err = loadKey(context.Background(), c, s)
			require.Error(t, err)
			assert.ErrorContains(t, err, "CFHLS_KMS_KEY_ID "+tc.keyID)
			assert.ErrorContains(t, err, tc.err)
			if tc.as != nil {
				assert.ErrorAs(t, err, tc.as)
			}
		})
	}
}

// TestKMSSignerRefuses: what KMS cannot do fails before a call, and a key
// that changed under its alias fails before a bad signature is used.
func TestKMSSignerRefuses(t *testing.T) {
	f, s := testKMS(t)
	c, err := loadConfig(env(map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_KMS_KEY_ID": "alias/cfhls-ec"}))
	require.NoError(t, err)
	key, err := loadKey(context.Background(), c, s)
	require.NoError(t, err)
	p := policy.Policy{Resource: cdn + "/movies/1/*", Expires: time.Now().Add(time.Hour)}

	t.Run("SHA-1", func(t *testing.T) {
		before := len(f.Calls())
		sha1, err := signer.New(c.keyPairID, key) // the default hash, SHA-1
		require.NoError(t, err)
		_, err = sha1.Credentials(p)
		assert.ErrorIs(t, err, ErrKMSHash)
		assert.Len(t, f.Calls(), before, "no KMS call")
	})
	t.Run("PSS", func(t *testing.T) {
		_, err := key.Sign(nil, make([]byte, 32), &rsa.PSSOptions{Hash: crypto.SHA256})
		assert.ErrorContains(t, err, "PKCS #1 v1.5")
	})
	t.Run("alias moved", func(t *testing.T) {
		f.point("alias/cfhls-ec", kmsOther)
		t.Cleanup(func() { f.point("alias/cfhls-ec", kmsEC) })
		sg, err := signer.New(c.keyPairID, key, signer.WithHash(c.hash))
		require.NoError(t, err)
		_, err = sg.Credentials(p)
		assert.ErrorContains(t, err, "does not verify")
		assert.ErrorContains(t, err, kmsARN(kmsOther))
	})
}

// TestKMSBehindSimulator deploys the function with CFHLS_KMS_KEY_ID behind
// the simulated CloudFront, whose key group holds the KMS key's public key:
// a player plays the presentation in every mode, and the signed URL verifies
// in signer.Verifier. The function never holds the private key.
func TestKMSBehindSimulator(t *testing.T) {
	f, s := testKMS(t)
	for _, mode := range []string{"propagate", "server-side", "cookies"} {
		t.Run(mode, func(t *testing.T) {
			fsys := hlstest.Presentation("movies/1")
			var fn http.Handler = http.NotFoundHandler()
			fnURL := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fn.ServeHTTP(w, r) }))
			defer fnURL.Close()
			c, err := loadConfig(env(map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_KMS_KEY_ID": "alias/cfhls-rsa",
				"CFHLS_MODE": mode, "CFHLS_PLAYLIST": "/movies/{id}/master.m3u8"}))
			require.NoError(t, err)
			key, err := loadKey(context.Background(), c, s)
			require.NoError(t, err)
			require.IsType(t, &kmsSigner{}, key)

			cf := hlstest.NewUnstartedCloudFront(hlstest.NewS3Origin(fsys))
			cf.Keys = []hlstest.Key{{ID: c.keyPairID, Public: key.Public()}}
			cf.Behaviors = []hlstest.Behavior{{PathPattern: "*.m3u8", Origin: proxyTo(t, fnURL.URL), Query: hlstest.ForwardAll()}}
			cf.Start()
			defer cf.Close()
			c.cdn = mustParse(t, cf.URL)
			app, err := newApp(c, key, hlstest.NewS3Origin(fsys))
			require.NoError(t, err)
			fn = functionURL(t, httpadapter.NewV2(app).ProxyWithContext)

			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			client := *cf.Client()
			client.Jar = jar
			signed := signURL(t, &client, fnURL.URL+"/sign?id=1")
			if mode == "cookies" {
				jar.SetCookies(mustParse(t, cf.URL), jar.Cookies(mustParse(t, fnURL.URL)))
				assert.Contains(t, cookieNames(jar, cf.URL), "CloudFront-Hash-Algorithm")
			} else {
				u, err := url.Parse(signed)
				require.NoError(t, err)
				assert.Equal(t, "SHA256", u.Query().Get("Hash-Algorithm"))
				v := signer.NewVerifier()
				require.NoError(t, v.AddKey(c.keyPairID, key.Public()))
				_, err = v.VerifyURL(signed, netip.MustParseAddr("192.0.2.1"), time.Now())
				assert.NoError(t, err)
			}
			before := len(f.Calls())
			report, err := (&hlstest.Player{Client: &client}).Play(context.Background(), signed)
			require.NoError(t, err)
			hlstest.RequirePlayable(t, report)
			assert.Empty(t, cf.Refusals())
			// Credentials are cached by policy: one KMS call per policy and
			// expiry bucket, not one per playlist.
			assert.LessOrEqual(t, len(f.Calls())-before, 1)
		})
	}
}

// cookieNames lists the names of the cookies jar sends to rawURL.
func cookieNames(jar http.CookieJar, rawURL string) []string {
	u, _ := url.Parse(rawURL)
	var names []string
	for _, c := range jar.Cookies(u) {
		names = append(names, c.Name)
	}
	return names
}

// TestLoadConfigKMS: CFHLS_KMS_KEY_ID is one of the key sources, names a
// key rather than holding one, and makes the signatures SHA-256.
func TestLoadConfigKMS(t *testing.T) {
	for _, tc := range []struct {
		name string
		over map[string]string
		hash crypto.Hash
		err  string
	}{
		{"PEM signs SHA-1", nil, crypto.SHA1, ""},
		{"KMS signs SHA-256", map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_KMS_KEY_ID": "alias/cfhls"}, crypto.SHA256, ""},
		{"KMS and PEM", map[string]string{"CFHLS_KMS_KEY_ID": "alias/cfhls"}, 0, "CFHLS_KMS_KEY_ID (2 set)"},
		{"KMS and secret", map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_PRIVATE_KEY_SECRET": "k", "CFHLS_KMS_KEY_ID": kmsRSA}, 0, "(2 set)"},
		{"a key, not a key ID", map[string]string{"CFHLS_PRIVATE_KEY": "", "CFHLS_KMS_KEY_ID": keyPEM}, 0, "CFHLS_KMS_KEY_ID must name a KMS key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.over))
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.hash, c.hash)
		})
	}
}
