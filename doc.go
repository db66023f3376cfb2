// Package cfhls is a library for private HLS video behind Amazon CloudFront.
//
// CloudFront refuses a request for private content unless it carries valid
// credentials: a signed URL or signed cookies. An HLS player, though, makes many
// requests after the first: variant and media playlists, segments, init maps,
// keys, LL-HLS parts. Each needs credentials of its own, and CloudFront strips
// its signing parameters before the origin sees a request, so an origin cannot
// simply copy them from the playlist request onto the URIs it serves.
//
// cfhls supports the three ways to make that work:
//
//   - Propagation: the viewer's URL carries the credentials twice, as
//     CloudFront's own parameters and as prefixed copies (Policy-PREFIX=… in
//     the AWS blog's convention) that CloudFront forwards. The origin reads the
//     copies and puts credentials on every URI of the playlist, and the copies
//     again on URIs of nested playlists, so they propagate one hop further at
//     each level.
//   - Server-side signing: the origin holds the key and signs one wildcard
//     policy for the presentation's directory (https://cdn/movies/1/*) per
//     expiry bucket, and puts it on every URI of the playlists it serves.
//   - Signed cookies: one wildcard policy travels as CloudFront-* cookies and
//     playlists stay untouched.
//
// The packages, each depending only on those before it:
//
//   - policy: what a credential allows (resource, expiry, start, source IP);
//     CloudFront's JSON, base64 and wildcard rules.
//   - signer: keys, signed URLs and cookies (SHA-1 and SHA-256, RSA and
//     ECDSA), prefixed copies, and a Verifier that checks requests as
//     CloudFront does.
//   - playlist: a streaming m3u8 rewriter that puts credentials on every URI,
//     and HTTP handlers built on it.
//   - hlstest: CloudFront, an S3-like origin and an HLS player inside a Go
//     test, like net/http/httptest.
//   - examples: a local server running the whole stack, a Lambda, and the
//     cfhls command line tool.
//
// # Configuration
//
// Each kind of object is configured one way, the way the standard library
// configures its kind:
//
//   - Values are plain structs: a literal is as good as a constructor
//     (policy.Policy, signer.Credentials, signer.Carrier, hlstest.Behavior).
//     Nothing about them is hidden; every property is derived from the
//     exported fields.
//   - Handlers and the Rewriter are structs with exported fields whose zero
//     values are documented defaults, set before first use and never changed
//     after, as with http.Server and httputil.ReverseProxy
//     (playlist.Rewriter, playlist.Handler, playlist.KeyServer,
//     signer.Handler). A program builds them in one literal that reads as
//     its configuration; what a field's absence means is written beside it.
//     Each handler checks that its fields fit together (Validate, which
//     programs call at startup, and again at the first request): a handler
//     that fails it answers every request 500 and logs why, because a wrong
//     mix of fields could grant or leak credentials.
//   - Key holders are made by a constructor that checks its input: a
//     signer.Signer by signer.New(keyPairID, key, opts...) with functional
//     options, and cannot be changed afterwards; it is shared by every
//     handler of a program, a setting changed under it would corrupt its
//     cache, and a bad key or option belongs at startup, as an error that
//     wraps a sentinel (signer.ErrKeyPairID, ErrUnsupportedKey, ErrConfig,
//     ...). A signer.Verifier, from signer.NewVerifier, takes keys with
//     AddKey at any time, so a program can trust a new key while it rotates
//     keys.
//   - Test servers follow net/http/httptest: hlstest.NewCloudFront returns
//     a started simulator; hlstest.NewUnstartedCloudFront returns one whose
//     exported fields are set before Start.
//
// Time is injected one way everywhere: a Now func() time.Time field, nil
// meaning time.Now, on every object that reads the clock (playlist.Handler,
// playlist.KeyServer, signer.Handler, hlstest.CloudFront). A signer.Signer
// reads no clock: it signs the expiry it is given, and whoever chooses the
// expiry owns the time. Functions that judge a request at a moment take the
// moment as an argument (signer.Verifier's methods, policy.Policy.Evaluate).
package cfhls
