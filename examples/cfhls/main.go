// Command cfhls signs CloudFront URLs and cookies, rewrites HLS playlists so
// that every URI in them carries credentials, and explains why CloudFront
// would accept or refuse a signed URL (the 403 you are debugging).
//
// Build it from the root of a checkout of the repository with
//
//	go build -o cfhls ./examples/cfhls
//
// (or go install ./examples/cfhls; once the module is published,
// go install github.com/cfhls/cfhls/examples/cfhls@latest) and run "cfhls help" for the commands: keygen, sign, cookies, rewrite and
// explain. Every command takes -h. Exit status: 0 ok, 1 refused or failed,
// 2 usage error.
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command line args (without the program name) and returns the
// exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return dispatch(&env{stdin: stdin, stdout: stdout, stderr: stderr}, args)
}
