// Package hlstest runs Amazon CloudFront, an S3-like origin and an HLS player
// inside a Go test, the way net/http/httptest runs an HTTP server: users prove
// in go test, without an AWS account, that a viewer with valid credentials can
// play a whole presentation and one without cannot.
//
// NewCloudFront starts a simulated distribution on a loopback address that
// trusts the keys it is given; NewUnstartedCloudFront returns one whose
// fields the caller sets before calling Start, as with
// httptest.NewUnstartedServer. It verifies signed URLs and signed cookies
// with the public keys of a trusted key group (CloudFront.Keys), routes
// requests by cache behavior (Behavior: path pattern, origin, signed or not,
// which viewer query parameters reach the origin, CORS), strips CloudFront's
// signing parameters before an origin sees a request, refuses with
// CloudFront's 403 XML body, and logs every decision (CloudFront.Log).
// CloudFront.Domain gives it a realistic https://d111111abcdef8.cloudfront.net
// address that its Client reaches; CloudFront.ClientFrom sends requests as if
// from another IP address, so IP-bound policies can be tested;
// CloudFront.Now injects time.
//
// NewS3Origin serves an fs.FS the way S3 serves a bucket to CloudFront: HLS
// content types, Range requests, NoSuchKey errors, no listings. Presentation,
// LivePresentation and the playlist generators (MediaTS, MediaFMP4,
// MediaAES128, MediaSampleAES, Master, LowLatency, ...) make realistic,
// deterministic test content; RSAKey and ECDSAKey make test signing keys.
//
// LiveOrigin serves two live presentations that advance with its clock
// (Now): an LL-HLS one (fMP4 parts, blocking playlist reload, delta
// updates, preload hints, rendition reports, alternate audio) and a regular
// MPEG-TS one (sliding window, discontinuity sequence, AES-128 with key
// rotation). Their media is a short loop encoded once with ffmpeg
// (livemedia/gen.sh) that real players decode, served with timestamps
// that keep advancing so that no player notices the loop. Tests drive it
// with a fast injected clock; a demo runs it on the wall clock.
//
// A Player walks a presentation as a real player does, finding URIs with a
// deliberately generic rule (Discover) that does not depend on any rewriter,
// and returns a Report of every request. RequirePlayable and AssertNoRefusals
// fail a test with a readable list of what went wrong.
package hlstest
