package password

import (
	"strings"
	"testing"
)

var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func mustNew(t *testing.T, p Params) *Hasher {
	t.Helper()
	h, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashVerify(t *testing.T) {
	h := mustNew(t, cheap)
	enc, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoding %q", enc)
	}
	if ok, err := h.Verify(enc, "correct horse battery"); err != nil || !ok {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	if ok, _ := h.Verify(enc, "correct horse batterY"); ok {
		t.Fatal("wrong password accepted")
	}
	again, _ := h.Hash("correct horse battery")
	if again == enc {
		t.Fatal("two hashes of one password share a salt")
	}
	// A hash made with other parameters still verifies (they travel with it).
	other := mustNew(t, Params{Memory: 128, Time: 2, Threads: 2})
	if ok, err := other.Verify(enc, "correct horse battery"); err != nil || !ok {
		t.Fatalf("cross-parameter verify: ok=%v err=%v", ok, err)
	}
	if !other.NeedsRehash(enc) || h.NeedsRehash(enc) {
		t.Fatal("NeedsRehash")
	}
}

func TestDefaults(t *testing.T) {
	if Default.Memory != 64*1024 || Default.Time != 1 || Default.Threads != 2 {
		t.Fatalf("default parameters %+v", Default)
	}
	h := mustNew(t, Params{})
	if h.Params() != Default {
		t.Fatalf("zero params %+v, want the defaults", h.Params())
	}
}

func TestMalformed(t *testing.T) {
	h := mustNew(t, cheap)
	for _, enc := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5",
	} {
		if ok, err := h.Verify(enc, "x"); ok || err == nil {
			t.Errorf("%q: ok=%v err=%v", enc, ok, err)
		}
	}
	h.DummyVerify("anything") // must not panic
	if _, err := New(Params{Memory: 4, Threads: 1}); err == nil {
		t.Error("memory below 8 KiB per thread accepted")
	}
}
