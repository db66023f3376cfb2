package policy_test

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/cfhls/cfhls/policy"
)

func ExampleNew() {
	p := policy.New("https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8", time.Unix(1900000000, 0))
	doc, err := p.JSON()
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Form())
	fmt.Println(string(doc))
	// Output:
	// canned
	// {"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}
}

func ExamplePolicy_Form() {
	scope, err := policy.DirScope("https://d111111abcdef8.cloudfront.net/movies/1/index.m3u8")
	if err != nil {
		panic(err)
	}
	p := policy.New(scope, time.Unix(1900000000, 0))
	p.NotBefore = time.Unix(1800000000, 0)
	p.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	doc, err := p.JSON()
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Form())
	fmt.Println(string(doc))
	fmt.Println(policy.Encode(doc)[:40] + "…")
	// Output:
	// custom
	// {"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/movies/1/*","Condition":{"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"},"DateGreaterThan":{"AWS:EpochTime":1800000000},"DateLessThan":{"AWS:EpochTime":1900000000}}}]}
	// eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoiaHR0…
}

func ExampleMatch() {
	const scope = "https://d111111abcdef8.cloudfront.net/movies/1/*"
	fmt.Println(policy.Match(scope, "https://d111111abcdef8.cloudfront.net/movies/1/720p/seg-1.ts?v=2"))
	fmt.Println(policy.Match(scope, "https://d111111abcdef8.cloudfront.net/movies/10/index.m3u8"))
	// Output:
	// true
	// false
}

func ExampleRoundUp() {
	issued := time.Date(2026, 11, 22, 9, 7, 31, 0, time.UTC)
	fmt.Println(policy.RoundUp(issued.Add(6*time.Hour), 15*time.Minute).UTC().Format(time.RFC3339))
	// Output: 2026-11-22T15:15:00Z
}

func ExamplePolicy_Evaluate() {
	p := policy.New("https://d111111abcdef8.cloudfront.net/movies/1/*", time.Unix(1900000000, 0))
	err := p.Evaluate("https://d111111abcdef8.cloudfront.net/movies/1/a.ts", netip.Addr{}, time.Unix(1900000060, 0))
	fmt.Println(errors.Is(err, policy.ErrExpired))
	// Output: true
}

func ExampleParse() {
	p, err := policy.Parse([]byte(`{"Statement":{"Resource":"https://d/movies/*","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}}`))
	fmt.Println(p.Resource, p.Expires.Unix(), err)
	_, err = policy.Parse([]byte(`{"Statement":[{"Resource":"https://d/*","Condition":{"DateLessThan":{"AWS:EpochTime":1},"StringLike":{}}}]}`))
	fmt.Println(errors.Is(err, policy.ErrMalformed))
	// Output:
	// https://d/movies/* 1900000000 <nil>
	// true
}
