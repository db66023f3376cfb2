// Package policy describes what a CloudFront credential allows: which resource,
// until when, from when, and from which IPv4 network.
//
// A [Policy] is a plain value: [New] and a literal build the same thing, and
// [Policy.Form] derives from its fields whether credentials for it travel in
// canned or custom form. [Policy.Validate]
// checks it against CloudFront's rules; [Policy.JSON] returns the exact bytes
// CloudFront verifies (the same bytes the AWS SDK for Go v2 encodes); [Parse]
// reads policy JSON back; [Encode] and [Decode] convert to and from CloudFront's
// URL-safe base64. [Match] applies CloudFront's wildcard rules, [DirScope]
// scopes a playlist URL to its directory, and [RoundUp] buckets expiry times so
// that every viewer in the same bucket gets the same policy (and so the same
// cached signature and stable URLs). [Policy.Evaluate] decides whether a request
// is allowed, with sentinel errors callers can branch on.
package policy
