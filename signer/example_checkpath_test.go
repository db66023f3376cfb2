package signer_test

import (
	"errors"
	"fmt"

	"github.com/cfhls/cfhls/signer"
)

// A Verifier refuses a path that could step out of the directory a wildcard
// policy covers, before it looks at credentials; CheckPath is the same test
// on its own, for handlers that want it as defence in depth.
func ExampleCheckPath() {
	for _, u := range []string{
		"https://d111111abcdef8.cloudfront.net/movies/1/a.ts",
		"https://d111111abcdef8.cloudfront.net/movies/1/../2/a.ts",
		"https://d111111abcdef8.cloudfront.net/movies/1/%2E%2e/2/a.ts",
		"https://d111111abcdef8.cloudfront.net/movies/1/..%2f2/a.ts",
	} {
		err := signer.CheckPath(u)
		fmt.Println(errors.Is(err, signer.ErrDotSegment), err)
	}
	// Output:
	// false <nil>
	// true signer: dot segment in the request path: a "." or ".." segment
	// true signer: dot segment in the request path: a percent-encoded dot segment or separator
	// true signer: dot segment in the request path: a percent-encoded dot segment or separator
}
