package signer_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// BenchmarkVerifierCache verifies RSA-2048 credentials with VerifyURL and
// VerifyCredentials (a carried copy, as playlist.Handler does in
// ModePropagate) three ways:
//   - off: SetCacheSize(0), an RSA verification per call;
//   - cold: 65 distinct credentials in turn through a cache of 64, so every
//     call misses (the cache's own cost on top of off);
//   - warm: the same credentials every call, as one viewer's requests or
//     every viewer of a bucketed policy.
func BenchmarkVerifierCache(b *testing.B) {
	const pool, size = 65, 64
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(b), signer.WithCacheSize(0))
	require.NoError(b, err)
	urls := make([]string, pool)
	creds := make([]signer.Credentials, pool)
	for i := range pool {
		p := policy.New(fmt.Sprintf("%s/movies/%d/*", cdn, i), exp)
		creds[i], err = s.Credentials(p)
		require.NoError(b, err)
		urls[i] = fmt.Sprintf("%s/movies/%d/index.m3u8", cdn, i)
	}
	signed := make([]string, pool)
	for i := range pool {
		signed[i] = urls[i] + "?" + creds[i].Encode()
	}
	calls := map[string]func(v *signer.Verifier, i int) error{
		"VerifyURL": func(v *signer.Verifier, i int) error {
			_, err := v.VerifyURL(signed[i], netip.Addr{}, now)
			return err
		},
		"VerifyCredentials": func(v *signer.Verifier, i int) error {
			_, err := v.VerifyCredentials(urls[i], creds[i], netip.Addr{}, now)
			return err
		},
	}
	for _, call := range []string{"VerifyURL", "VerifyCredentials"} {
		for _, bc := range []struct {
			name     string
			size     int
			distinct int
		}{{"off", 0, 1}, {"cold", size, pool}, {"warm", size, 1}} {
			b.Run(call+"/"+bc.name, func(b *testing.B) {
				v := signer.NewVerifier()
				require.NoError(b, v.SetCacheSize(bc.size))
				require.NoError(b, v.AddKey("K2JCJMDEHXQW5F", testRSAKey(b).Public()))
				f := calls[call]
				require.NoError(b, f(v, 0))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i = (i + 1) % bc.distinct
					if err := f(v, i); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
