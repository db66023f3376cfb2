package main

import (
	"context"
	"crypto"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
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
	// secrets reads CFHLS_PRIVATE_KEY_SECRET.
	secrets func() (secretStore, error)
	// parameters reads CFHLS_PRIVATE_KEY_PARAMETER.
	parameters func() (parameterStore, error)
	// objects reads CFHLS_ORIGIN_BUCKET.
	objects func() (objectStore, error)
	// keys signs with CFHLS_KMS_KEY_ID.
	keys func() (keyService, error)
}

// awsStores builds clients from the function's environment (region and
// role credentials that Lambda provides).
func awsStores(ctx context.Context) stores {
	return storesFrom(func() (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) })
}

// storesFrom builds the real SDK clients from the configuration load
// returns: the environment's in awsStores, one pointed at local fakes of the
// services in tests.
func storesFrom(load func() (aws.Config, error)) stores {
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
		keys: func() (keyService, error) {
			c, err := load()
			return kms.NewFromConfig(c), err
		},
	}
}

// loadKey reads the signing key from the one configured source. With
// CFHLS_KMS_KEY_ID it returns a signer whose private key stays in KMS (its
// public key is fetched once, here); main needs nothing more, as c.hash makes
// newApp sign with SHA-256.
func loadKey(ctx context.Context, c config, s stores) (crypto.Signer, error) {
	var pem string
	switch {
	case c.keyKMS != "":
		client, err := s.keys()
		if err != nil {
			return nil, fmt.Errorf("kms client: %w", err)
		}
		key, err := newKMSSigner(ctx, client, c.keyKMS)
		if err != nil {
			return nil, fmt.Errorf("CFHLS_KMS_KEY_ID %s: %w", c.keyKMS, err)
		}
		return key, nil
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
