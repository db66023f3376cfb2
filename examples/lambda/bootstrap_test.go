package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/signer"
)

// TestBootstrap builds the function's real binary once and runs it as
// Lambda runs it (against a local Runtime API) and as users run it on their
// machine (local mode).
func TestBootstrap(t *testing.T) {
	bin := buildBootstrap(t)
	t.Run("RuntimeAPI", func(t *testing.T) { testRuntimeAPI(t, bin) })
	t.Run("InitError", func(t *testing.T) { testInitError(t, bin) })
	t.Run("Local", func(t *testing.T) { testLocal(t, bin) })
	t.Run("Refused", func(t *testing.T) { testRefused(t, bin) })
}

// buildBootstrap builds this package as the README builds it for Lambda
// (CGO_ENABLED=0, -tags lambda.norpc), for this machine's GOOS and GOARCH,
// into t.TempDir().
func buildBootstrap(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("skipping: building the bootstrap binary needs the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command(goTool, "build", "-tags", "lambda.norpc", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// testKey is the generated signing key the binary gets in CFHLS_PRIVATE_KEY.
func testKey(t *testing.T) (hlstest.Key, string) {
	t.Helper()
	k := hlstest.RSAKey()
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	require.NoError(t, err)
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// functionEnv is the binary's whole environment: the function's
// configuration for mode, with origin as CFHLS_ORIGIN_URL, changed by over
// (an empty value removes a variable). Nothing is inherited from the test's
// own environment.
func functionEnv(t *testing.T, origin, mode string, over map[string]string) []string {
	k, keyPEM := testKey(t)
	env := map[string]string{
		"CFHLS_KEY_PAIR_ID":   k.ID,
		"CFHLS_PRIVATE_KEY":   keyPEM,
		"CFHLS_CDN_URL":       cdn,
		"CFHLS_ORIGIN_URL":    origin,
		"CFHLS_ORIGIN_SECRET": testOriginSecret,
		"CFHLS_VIEWER_TOKEN":  "viewer-token",
		"CFHLS_MODE":          mode,
		"CFHLS_ALLOW_ORIGINS": "https://player.example",
	}
	for k, v := range over {
		env[k] = v
	}
	var list []string
	for k, v := range env {
		if v != "" {
			list = append(list, k+"="+v)
		}
	}
	return list
}

// verifyURIs checks that every URI of a playlist served at page verifies
// as CloudFront would check it, for a viewer at 192.0.2.10, and returns
// how many there were.
func verifyURIs(t *testing.T, page, body string) int {
	t.Helper()
	k, _ := testKey(t)
	v := signer.NewVerifier()
	require.NoError(t, v.AddKey(k.ID, k.Public))
	base, err := url.Parse(page)
	require.NoError(t, err)
	n := 0
	for _, line := range strings.Split(body, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ref, err := base.Parse(line)
		require.NoError(t, err)
		_, err = v.VerifyURL(ref.String(), netip.MustParseAddr("192.0.2.10"), time.Now())
		assert.NoError(t, err, "%s", line)
		n++
	}
	return n
}

// process is a running bootstrap binary. Its stderr is kept (and logged if
// the test fails) and offered line by line to waitLine.
type process struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{} // closed once the process has exited
	err   error         // Wait's error, after done

	mu     sync.Mutex
	stderr bytes.Buffer
}

// startBootstrap runs bin with exactly env; t.Cleanup kills it if it is
// still running.
func startBootstrap(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), lines: make(chan string, 256), done: make(chan struct{})}
	p.cmd.Env = env
	pipe, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	go func() {
		s := bufio.NewScanner(pipe)
		for s.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(s.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- s.Text():
			default: // nobody is waiting for lines: they stay in stderr
			}
		}
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("bootstrap stderr:\n%s", p.Stderr())
		}
	})
	return p
}

// Stderr is what the process has written to its standard error so far.
func (p *process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// waitLine returns the first line of stderr containing substr.
func (p *process) waitLine(t *testing.T, substr string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line := <-p.lines:
			if strings.Contains(line, substr) {
				return line
			}
		case <-p.done:
			t.Fatalf("bootstrap exited (%v) before writing %q", p.err, substr)
		case <-deadline:
			t.Fatalf("bootstrap wrote no %q within %v", substr, timeout)
		}
	}
}

// exitCode waits for the process to exit and returns its status.
func (p *process) exitCode(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("bootstrap still running after %v", timeout)
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	require.NoError(t, p.err)
	return 0
}
