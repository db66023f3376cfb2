package signer_test

import (
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// exampleSigner loads the committed test key; real code loads its own.
func exampleSigner(opts ...signer.Option) *signer.Signer {
	key, err := signer.LoadPrivateKey("testdata/keys/rsa2048-pkcs8.pem")
	if err != nil {
		panic(err)
	}
	s, err := signer.New("K2JCJMDEHXQW5F", key, opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// short cuts long base64 values so the output stays readable.
func short(u string) string {
	parts := strings.Split(u, "&")
	for i, p := range parts {
		if name, v, ok := strings.Cut(p, "="); ok && len(v) > 20 {
			parts[i] = name + "=" + v[:8] + "…"
		}
	}
	return strings.Join(parts, "&")
}

func ExampleParsePrivateKey() {
	for _, file := range []string{"rsa2048-pkcs1.pem", "rsa2048-pkcs8.pem", "ec-p256-sec1.pem", "rsa1024.pem", "rsa2048-encrypted-pkcs8.pem"} {
		pem, err := os.ReadFile("testdata/keys/" + file)
		if err != nil {
			panic(err)
		}
		key, err := signer.ParsePrivateKey(pem)
		switch {
		case errors.Is(err, signer.ErrEncryptedKey):
			fmt.Println(file, "→ encrypted:", err)
		case err != nil:
			fmt.Println(file, "→", err)
		default:
			fmt.Printf("%s → %T\n", file, key)
		}
	}
	// Output:
	// rsa2048-pkcs1.pem → *rsa.PrivateKey
	// rsa2048-pkcs8.pem → *rsa.PrivateKey
	// ec-p256-sec1.pem → *ecdsa.PrivateKey
	// rsa1024.pem → signer: unsupported key: RSA 1024 bits; CloudFront accepts RSA 2048 (openssl genrsa -out key.pem 2048)
	// rsa2048-encrypted-pkcs8.pem → encrypted: signer: key is encrypted: encrypted PKCS#8; write a plain copy with: openssl pkcs8 -in key.pem -out key-plain.pem
}

func ExampleSigner_SignURL_canned() {
	s := exampleSigner()
	const u = "https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8"
	signed, err := s.SignURL(u, policy.New(u, time.Unix(1900000000, 0)))
	if err != nil {
		panic(err)
	}
	fmt.Println(short(signed))
	// Output: https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8?Expires=1900000000&Signature=Tyr~HxzR…&Key-Pair-Id=K2JCJMDEHXQW5F
}

func ExampleSigner_SignURL_wildcard() {
	s := exampleSigner()
	master := "https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8?lang=en"
	scope, err := policy.DirScope(master)
	if err != nil {
		panic(err)
	}
	signed, err := s.SignURL(master, policy.New(scope, time.Unix(1900000000, 0)))
	if err != nil {
		panic(err)
	}
	fmt.Println(short(signed))
	_, err = s.SignURL("https://d111111abcdef8.cloudfront.net/movies/10/index.m3u8", policy.New(scope, time.Unix(1900000000, 0)))
	fmt.Println(errors.Is(err, signer.ErrResource))
	// Output:
	// https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8?lang=en&Policy=eyJTdGF0…&Signature=g0KfYhEO…&Key-Pair-Id=K2JCJMDEHXQW5F
	// true
}

func ExampleWithHash() {
	s := exampleSigner(signer.WithHash(crypto.SHA256))
	c, err := s.Credentials(policy.New("https://d111111abcdef8.cloudfront.net/movies/1/*", time.Unix(1900000000, 0)))
	if err != nil {
		panic(err)
	}
	fmt.Println(short(c.Encode()))
	// Output: Policy=eyJTdGF0…&Signature=B6fhgJNN…&Key-Pair-Id=K2JCJMDEHXQW5F&Hash-Algorithm=SHA256
}

func ExampleSigner_Cookies() {
	s := exampleSigner()
	cookies, err := s.Cookies(policy.New("https://d111111abcdef8.cloudfront.net/movies/1/*", time.Unix(1900000000, 0)),
		signer.CookieOptions{Domain: "d111111abcdef8.cloudfront.net"})
	if err != nil {
		panic(err)
	}
	for _, c := range cookies {
		fmt.Printf("%s=%.8s… Secure=%v HttpOnly=%v Domain=%s Path=%s\n", c.Name, c.Value, c.Secure, c.HttpOnly, c.Domain, c.Path)
	}
	// Output:
	// CloudFront-Policy=eyJTdGF0… Secure=true HttpOnly=true Domain=d111111abcdef8.cloudfront.net Path=/
	// CloudFront-Signature=g0KfYhEO… Secure=true HttpOnly=true Domain=d111111abcdef8.cloudfront.net Path=/
	// CloudFront-Key-Pair-Id=K2JCJMDE… Secure=true HttpOnly=true Domain=d111111abcdef8.cloudfront.net Path=/
}

func ExampleCarrier() {
	s := exampleSigner()
	p := policy.New("https://d111111abcdef8.cloudfront.net/movies/1/*", time.Unix(1900000000, 0))
	signed, err := s.SignURL("https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8", p)
	if err != nil {
		panic(err)
	}
	creds, err := s.Credentials(p)
	if err != nil {
		panic(err)
	}
	carrier := signer.Suffix("-PREFIX") // the AWS blog's KEY_PREFIX convention
	viewerURL := signed + "&" + carrier.Encode(creds)

	// CloudFront strips its own parameters; the origin still sees the copies.
	u, _ := url.Parse(viewerURL)
	q := u.Query()
	for _, n := range []string{"Policy", "Signature", "Key-Pair-Id"} {
		q.Del(n)
	}
	got, err := carrier.Extract(q)
	fmt.Println(got == creds, err)
	fmt.Println(short(carrier.Encode(got)))
	// Output:
	// true <nil>
	// Policy-PREFIX=eyJTdGF0…&Signature-PREFIX=g0KfYhEO…&Key-Pair-Id-PREFIX=K2JCJMDEHXQW5F
}

func ExampleVerifier() {
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
	client := netip.MustParseAddr("192.0.2.1")

	res, err := v.VerifyURL(signed, client, time.Unix(1850000000, 0))
	fmt.Println(res.Form, res.URL, err)

	_, err = v.VerifyURL(signed, client, time.Unix(1900000000, 0))
	fmt.Println(errors.Is(err, signer.ErrExpired))

	_, err = v.VerifyURL(strings.Replace(signed, "/1/", "/2/", 1), client, time.Unix(1850000000, 0))
	fmt.Println(errors.Is(err, signer.ErrBadSignature))
	// Output:
	// canned https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8 <nil>
	// true
	// true
}

func ExampleHandler() {
	h := &signer.Handler{
		Now:      func() time.Time { return time.Unix(1850000000, 0) }, // for a stable output; nil means time.Now
		Signer:   exampleSigner(),
		Playlist: "https://d111111abcdef8.cloudfront.net/movies/{id}/index.m3u8",
		Authorize: func(r *http.Request, id string) (signer.Grant, error) {
			if r.Header.Get("Authorization") == "" { // check the viewer's session here
				return signer.Grant{}, signer.ErrNotAuthorized
			}
			return signer.Grant{}, nil // the playlist's directory, Handler.TTL
		},
		Format: signer.FormatRedirect,
	}
	r := httptest.NewRequest("GET", "/sign?id=1", nil)
	r.Header.Set("Authorization", "Bearer demo")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, short(w.Header().Get("Location")))

	r = httptest.NewRequest("GET", "/sign?id=../../etc", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// 302 https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8?Policy=eyJTdGF0…&Signature=gYSJm8NW…&Key-Pair-Id=K2JCJMDEHXQW5F
	// 400 {"error":"id \"../../etc\": empty, '.' or '..' path segment"}
}
