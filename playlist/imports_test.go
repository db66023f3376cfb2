package playlist_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLibraryImports keeps what users inherit small: the library packages
// import the standard library, each other, the AWS sign package (policy's
// JSON, byte for byte the SDK's) and grafov (in playlist/grafov.go only), and
// the Rewriter core imports neither signer nor policy: only the HTTP
// handlers do.
func TestLibraryImports(t *testing.T) {
	const mod = "github.com/cfhls/cfhls/"
	for _, tc := range []struct {
		name    string
		dir     string
		allowed func(file, imp string) bool
	}{
		{"policy", "../policy", func(_, imp string) bool {
			return imp == "github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
		}},
		{"signer", "../signer", func(_, imp string) bool { return imp == mod+"policy" }},
		{"hlstest", "../hlstest", func(_, imp string) bool { return imp == mod+"policy" || imp == mod+"signer" }},
		{"playlist", ".", func(file, imp string) bool {
			switch imp {
			case "github.com/grafov/m3u8":
				return file == "grafov.go"
			case mod + "signer", mod + "policy":
				return strings.HasPrefix(file, "handler") || file == "keyserver.go"
			}
			return false
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(tc.dir, "*.go"))
			require.NoError(t, err)
			require.NotEmpty(t, files)
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				src, err := os.ReadFile(f)
				require.NoError(t, err)
				af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
				require.NoError(t, err)
				for _, is := range af.Imports {
					imp, err := strconv.Unquote(is.Path.Value)
					require.NoError(t, err)
					if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
						continue // the standard library
					}
					assert.True(t, tc.allowed(filepath.Base(f), imp), "%s imports %s", f, imp)
				}
			}
		})
	}
}
