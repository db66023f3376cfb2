// Command lambda runs the cfhls sign endpoint and playlist origin in AWS
// Lambda, behind API Gateway HTTP APIs (payload format 2.0) or a Lambda
// function URL (the same payload).
//
// Configuration comes from environment variables, read once at init (see
// config.go); the signing key from CFHLS_PRIVATE_KEY (PEM or base64 PEM),
// Secrets Manager (CFHLS_PRIVATE_KEY_SECRET) or SSM Parameter Store
// (CFHLS_PRIVATE_KEY_PARAMETER); or no private key at all: an asymmetric
// AWS KMS key signs (CFHLS_KMS_KEY_ID, see kmssigner.go).
//
// The binary picks how to run from its environment:
//
//   - Inside Lambda (AWS_LAMBDA_RUNTIME_API is set), it runs the Runtime API
//     loop of aws-lambda-go. A configuration it cannot start with is reported
//     to the Runtime API's initialization error endpoint before it exits, so
//     Lambda shows the reason (see runtime.go).
//   - Outside Lambda, with CFHLS_LOCAL_ADDR=127.0.0.1:9000 or -local
//     127.0.0.1:9000, it serves the same handler with net/http on that
//     loopback address, so it can be tried with curl (local mode, local.go).
//   - With neither, it exits with status 2 and says what to set.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Exit statuses of run.
const (
	exitOK    = 0
	exitInit  = 1 // the configuration, the key or the listener failed
	exitUsage = 2 // neither Lambda nor local mode, or a bad flag
)

// Error types reported to Lambda's initialization error endpoint, in the
// <category.reason> form the Runtime API documentation recommends.
const (
	errTypeConfig = "Cfhls.ConfigInvalid"  // an environment variable is wrong
	errTypeKey    = "Cfhls.KeyUnavailable" // the signing key cannot be read or parsed
	errTypeInit   = "Cfhls.InitFailed"     // anything else before the first invocation
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stderr))
}

// run starts the function in Lambda or in local mode and returns the exit
// status. In Lambda it returns only if initialization fails: lambda.Start
// never returns.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	logger := log.New(stderr, "", log.LstdFlags)
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	local := fs.String("local", getenv("CFHLS_LOCAL_ADDR"),
		"serve on this loopback `host:port` with net/http instead of the Lambda Runtime API (or set CFHLS_LOCAL_ADDR)")
	remoteDefault, err := parseBool(getenv("CFHLS_LOCAL_ALLOW_REMOTE"))
	if err != nil {
		fmt.Fprintf(stderr, "CFHLS_LOCAL_ALLOW_REMOTE: %v\n", err)
		return exitUsage
	}
	remote := fs.Bool("allow-remote", remoteDefault,
		"let -local listen on a non-loopback address, reachable from other machines (or set CFHLS_LOCAL_ALLOW_REMOTE=true)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: bootstrap [-local host:port [-allow-remote]]\n\n%s\n\n", help)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments %q\n", fs.Args())
		return exitUsage
	}

	switch api := getenv("AWS_LAMBDA_RUNTIME_API"); {
	case api != "":
		if *local != "" {
			logger.Printf("AWS_LAMBDA_RUNTIME_API is set: running in Lambda, not serving on %s", *local)
		}
		app, err := build(ctx, getenv)
		if err != nil {
			logger.Printf("init: %v", err)
			if rerr := reportInitError(ctx, api, err); rerr != nil {
				logger.Printf("init: reporting the error to the Runtime API: %v", rerr)
			}
			return exitInit
		}
		lambda.Start(httpadapter.NewV2(app).ProxyWithContext)
		return exitInit // not reached: lambda.Start exits the process
	case *local != "":
		if err := checkLocalAddr(*local, *remote); err != nil {
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
		app, err := build(ctx, getenv)
		if err != nil {
			logger.Printf("init: %v", err)
			return exitInit
		}
		if err := serveLocal(ctx, *local, app, logger); err != nil {
			logger.Print(err)
			return exitInit
		}
		return exitOK
	default:
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
}

// usage says what to set when the binary finds neither mode.
const usage = `This is the cfhls Lambda function's bootstrap. AWS_LAMBDA_RUNTIME_API is not
set, so it is not running inside AWS Lambda. To serve the same handler on this
machine, set CFHLS_LOCAL_ADDR=127.0.0.1:9000 (or pass -local 127.0.0.1:9000)
along with the function's CFHLS_* configuration.`

// help is the -h text.
const help = `Inside AWS Lambda (AWS_LAMBDA_RUNTIME_API is set) the bootstrap runs the
Lambda Runtime API loop. Elsewhere, -local or CFHLS_LOCAL_ADDR serves the same
handler with net/http on a loopback address. Both read the function's CFHLS_*
configuration from the environment.`

// initError is a failure before the first invocation, with the error type
// reported to the Runtime API.
type initError struct {
	kind string // one of the errType constants
	err  error
}

func (e *initError) Error() string { return e.err.Error() }
func (e *initError) Unwrap() error { return e.err }

// build reads the configuration and the key and returns the function's
// handler: the same one in Lambda and in local mode. Its errors are
// *initError.
func build(ctx context.Context, getenv func(string) string) (http.Handler, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, &initError{errTypeConfig, err}
	}
	s := awsStores(ctx)
	key, err := loadKey(ctx, cfg, s)
	if err != nil {
		return nil, &initError{errTypeKey, err}
	}
	origin, err := newOrigin(cfg, s)
	if err != nil {
		return nil, &initError{errTypeInit, err}
	}
	app, err := newApp(cfg, key, origin)
	if err != nil {
		return nil, &initError{errTypeConfig, err}
	}
	return app, nil
}

// parseBool is strconv.ParseBool that takes "" for false.
func parseBool(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	return strconv.ParseBool(s)
}
