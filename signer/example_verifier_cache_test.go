package signer_test

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// A key leaves the trusted key group: credentials naming it are refused from
// then on, even those whose signature the Verifier has cached.
func ExampleVerifier_RemoveKey() {
	pub, err := signer.LoadPublicKey("testdata/keys/rsa2048-pub-pkix.pem")
	if err != nil {
		panic(err)
	}
	v := signer.NewVerifier()
	if err := v.AddKey("K2JCJMDEHXQW5F", pub); err != nil {
		panic(err)
	}
	// A URL signed by `aws cloudfront sign` (testdata/vectors).
	signed := "https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8?Expires=1900000000&Signature=Tyr~HxzRYCUibVbepTBKpiVfp89vO4QVWFjLc7EuSZDIjiDyHHLlrA1-MUpRD51Oob1KK~L4QqsjEdoMdyyBI8gYJ9E7kHKXtMxDd4RwhLOx~wTWsE9qlVgHnhcUBYX2rG~Eb04Q9n6gEo5jBpjtvX2WLa2R~AR24GcUU~kW5ExTYFAA12KvwcXvMEmSq8kOSyUJKND9KXbmsJftgRbny~SeCDYfVRdPx1EaaYkz4s2QqLc8GRvKJyD4CQmtHezgAgEJSIaZ0FmFuQMyNgheJssm82XRymbFvTXm~eMzu1J1eAvPgs82HCSyutENz7A8Bc-~tPlCFeVtYjSL4V4sCQ__&Key-Pair-Id=K2JCJMDEHXQW5F"
	client, at := netip.MustParseAddr("192.0.2.1"), time.Unix(1850000000, 0)

	_, err = v.VerifyURL(signed, client, at)
	fmt.Println(err)
	v.RemoveKey("K2JCJMDEHXQW5F")
	_, err = v.VerifyURL(signed, client, at)
	fmt.Println(errors.Is(err, signer.ErrUnknownKey))
	// Output:
	// <nil>
	// true
}

func ExampleVerifier_SetCacheSize() {
	v := signer.NewVerifier()
	// Remember up to 100,000 verified signatures (about 10 MB) instead of
	// DefaultVerifierCacheSize; 0 would verify every signature every time.
	if err := v.SetCacheSize(100_000); err != nil {
		panic(err)
	}
	err := v.SetCacheSize(-1)
	fmt.Println(errors.Is(err, signer.ErrConfig))
	fmt.Println(err)
	// Output:
	// true
	// signer: invalid configuration: Verifier.SetCacheSize(-1): the size is negative; 0 disables the cache
}
