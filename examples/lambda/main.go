// Command lambda runs the cfhls sign endpoint and playlist origin in AWS
// Lambda, behind API Gateway HTTP APIs (payload format 2.0) or a Lambda
// function URL (the same payload).
//
// Configuration comes from environment variables, read once at init (see
// config.go); the signing key from CFHLS_PRIVATE_KEY (PEM or base64 PEM),
// Secrets Manager (CFHLS_PRIVATE_KEY_SECRET) or SSM Parameter Store
// (CFHLS_PRIVATE_KEY_PARAMETER).
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

func main() {
	ctx := context.Background()
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	s := awsStores(ctx)
	key, err := loadKey(ctx, cfg, s)
	if err != nil {
		log.Fatal(err)
	}
	origin, err := newOrigin(cfg, s)
	if err != nil {
		log.Fatal(err)
	}
	app, err := newApp(cfg, key, origin)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(httpadapter.NewV2(app).ProxyWithContext)
}
