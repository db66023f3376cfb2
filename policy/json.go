package policy

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
)

// JSON returns the policy statement exactly as CloudFront verifies it, the same
// bytes the AWS SDK for Go v2's sign package encodes:
//
//	{"Statement":[{"Resource":"…","Condition":{"IpAddress":{"AWS:SourceIp":"…"},"DateGreaterThan":{"AWS:EpochTime":N},"DateLessThan":{"AWS:EpochTime":N}}}]}
//
// with absent conditions left out. For a policy that travels in canned form
// these are the bytes CloudFront rebuilds from the request. The policy is
// validated first.
func (p Policy) JSON() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p.sdk()); err != nil {
		return nil, fmt.Errorf("policy: encode JSON: %w", err)
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

// sdk converts to the AWS SDK's policy model, whose encoding is CloudFront's.
func (p Policy) sdk() *sign.Policy {
	st := sign.Statement{Resource: p.Resource}
	st.Condition.DateLessThan = sign.NewAWSEpochTime(p.Expires)
	if !p.NotBefore.IsZero() {
		st.Condition.DateGreaterThan = sign.NewAWSEpochTime(p.NotBefore)
	}
	if p.SourceIP.IsValid() {
		st.Condition.IPAddress = &sign.IPAddress{SourceIP: p.SourceIP.String()}
	}
	return &sign.Policy{Statements: []sign.Statement{st}}
}
