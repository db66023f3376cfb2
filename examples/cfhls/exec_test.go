package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinary builds the cfhls command and runs it as a user would: real
// exit statuses, stdin and stdout.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build with")
	}
	bin := filepath.Join(t.TempDir(), "cfhls")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command(gobin, "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	exe := func(t *testing.T, stdin string, args ...string) result {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	}

	cli := cannedCLI(t)
	cliURL, _, _ := strings.Cut(cli, "?")
	media := readTestdata(t, "media.m3u8")
	keys := t.TempDir()

	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string // exact, unless empty
		stderr string // contained
	}{
		{name: "sign like aws cloudfront sign", args: []string{"sign", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000", cliURL}, code: 0, stdout: cli + "\n"},
		{name: "explain accepted", args: []string{"explain", "-public-key", rsaPub, "-at", "1850000000", cli}, code: 0},
		{name: "explain refused", args: []string{"explain", "-public-key", rsaPub, "-at", "1900000300", cli}, code: 1},
		{name: "sign with an encrypted key", args: []string{"sign", "-key", keyDir + "/rsa2048-encrypted-pkcs8.pem", "-key-pair-id", rsaID, "-ttl", "1h", cliURL}, code: 1, stderr: "key is encrypted"},
		{name: "bad flag", args: []string{"sign", "-nope", cliURL}, code: 2, stderr: `Run "cfhls sign -h"`},
		{name: "no command", code: 2, stderr: "usage: cfhls COMMAND"},
		{name: "help", args: []string{"rewrite", "-h"}, code: 0},
		{name: "rewrite", stdin: media, args: []string{"rewrite", "-base", mediaBase, "-query", "a=1"}, code: 0, stdout: expand(mediaWant, "a=1", "")},
		{name: "rewrite parse error", stdin: "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\n", args: []string{"rewrite", "-base", mediaBase, "-query", "a=1"}, code: 1, stderr: "line 2"},
		{name: "keygen", args: []string{"keygen", "-type", "ecdsa", "-out", filepath.Join(keys, "cf")}, code: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exe(t, tt.stdin, tt.args...)
			assert.Equal(t, tt.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			if tt.stdout != "" {
				assert.Equal(t, tt.stdout, r.stdout)
			}
			assert.Contains(t, r.stderr, tt.stderr)
		})
	}
	t.Run("keygen wrote a usable key", func(t *testing.T) {
		assertKeyPair(t, filepath.Join(keys, "cf"), "ecdsa")
	})
}
