package main

import (
	"context"
	"crypto"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cfhls/cfhls/signer"
)

// secretStore is the part of the Secrets Manager client the function uses.
type secretStore interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// parameterStore is the part of the SSM client the function uses.
type parameterStore interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// stores makes the AWS clients only when the configuration needs them.
type stores struct {
	secrets    func() (secretStore, error)
	parameters func() (parameterStore, error)
	objects    func() (objectStore, error)
}

// awsStores builds clients from the function's environment (region and
// role credentials that Lambda provides).
func awsStores(ctx context.Context) stores {
	load := func() (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) }
	return stores{
		secrets: func() (secretStore, error) {
			c, err := load()
			return secretsmanager.NewFromConfig(c), err
		},
		parameters: func() (parameterStore, error) {
			c, err := load()
			return ssm.NewFromConfig(c), err
		},
		objects: func() (objectStore, error) {
			c, err := load()
			return s3.NewFromConfig(c), err
		},
	}
}

// loadKey reads the signing key from the one configured source.
func loadKey(ctx context.Context, c config, s stores) (crypto.Signer, error) {
	var pem string
	switch {
	case c.keyPEM != "":
		pem = c.keyPEM
	case c.keySecret != "":
		client, err := s.secrets()
		if err != nil {
			return nil, fmt.Errorf("secrets manager client: %w", err)
		}
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(c.keySecret)})
		if err != nil {
			return nil, fmt.Errorf("CFHLS_PRIVATE_KEY_SECRET %s: %w", c.keySecret, err)
		}
		if out.SecretString != nil {
			pem = *out.SecretString
		} else {
			pem = string(out.SecretBinary)
		}
	case c.keyParameter != "":
		client, err := s.parameters()
		if err != nil {
			return nil, fmt.Errorf("ssm client: %w", err)
		}
		out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(c.keyParameter), WithDecryption: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("CFHLS_PRIVATE_KEY_PARAMETER %s: %w", c.keyParameter, err)
		}
		if out.Parameter == nil || out.Parameter.Value == nil {
			return nil, fmt.Errorf("CFHLS_PRIVATE_KEY_PARAMETER %s: parameter has no value", c.keyParameter)
		}
		pem = *out.Parameter.Value
	}
	key, err := signer.ParsePrivateKey([]byte(pem))
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return key, nil
}
