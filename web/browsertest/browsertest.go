// Package browsertest drives a real browser (Debian's Chromium, through
// chromedp) for the web application's tests: it finds the browser — skipping
// the test where the machine lacks it, failing it under CI=true, as the
// PostgreSQL tests do — opens tabs, runs axe-core on a page, and keeps
// screenshots.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tawasul/tawasul/web/static"
)

// ExecPath is where the browser is: TAWASUL_CHROMIUM, else Debian's
// /usr/bin/chromium (.ci/run installs it), else whatever chromium is on PATH.
func ExecPath() string {
	if v := os.Getenv("TAWASUL_CHROMIUM"); v != "" {
		return v
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless browser for a test; each Tab is its own tab.
type Browser struct {
	t        testing.TB
	alloc    context.Context
	root     context.Context
	shotsDir string
}

// Start starts the browser for t and stops it at t's end. Without a browser
// the test is skipped, or fails under CI=true.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is required in CI (apt-get install chromium; .ci/run does it)")
		}
		t.Skip("machine lacks Chromium (install Debian's chromium or set TAWASUL_CHROMIUM)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// The machine's network is closed: no background fetches, no
		// lookups of Google's hosts at start.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The staff's browsers ask for Arabic first, whatever the machine's
		// locale; a test wanting English uses the pages' switch.
		chromedp.Flag("accept-lang", "ar-SA,ar,en"),
		chromedp.Flag("lang", "ar-SA"),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	// The first action starts the browser, on a context without a deadline.
	if err := chromedp.Do(root, chromedp.Navigate("about:blank")); err != nil {
		cancelRoot()
		cancelAlloc()
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	t.Cleanup(func() { cancelRoot(); cancelAlloc() })
	b := &Browser{t: t, alloc: alloc, root: root, shotsDir: os.Getenv("TAWASUL_SCREENSHOTS")}
	return b
}

// For is the browser for a subtest: its failures fail t.
func (b *Browser) For(t testing.TB) *Browser {
	c := *b
	c.t = t
	return &c
}

// Tab opens a new tab with its own cookies (an incognito-like browser
// context), so two people can be signed in side by side.
func (b *Browser) Tab() context.Context {
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		b.t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// Within runs steps on tab with a deadline, failing the test on an error.
func (b *Browser) Within(tab context.Context, d time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(tab, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		url, _ := chromedp.Run(tab, chromedp.Location())
		b.Shot(tab, "failed-"+slug(what))
		b.t.Fatalf("%s (at %s): %v", what, url, err)
	}
}

// Shot saves a screenshot of the viewport (a full-page capture is offset on
// right-to-left pages in this Chromium) as NAME.png in $TAWASUL_SCREENSHOTS
// (nothing when unset).
func (b *Browser) Shot(tab context.Context, name string) {
	if b.shotsDir == "" {
		return
	}
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(b.shotsDir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(b.shotsDir, name+".png"), png, 0o644)
	}
}

// Violation is one rule axe-core found broken on a page.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// Axe runs axe-core (vendored, see web/static) on the tab's page and fails
// the test on any serious or critical violation. axe is put into the page
// through the DevTools protocol, not a <script>, so the page's
// Content-Security-Policy stays as strict as in production.
func (b *Browser) Axe(tab context.Context, page string) {
	b.t.Helper()
	src, err := os.ReadFile(static.AxePath())
	if err != nil {
		b.t.Fatalf("reading axe-core: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](string(src)+";true")); err != nil {
		b.t.Fatalf("loading axe-core into %s: %v", page, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("running axe-core on %s: %v", page, err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.t.Fatalf("reading axe-core's answer on %s: %v", page, err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		b.t.Errorf("%s: accessibility (%s) %s — %s:\n  %s", page, v.Impact, v.ID, v.Help, strings.Join(where, "\n  "))
	}
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
}
