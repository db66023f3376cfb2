module github.com/cfhls/cfhls

go 1.24

require (
	github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign v1.9.16
	github.com/grafov/m3u8 v0.12.1
	github.com/stretchr/testify v1.12.1
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
