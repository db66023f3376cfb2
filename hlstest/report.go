package hlstest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Fetch is one request a Player made, or a URI it skipped.
type Fetch struct {
	// URL is the absolute URL requested (for a skipped URI, as written).
	URL string
	// Kind guesses what the URL points to. The root is KindMaster unless
	// its body shows it to be a media playlist (KindMedia).
	Kind Kind
	// From is the URL of the playlist that listed it; empty for the root.
	From string
	// Line is the line of From that holds the URI.
	Line int
	// Range is the Range header sent for a byte-range URI, or empty.
	Range string
	// Status is the response status; 0 when there was no response.
	Status int
	// Err is a transport, read or playlist error: a URI that does not
	// resolve, or a playlist response that is not a playlist
	// (ErrNotPlaylist).
	Err error
	// Playlist reports that the response was a playlist, which was walked.
	Playlist bool
}

// OK reports whether the request succeeded: a 2xx status and no error.
func (f Fetch) OK() bool { return f.Err == nil && f.Status >= 200 && f.Status < 300 }

// String formats the fetch on one line, with long query values shortened.
func (f Fetch) String() string {
	var b strings.Builder
	if f.Status != 0 {
		fmt.Fprintf(&b, "%d ", f.Status)
	} else {
		b.WriteString("--- ")
	}
	fmt.Fprintf(&b, "%-16s %s", f.Kind, shortURL(f.URL))
	if f.Range != "" {
		fmt.Fprintf(&b, " (%s)", f.Range)
	}
	if f.From != "" {
		fmt.Fprintf(&b, " from %s line %d", shortURL(f.From), f.Line)
	}
	if f.Err != nil {
		fmt.Fprintf(&b, ": %v", f.Err)
	}
	return b.String()
}

// Report is what a Player did.
type Report struct {
	// Fetches holds every request, in the order made, and URIs that could
	// not be resolved.
	Fetches []Fetch
	// Skipped holds URIs not fetched because their scheme is neither http
	// nor https (skd://, data:).
	Skipped []Fetch
}

// Refused returns the requests answered 403, what CloudFront answers when
// it refuses credentials.
func (r *Report) Refused() []Fetch {
	return r.filter(func(f Fetch) bool { return f.Status == http.StatusForbidden })
}

// Failed returns the fetches that did not succeed: any status but 2xx, and
// any error.
func (r *Report) Failed() []Fetch {
	return r.filter(func(f Fetch) bool { return !f.OK() })
}

// Count returns how many requests of kind k were made.
func (r *Report) Count(k Kind) int {
	return len(r.filter(func(f Fetch) bool { return f.Kind == k }))
}

// URLs returns the URL of every request, in order.
func (r *Report) URLs() []string {
	out := make([]string, len(r.Fetches))
	for i, f := range r.Fetches {
		out[i] = f.URL
	}
	return out
}

// String lists every request and skipped URI, one per line.
func (r *Report) String() string {
	var b strings.Builder
	for _, f := range r.Fetches {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	for _, f := range r.Skipped {
		fmt.Fprintf(&b, "skipped %s\n", f.String())
	}
	return b.String()
}

func (r *Report) filter(keep func(Fetch) bool) []Fetch {
	var out []Fetch
	if r == nil {
		return out
	}
	for _, f := range r.Fetches {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out
}

// RequirePlayable stops the test (t.FailNow) unless every request of the
// report succeeded, listing the ones that did not. A report with no
// request at all fails too.
func RequirePlayable(t testing.TB, r *Report) {
	t.Helper()
	if r == nil || len(r.Fetches) == 0 {
		t.Fatal("hlstest: nothing was played")
		return
	}
	if failed := r.Failed(); len(failed) > 0 {
		t.Fatalf("hlstest: %d of %d requests failed:\n%s", len(failed), len(r.Fetches), list(failed))
	}
}

// AssertNoRefusals marks the test failed (t.Errorf) when any request of the
// report was answered 403, listing them, and reports whether there were
// none.
func AssertNoRefusals(t testing.TB, r *Report) bool {
	t.Helper()
	if refused := r.Refused(); len(refused) > 0 {
		t.Errorf("hlstest: %d of %d requests refused:\n%s", len(refused), len(r.Fetches), list(refused))
		return false
	}
	return true
}

func list(fs []Fetch) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\t")
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// shortURL shortens long query values (signatures, policies) to keep
// failure messages readable.
func shortURL(u string) string {
	base, query, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	pairs := strings.Split(query, "&")
	for i, p := range pairs {
		if name, value, ok := strings.Cut(p, "="); ok && len(value) > 24 {
			pairs[i] = name + "=" + value[:10] + "…"
		}
	}
	return base + "?" + strings.Join(pairs, "&")
}
