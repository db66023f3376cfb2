package signer_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/signer"
)

func TestSplitSignedURL(t *testing.T) {
	for _, tc := range []struct {
		name, in, url string
		params        url.Values
	}{
		{"plain", "https://d/a.ts", "https://d/a.ts", url.Values{}},
		{"empty query kept", "https://d/a.ts?", "https://d/a.ts?", url.Values{}},
		{"others kept in order", "https://d/a.ts?b=2&Expires=1&a=1#f", "https://d/a.ts?b=2&a=1", url.Values{"Expires": {"1"}}},
		{"only signing", "https://d/a.ts?Policy=P&Signature=S&Key-Pair-Id=K", "https://d/a.ts",
			url.Values{"Policy": {"P"}, "Signature": {"S"}, "Key-Pair-Id": {"K"}}},
		{"escaped name", "https://d/a.ts?Key%2DPair-Id=K&x=%41", "https://d/a.ts?x=%41", url.Values{"Key-Pair-Id": {"K"}}},
		{"repeated", "https://d/a.ts?Signature=A&Signature=B", "https://d/a.ts", url.Values{"Signature": {"A", "B"}}},
		{"carried copies are not signing parameters", "https://d/a.m3u8?Policy-PREFIX=P", "https://d/a.m3u8?Policy-PREFIX=P", url.Values{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, params := signer.SplitSignedURL(tc.in)
			assert.Equal(t, tc.url, got)
			assert.Equal(t, tc.params, params)
		})
	}
}
