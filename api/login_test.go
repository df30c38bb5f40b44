package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

// cheapParams: argon2id at 64 KiB, as testPasswords.
var cheapParams = password.Params{Memory: 64, Time: 1, Threads: 1}

// rawRequest runs one request from the client address ip without touching
// the test (safe from any goroutine).
func (f *fixture) rawRequest(ip, method, path, token string, body any) *httptest.ResponseRecorder {
	j, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	hr := httptest.NewRequest(method, path, bytes.NewReader(j))
	hr.Header.Set("Content-Type", "application/json")
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	hr.RemoteAddr = net.JoinHostPort(ip, "40000")
	w := httptest.NewRecorder()
	f.api.Handler().ServeHTTP(w, hr)
	return w
}

// crowdRequest is the i-th request of a crowd: mostly logins (unknown
// usernames, which cost a dummy verification, and wrong passwords of a real
// account) from four IPv4 addresses and an IPv6 /64, and now and then an
// account creation or a password change, so every path that hashes meets
// the full pool.
func (f *fixture) crowdRequest(i int, session string) *httptest.ResponseRecorder {
	ip := fmt.Sprintf("127.0.0.%d", i%4+1)
	if i%5 == 4 {
		ip = fmt.Sprintf("2001:db8:1:2::%x", i)
	}
	switch {
	case i%16 == 7:
		return f.rawRequest(ip, "POST", "/api/v1/accounts", testTokens["admin"], map[string]any{
			"username": fmt.Sprintf("new-%d", i), "name": "موظف", "role": "agent", "password": goodPassword})
	case i%16 == 15:
		return f.rawRequest(ip, "POST", "/api/v1/auth/password", session, map[string]any{
			"current_password": goodPassword, "new_password": "another good passphrase"})
	case i%2 == 0:
		return f.rawRequest(ip, "POST", "/api/v1/auth/login", "", map[string]any{
			"username": fmt.Sprintf("nobody-%d", i), "password": "a guess"})
	default:
		return f.rawRequest(ip, "POST", "/api/v1/auth/login", "", map[string]any{
			"username": "nora", "password": fmt.Sprintf("guess %d", i)})
	}
}

