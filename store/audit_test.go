package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustAppendAudit(tb testing.TB, s *Store, e AuditEntry) AuditEntry {
	tb.Helper()
	got, err := s.AppendAudit(context.Background(), e)
	if err != nil {
		tb.Fatalf("AppendAudit: %v", err)
	}
	return got
}

func mustVerifyAudit(tb testing.TB, s *Store) (int, int64) {
	tb.Helper()
	n, broken, err := s.VerifyAudit(context.Background())
	if err != nil {
		tb.Fatalf("VerifyAudit: %v", err)
	}
	return n, broken
}

func TestAuditHashCanonical(t *testing.T) {
	e := AuditEntry{At: time.Date(2026, 5, 1, 13, 0, 0, 123456789, riyadh), ActorID: "a", ActorRole: "admin",
		Action: "x", Subject: "s", Detail: `{"k":1}`, PrevHash: GenesisHash}
	h := AuditHash(e)
	if len(h) != 64 {
		t.Fatalf("hash %q", h)
	}
	// The same instant in another zone, or with sub-microsecond digits the
	// database drops, hashes the same.
	same := e
	same.At = e.At.UTC().Truncate(time.Microsecond)
	if AuditHash(same) != h {
		t.Error("hash depends on the zone or on nanoseconds")
	}
	// Moving bytes from one field to its neighbour changes the hash.
	shifted := e
	shifted.ActorID, shifted.ActorRole = "aa", "dmin"
	if AuditHash(shifted) == h {
		t.Error("field boundaries are not part of the hash")
	}
	for name, edit := range map[string]func(*AuditEntry){
		"prev":    func(e *AuditEntry) { e.PrevHash = "1" + e.PrevHash[1:] },
		"at":      func(e *AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"actor":   func(e *AuditEntry) { e.ActorID = "b" },
		"role":    func(e *AuditEntry) { e.ActorRole = "auditor" },
		"action":  func(e *AuditEntry) { e.Action = "y" },
		"subject": func(e *AuditEntry) { e.Subject = "t" },
		"detail":  func(e *AuditEntry) { e.Detail = `{"k":2}` },
	} {
		c := e
		edit(&c)
		if AuditHash(c) == h {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
}

func TestAuditChain(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if n, broken := mustVerifyAudit(t, s); n != 0 || broken != 0 {
			t.Fatalf("empty log: checked %d, broken %d", n, broken)
		}
		if _, err := s.AppendAudit(ctx, AuditEntry{Subject: "x"}); err == nil {
			t.Error("an entry without action was appended")
		}
		if _, err := s.AppendAudit(ctx, AuditEntry{Action: "x", Detail: "{not json"}); err == nil {
			t.Error("an entry with a non-JSON detail was appended")
		}

		at := time.Date(2026, 5, 1, 10, 0, 0, 123456789, riyadh)
		first := mustAppendAudit(t, s, AuditEntry{At: at, ActorID: "admin", ActorRole: "admin",
			Action: "policy.created", Subject: "policy/2", Detail: `{"version":2}`})
		requireAllFieldsSet(t, first)
		if first.PrevHash != GenesisHash || first.Hash != AuditHash(first) || !first.At.Equal(at.Truncate(time.Microsecond)) || first.At.Location() != time.UTC {
			t.Fatalf("first entry %+v", first)
		}
		second := mustAppendAudit(t, s, AuditEntry{ActorID: "auditor", ActorRole: "auditor",
			Action: "history.read", Subject: "ticket/2026-000001"})
		if second.PrevHash != first.Hash || second.ID <= first.ID || second.At.IsZero() {
			t.Fatalf("second entry %+v does not chain onto %+v", second, first)
		}

		// 20 appends at once: each chains onto a distinct predecessor.
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		got := make([]AuditEntry, n)
		for i := range n {
			wg.Go(func() {
				got[i], errs[i] = s.AppendAudit(ctx, AuditEntry{ActorID: "admin", ActorRole: "admin",
					Action: "entities.imported", Subject: "entities", Detail: fmt.Sprintf(`{"count":%d}`, i)})
			})
		}
		wg.Wait()
		ids := map[int64]bool{}
		prevs := map[string]bool{}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("concurrent append %d: %v", i, err)
			}
			if ids[got[i].ID] || prevs[got[i].PrevHash] {
				t.Fatalf("concurrent append %d reuses an id or a predecessor: %+v", i, got[i])
			}
			ids[got[i].ID], prevs[got[i].PrevHash] = true, true
		}
		total := n + 2
		if c, broken := mustVerifyAudit(t, s); c != total || broken != 0 {
			t.Fatalf("intact log: checked %d, broken %d; want %d, 0", c, broken, total)
		}

		// Read back exactly as returned.
		var back AuditEntry
		if err := s.db.Where("id = ?", first.ID).Take(&back).Error; err != nil {
			t.Fatal(err)
		}
		back.At = back.At.UTC()
		mustEqual(t, "audit row read back", back, first)

		var rows []AuditEntry
		if err := s.db.Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		victim := rows[5]

		// Tamper with one row's detail: verify names exactly that row.
		if err := s.db.Exec(`UPDATE audit_log SET detail = ? WHERE id = ?`, `{"count":999}`, victim.ID).Error; err != nil {
			t.Fatal(err)
		}
		if c, broken := mustVerifyAudit(t, s); broken != victim.ID || c != 6 {
			t.Fatalf("tampered detail: checked %d, broken %d; want 6, %d", c, broken, victim.ID)
		}
		if err := s.db.Exec(`UPDATE audit_log SET detail = ? WHERE id = ?`, victim.Detail, victim.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, broken := mustVerifyAudit(t, s); broken != 0 {
			t.Fatalf("restored log broken at %d", broken)
		}

		// Tamper with a later row's prev_hash (and even recompute its own hash
		// to match): the link to its predecessor is broken there.
		victim = rows[12]
		forged := victim
		forged.PrevHash = strings.Repeat("f", 64)
		forged.Hash = AuditHash(forged)
		if err := s.db.Exec(`UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?`, forged.PrevHash, forged.Hash, victim.ID).Error; err != nil {
			t.Fatal(err)
		}
		if c, broken := mustVerifyAudit(t, s); broken != victim.ID || c != 13 {
			t.Fatalf("tampered prev_hash: checked %d, broken %d; want 13, %d", c, broken, victim.ID)
		}
		if err := s.db.Exec(`UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?`, victim.PrevHash, victim.Hash, victim.ID).Error; err != nil {
			t.Fatal(err)
		}

		// Delete a row: its successor is named.
		if err := s.db.Exec(`DELETE FROM audit_log WHERE id = ?`, rows[3].ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, broken := mustVerifyAudit(t, s); broken != rows[4].ID {
			t.Fatalf("deleted row: broken %d; want %d", broken, rows[4].ID)
		}

		// A fork (a second row chaining onto the same predecessor) is refused.
		fork := rows[len(rows)-1]
		fork.ID = 0
		fork.Detail = `{"fork":true}`
		fork.Hash = AuditHash(fork)
		if err := s.db.Create(&fork).Error; !isUniqueViolation(err) {
			t.Fatalf("fork insert: %v; want a unique violation", err)
		}
	})
}

// Verification pages through the log.
func TestAuditVerifyPages(t *testing.T) {
	s := newTestStore(t, DialectSQLite)
	total := auditPage + 3
	for i := range total {
		mustAppendAudit(t, s, AuditEntry{Action: "x", Detail: fmt.Sprintf(`{"i":%d}`, i)})
	}
	if c, broken := mustVerifyAudit(t, s); c != total || broken != 0 {
		t.Fatalf("checked %d, broken %d; want %d, 0", c, broken, total)
	}
	var id int64
	if err := s.db.Raw(`SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET ?`, auditPage+1).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec(`UPDATE audit_log SET actor_id = 'mallory' WHERE id = ?`, id).Error; err != nil {
		t.Fatal(err)
	}
	if _, broken := mustVerifyAudit(t, s); broken != id {
		t.Fatalf("broken %d; want %d", broken, id)
	}
}

// An audited write and its entry commit together: a write that fails leaves
// no entry, one that succeeds leaves exactly one, chained like any other.
func TestAuditedWriteIsAtomic(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		acct := NewAccount{Username: "amal", Name: "أمل", Role: "coordinator", Entity: "KSU", PasswordHash: "x"}
		actx, p, err := WithAudit(ctx, AuditEntry{ActorID: "admin", ActorRole: "admin", Action: "account.created", Subject: "account/amal"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAccount(actx, acct, baseTime); err != nil {
			t.Fatal(err)
		}
		if !p.Appended() || p.Stored().ID == 0 {
			t.Fatalf("entry not appended with the write: %+v", p.Stored())
		}
		// The same context does not append twice.
		if _, err := s.CreateAccount(actx, NewAccount{Username: "badr", Name: "بدر", Role: "coordinator", Entity: "KSU", PasswordHash: "x"}, baseTime); err != nil {
			t.Fatal(err)
		}
		// A write that fails (the username is taken) records nothing.
		actx, p, _ = WithAudit(ctx, AuditEntry{ActorID: "admin", Action: "account.created", Subject: "account/amal"})
		if _, err := s.CreateAccount(actx, acct, baseTime); !errors.Is(err, ErrExists) {
			t.Fatalf("duplicate: %v", err)
		}
		if p.Appended() {
			t.Fatal("a failed write appended its entry")
		}
		rows, err := s.ListAudit(ctx, 0, 100)
		if err != nil || len(rows) != 1 {
			t.Fatalf("audit rows %+v, %v; want exactly one", rows, err)
		}
		if n, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 || n != 1 {
			t.Fatalf("verify: %d %d %v", n, broken, err)
		}
		if _, _, err := WithAudit(ctx, AuditEntry{Action: "x", Detail: "not json"}); err == nil {
			t.Fatal("a detail that is not JSON was accepted")
		}
	})
}