// Unauthenticated logins cannot take memory past a stated bound: however
// many arrive at once, at most Slots argon2id computations run, holding at
// most Slots × Params.Memory KiB (with the production parameters and
// password.DefaultSlots: GOMAXPROCS × 64 MiB, at most 16 × 64 MiB, where
// before 40 concurrent logins held 40 × 64 MiB). While the pool is full the
// others answer 503 passwords_busy with Retry-After after a short bounded
// wait, having computed nothing, on every path that hashes: login of an
// unknown user (the dummy verification), a wrong password, password change,
// account creation.
func TestLoginFloodBounded(t *testing.T) {
	const slots, n = 2, 64
	entered := make(chan struct{}, n)
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // on failure too
	var hold atomic.Bool
	h, err := password.NewLimited(cheapParams, password.Limits{Slots: slots, Wait: 20 * time.Millisecond, OnSlot: func() {
		if hold.Load() {
			entered <- struct{}{}
			<-release
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *Options) { o.Passwords = h; o.LoginPerMinute = 1000 })
	f.account("nora", domain.RoleCoordinator, "KSU", goodPassword)
	session := f.mustLoginFrom("192.0.2.200", "nora", goodPassword).AccessToken
	base := h.Stats()

	hold.Store(true)
	results := make(chan *httptest.ResponseRecorder, n)
	for i := range n {
		go func() { results <- f.crowdRequest(i, session) }()
	}
	for range slots {
		<-entered // the pool is full and stays so until release
	}
	for range n - slots {
		var w *httptest.ResponseRecorder
		select {
		case w = <-results:
		case <-entered:
			t.Fatalf("more than %d computations at once", slots)
		}
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"code":"`+codePasswordsBusy+`"`) ||
			w.Header().Get("Retry-After") == "" {
			t.Fatalf("with the pool full: %d %s (Retry-After %q), want 503 %s", w.Code, w.Body, w.Header().Get("Retry-After"), codePasswordsBusy)
		}
	}
	// (A password change that held a slot hashes its new password next:
	// that second computation is not held.)
	hold.Store(false)
	releaseOnce.Do(func() { close(release) })
	for range slots {
		if w := <-results; w.Code != http.StatusUnauthorized && w.Code != http.StatusCreated && w.Code != http.StatusNoContent {
			t.Fatalf("a request that held a slot: %d %s", w.Code, w.Body)
		}
	}
	st := h.Stats()
	if st.Peak != slots || st.PeakKiB != slots*uint64(cheapParams.Memory) || st.Busy-base.Busy != n-slots || st.InFlight != 0 {
		t.Fatalf("pool %+v; want at most %d computations and %d KiB at once, %d turned away",
			st, slots, slots*cheapParams.Memory, n-slots)
	}
	if len(entered) != 0 {
		t.Fatal("a request turned away computed anyway")
	}
	// Requests turned away were not counted as failed logins either.
	if fs, _ := f.store.LoginFailures(t.Context(), "nora", "127.0.0.2", f.clock.Now()); fs.Failures > 1 {
		t.Fatalf("busy answers counted as failures: %+v", fs)
	}
}

// With waits long enough, a crowd of N ≫ Slots logins is served in full,
// never more than Slots computations at once.
func TestLoginCrowdServedWithinBound(t *testing.T) {
	const slots, n = 2, 48
	var entered atomic.Int32
	full := make(chan struct{})
	h, err := password.NewLimited(cheapParams, password.Limits{Slots: slots, Wait: time.Hour, OnSlot: func() {
		// The first computations wait until the pool is full, so the crowd
		// really contends for it.
		if entered.Add(1) == slots {
			close(full)
		}
		<-full
	}})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *Options) { o.Passwords = h; o.LoginPerMinute = 1000 })
	results := make(chan *httptest.ResponseRecorder, n)
	for i := range n {
		go func() {
			results <- f.rawRequest(fmt.Sprintf("10.0.%d.%d", i/200, i%200+1), "POST", "/api/v1/auth/login", "",
				map[string]any{"username": fmt.Sprintf("nobody-%d", i), "password": "a guess"})
		}()
	}
	for range n {
		if w := <-results; w.Code != http.StatusUnauthorized {
			t.Fatalf("%d %s, want 401", w.Code, w.Body)
		}
	}
	if st := h.Stats(); st.Peak != slots || st.PeakKiB != slots*uint64(cheapParams.Memory) || st.Busy != 0 || entered.Load() != n {
		t.Fatalf("pool %+v after %d computations; want peak %d, none busy", st, entered.Load(), slots)
	}
}

// A password longer than any that can be set is refused without hashing.
func TestLoginOverlongPasswordNotHashed(t *testing.T) {
	var computed atomic.Int32
	h, err := password.NewLimited(cheapParams, password.Limits{OnSlot: func() { computed.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *Options) { o.Passwords = h; o.LoginPerMinute = 1000 })
	f.account("nora", domain.RoleCoordinator, "KSU", goodPassword)
	computed.Store(0)
	for _, name := range []string{"nora", "nobody"} {
		f.login(name, strings.Repeat("x", maxPasswordBytes+1)).expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	}
	f.login("nobody", strings.Repeat("x", 512*1024)).expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	if computed.Load() != 0 {
		t.Fatalf("%d computations for overlong passwords", computed.Load())
	}
	f.login("nobody", "short guess").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	if computed.Load() != 1 {
		t.Fatalf("%d computations for an ordinary guess, want 1", computed.Load())
	}
}

// Every per-address limit counts an IPv6 client by its /64: one subscriber
// does not get a fresh budget for each of its 2^64 addresses.
func TestIPv6GroupedBySlash64(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.LoginPerMinute = 3 })
	for _, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"} {
		f.loginFrom(ip, "someone", "password").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	}
	f.loginFrom("2001:db8:1:2:abcd::1", "someone", "password").expectProblem(http.StatusTooManyRequests, codeRateLimited)
	f.loginFrom("2001:db8:1:3::1", "someone", "password").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	f.loginFrom("192.0.2.1", "someone", "password").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)

	// The failure count per (account, address) too.
	g := loginFixture(t)
	for i := range 3 {
		g.loginFrom(fmt.Sprintf("2001:db8:9:9::%d", i+1), "nora", "wrong").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	}
	expectThrottled(t, g.loginFrom("2001:db8:9:9:1::1", "nora", goodPassword), 5)
	g.mustLoginFrom("2001:db8:9:a::1", "nora", goodPassword)

	// And the other routes' limits (intake here).
	h := newFixture(t, func(o *Options) { o.IntakePerMinute = 2 })
	for i, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusTooManyRequests} {
		w := h.rawRequest(fmt.Sprintf("2001:db8:7:7::%d", i+1), "POST", "/api/v1/tickets", "", ticketBody())
		if w.Code != want {
			t.Fatalf("intake %d from one /64: %d %s, want %d", i+1, w.Code, w.Body, want)
		}
	}
}

// A pattern of failures is audited (login.alert, by the system), once per
// window: one account failing from many addresses, none of which is slowed,
// and one address failing on many usernames. The owner is never locked out.
func TestLoginAttackAlerted(t *testing.T) {
	f := loginFixture(t)
	alerts := func() []store.AuditEntry {
		var out []store.AuditEntry
		for _, e := range f.auditLog() {
			if e.Action == auditLoginAlert {
				out = append(out, e)
			}
		}
		return out
	}
	for i := range store.LoginAlertAddresses + 3 {
		f.loginFrom(fmt.Sprintf("203.0.113.%d", i+1), "nora", "guess").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
		if got := len(alerts()); got != 0 && i+1 < store.LoginAlertAddresses {
			t.Fatalf("alert after %d addresses", i+1)
		}
	}
	f.mustLoginFrom("198.51.100.20", "nora", goodPassword)
	as := alerts()
	if len(as) != 1 || as[0].Subject != "account/nora" || as[0].ActorID != "system" {
		t.Fatalf("alerts %+v, want one on account/nora", as)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(as[0].Detail), &d); err != nil || d["pattern"] != "one_account_many_addresses" ||
		d["addresses"] != float64(store.LoginAlertAddresses) {
		t.Fatalf("detail %s", as[0].Detail)
	}

	// One /64 trying many usernames.
	for i := range store.LoginAlertAccounts + 3 {
		f.loginFrom(fmt.Sprintf("2001:db8:5:6::%x", i+1), fmt.Sprintf("user%d", i), "Password1").
			expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	}
	as = alerts()
	if len(as) != 2 || as[1].Subject != "address/2001:db8:5:6::/64" || !strings.Contains(as[1].Detail, "one_address_many_accounts") {
		t.Fatalf("alerts %+v, want a second one on the /64", as)
	}

	// The next window alerts again.
	f.clock.Advance(store.LoginAlertWindow)
	for i := range store.LoginAlertAddresses {
		f.loginFrom(fmt.Sprintf("198.18.0.%d", i+1), "nora", "guess").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	}
	if as = alerts(); len(as) != 3 || as[2].Subject != "account/nora" {
		t.Fatalf("alerts %+v, want a third", as)
	}
	if !strings.Contains(f.logs.String(), "login attack suspected") {
		t.Error("the alert is not logged")
	}
	f.mustLoginFrom("198.51.100.20", "nora", goodPassword)
}
