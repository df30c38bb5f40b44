package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
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
	rep := mustVerifyAuditAnchored(tb, s)
	return rep.Checked, rep.Broken
}

func mustVerifyAuditAnchored(tb testing.TB, s *Store, anchors ...AuditAnchor) AuditReport {
	tb.Helper()
	rep, err := s.VerifyAudit(context.Background(), anchors)
	if err != nil {
		tb.Fatalf("VerifyAudit: %v", err)
	}
	return rep
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
		if rep, err := s.VerifyAudit(ctx, nil); err != nil || rep.Broken != 0 || rep.Checked != 1 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		if _, _, err := WithAudit(ctx, AuditEntry{Action: "x", Detail: "not json"}); err == nil {
			t.Fatal("a detail that is not JSON was accepted")
		}
	})
}

var testAuditKey = []byte("audit key of the tests, kept outside the database")

// rechainUnkeyed is the attack of issue 15 as a database owner would script
// it: delete one entry, then renumber the rows after it to close the gap and
// recompute the plain SHA-256 chain from there on. With downgrade it also
// marks every row unkeyed, so that nothing asks for the key.
func rechainUnkeyed(t *testing.T, s *Store, victim int64, downgrade bool) {
	t.Helper()
	if err := s.db.Exec(`DELETE FROM audit_log WHERE id = ?`, victim).Error; err != nil {
		t.Fatal(err)
	}
	var rows []AuditEntry
	if err := s.db.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	// Clear the hashes to rewrite first: the unique indexes would refuse a
	// half-done rewrite.
	if err := s.db.Exec(`UPDATE audit_log SET prev_hash = 'x' || id || substr(prev_hash, length('x' || id) + 1),
		hash = 'y' || id || substr(hash, length('y' || id) + 1) WHERE id > ?`, victim).Error; err != nil {
		t.Fatal(err)
	}
	prev := GenesisHash
	for i, r := range rows {
		old := r.ID
		r.ID = int64(i + 1)
		r.At = utc(r.At)
		r.PrevHash = prev
		if downgrade {
			r.Chain = AuditUnkeyed
		}
		if old > victim || downgrade {
			r.Hash = AuditHash(r)
		}
		if err := s.db.Exec(`UPDATE audit_log SET id = ?, prev_hash = ?, hash = ?, chain = ? WHERE id = ?`,
			r.ID, r.PrevHash, r.Hash, r.Chain, old).Error; err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
}

func appendN(t *testing.T, s *Store, n int) []AuditEntry {
	t.Helper()
	out := make([]AuditEntry, n)
	for i := range out {
		out[i] = mustAppendAudit(t, s, AuditEntry{ActorID: "admin", ActorRole: "admin",
			Action: "account.role_changed", Subject: fmt.Sprintf("account/u%d", i), Detail: `{"before":"agent","after":"admin"}`})
	}
	return out
}

// Under secrets.audit a deleted entry cannot be hidden by re-chaining the
// rest: not with the plain hash, not by downgrading every row to unkeyed.
func TestAuditKeyedChainResistsRechaining(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		s.SetAuditKey(testAuditKey)
		rows := appendN(t, s, 6)
		for i, r := range rows {
			if r.Chain != AuditKeyed || r.ID != int64(i+1) || r.Hash == AuditHash(r) {
				t.Fatalf("entry %d not keyed and numbered: %+v", i, r)
			}
		}
		rep := mustVerifyAuditAnchored(t, s)
		if rep.Broken != 0 || rep.Checked != 6 || rep.Unkeyed != 0 || rep.Head != (AuditAnchor{ID: 6, Hash: rows[5].Hash}) {
			t.Fatalf("intact keyed log: %+v", rep)
		}

		rechainUnkeyed(t, s, 3, false)
		rep = mustVerifyAuditAnchored(t, s)
		if rep.Broken != 3 || !strings.Contains(rep.Problem, "hash does not match") {
			t.Fatalf("re-chained with SHA-256: %+v; want broken at the first rewritten row, 3", rep)
		}
	})
}

func TestAuditDowngradeIsReported(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		s.SetAuditKey(testAuditKey)
		appendN(t, s, 6)
		rechainUnkeyed(t, s, 3, true)
		// Every row now looks made before the key: the chain holds, but
		// every row is reported unkeyed (tawasul audit verify fails on that
		// when the key is set).
		rep := mustVerifyAuditAnchored(t, s)
		if rep.Broken != 0 || rep.Unkeyed != 5 || rep.FirstUnkeyed != 1 || rep.LastUnkeyed != 5 {
			t.Fatalf("downgraded log: %+v; want 5 unkeyed entries reported", rep)
		}
		// An unkeyed row after keyed ones is a downgrade of that row.
		mustAppendAudit(t, s, AuditEntry{Action: "y"}) // keyed again: 6
		mustAppendAudit(t, s, AuditEntry{Action: "z"}) // 7
		var r AuditEntry
		if err := s.db.Where("id = 7").Take(&r).Error; err != nil {
			t.Fatal(err)
		}
		r.At, r.Chain = utc(r.At), AuditUnkeyed
		if err := s.db.Exec(`UPDATE audit_log SET chain = 1, hash = ? WHERE id = 7`, AuditHash(r)).Error; err != nil {
			t.Fatal(err)
		}
		rep = mustVerifyAuditAnchored(t, s)
		if rep.Broken != 7 || !strings.Contains(rep.Problem, "unkeyed but follows keyed") {
			t.Fatalf("unkeyed row after keyed ones: %+v; want broken at 7", rep)
		}
	})
}

// A deleted entry leaves a gap in the ids, named even when its successor
// chains onto the row before the gap.
func TestAuditGapDetected(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		rows := appendN(t, s, 5) // unkeyed: the gap alone must give it away
		if err := s.db.Exec(`DELETE FROM audit_log WHERE id = 3`).Error; err != nil {
			t.Fatal(err)
		}
		// Re-chain row 4 onto row 2, as an attacker who knows the plain hash would.
		r := rows[3]
		r.PrevHash = rows[1].Hash
		r.Hash = AuditHash(r)
		if err := s.db.Exec(`UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = 4`, r.PrevHash, r.Hash).Error; err != nil {
			t.Fatal(err)
		}
		rep := mustVerifyAuditAnchored(t, s)
		if rep.Broken != 4 || rep.Problem != "entries 3 to 3 are missing" || rep.Head.ID != 2 {
			t.Fatalf("gap: %+v; want broken at 4 for the missing 3", rep)
		}
		// A write that rolls back leaves no gap: ids are not a sequence's.
		s2 := newTestStore(t, s.dialect)
		appendN(t, s2, 2)
		actx, _, _ := WithAudit(context.Background(), AuditEntry{Action: "account.created"})
		if _, err := s2.CreateAccount(actx, NewAccount{Username: "x"}, baseTime); err == nil {
			t.Fatal("an account without role was created")
		}
		if err := s2.writeTx(actx, func(tx *gorm.DB) error { return errors.New("refused") }); err == nil {
			t.Fatal("no error")
		}
		appendN(t, s2, 1)
		if rep := mustVerifyAuditAnchored(t, s2); rep.Broken != 0 || rep.Head.ID != 3 {
			t.Fatalf("after a rolled-back write: %+v", rep)
		}
	})
}

// Anchors kept outside the database catch what the chain alone cannot: the
// head rewritten (by someone who can recompute it) or cut off.
func TestAuditAnchors(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		rows := appendN(t, s, 4)
		head, err := s.AuditHead(context.Background())
		if err != nil || head != (AuditAnchor{ID: 4, Hash: rows[3].Hash}) {
			t.Fatalf("head %+v, %v", head, err)
		}
		var buf strings.Builder
		fmt.Fprintf(&buf, "# anchors\n%s 2026-12-07T10:00:00Z\n\n%s\n", AuditAnchor{ID: 2, Hash: rows[1].Hash}, head)
		anchors, err := ParseAuditAnchors(strings.NewReader(buf.String()))
		if err != nil || len(anchors) != 2 || anchors[1] != head {
			t.Fatalf("anchors %+v, %v", anchors, err)
		}
		if rep := mustVerifyAuditAnchored(t, s, anchors...); rep.Broken != 0 || rep.Head != head {
			t.Fatalf("anchored intact log: %+v", rep)
		}
		// Hex digits copied in upper case name the same hash.
		upper, err := ParseAuditAnchors(strings.NewReader(strings.ToUpper(head.String())))
		if err != nil || len(upper) != 1 || upper[0] != head {
			t.Fatalf("upper-case anchor %+v, %v", upper, err)
		}
		for _, bad := range []string{"4", "x " + head.Hash, "4 abc", "0 " + head.Hash, "4 " + strings.Repeat("g", 64)} {
			if _, err := ParseAuditAnchors(strings.NewReader(bad)); err == nil {
				t.Errorf("anchor line %q accepted", bad)
			}
		}

		// The head rewritten and its (unkeyed) hash recomputed: the chain
		// verifies, the anchor does not.
		r := rows[3]
		r.Detail = `{"before":"agent","after":"agent"}`
		r.Hash = AuditHash(r)
		if err := s.db.Exec(`UPDATE audit_log SET detail = ?, hash = ? WHERE id = 4`, r.Detail, r.Hash).Error; err != nil {
			t.Fatal(err)
		}
		if rep := mustVerifyAuditAnchored(t, s); rep.Broken != 0 {
			t.Fatalf("the rewrite should verify without the anchor (unkeyed): %+v", rep)
		}
		rep := mustVerifyAuditAnchored(t, s, anchors...)
		if rep.Broken != 4 || !strings.Contains(rep.Problem, "anchor") {
			t.Fatalf("rewritten head against its anchor: %+v", rep)
		}

		// The head cut off: the anchor names an entry that is gone.
		if err := s.db.Exec(`DELETE FROM audit_log WHERE id = 4`).Error; err != nil {
			t.Fatal(err)
		}
		rep = mustVerifyAuditAnchored(t, s, anchors...)
		if rep.Broken != 4 || rep.Head.ID != 3 || !strings.Contains(rep.Problem, "removed from the end") {
			t.Fatalf("truncated log against its anchor: %+v", rep)
		}
	})
}

// A keyed log needs the key, to verify and to append: without it the store
// neither reports it intact nor appends an unkeyed row after keyed ones.
func TestAuditKeyRequired(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		s.SetAuditKey(testAuditKey)
		appendN(t, s, 2)
		s.SetAuditKey(nil)
		if _, err := s.VerifyAudit(context.Background(), nil); !errors.Is(err, ErrAuditKeyRequired) {
			t.Fatalf("verify without the key: %v", err)
		}
		if _, err := s.AppendAudit(context.Background(), AuditEntry{Action: "x"}); !errors.Is(err, ErrAuditKeyRequired) {
			t.Fatalf("append without the key: %v", err)
		}
		s.SetAuditKey([]byte("another key"))
		if rep := mustVerifyAuditAnchored(t, s); rep.Broken != 1 {
			t.Fatalf("verify under another key: %+v", rep)
		}
	})
}

// auditDetail is the detail of the entry p appended, decoded.
func auditDetail(t *testing.T, p *PendingAudit) map[string]any {
	t.Helper()
	if !p.Appended() {
		t.Fatal("the entry was not appended with the write")
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(p.Stored().Detail), &d); err != nil {
		t.Fatalf("detail %q: %v", p.Stored().Detail, err)
	}
	return d
}

// A change of who may do what records, in its own transaction, what the
// account could do before and after.
func TestAuditedAccountChangeRecordsBeforeAfter(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		actx, p, _ := WithAudit(ctx, AuditEntry{Action: "account.created", Detail: `{"via":"sso"}`})
		if _, err := s.CreateAccount(actx, NewAccount{Username: "amal", Name: "أمل", Role: "coordinator", Entity: "KSU", PasswordHash: "x"}, baseTime); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "created", auditDetail(t, p), map[string]any{"via": "sso", "before": nil,
			"after": map[string]any{"role": "coordinator", "entity": "KSU", "disabled": false}})

		actx, p, _ = WithAudit(ctx, AuditEntry{Action: "account.role_changed"})
		if err := s.UpdateAccountProfile(actx, "amal", "أمل", "sector_official", "SEC-UNI", baseTime); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "role changed", auditDetail(t, p), map[string]any{
			"before": map[string]any{"role": "coordinator", "entity": "KSU"},
			"after":  map[string]any{"role": "sector_official", "entity": "SEC-UNI"}})

		actx, p, _ = WithAudit(ctx, AuditEntry{Action: "account.disabled"})
		if err := s.DisableAccount(actx, "amal", baseTime); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "disabled", auditDetail(t, p), map[string]any{
			"before": map[string]any{"disabled": false}, "after": map[string]any{"disabled": true}})

		// A password is no authority: no before and after.
		actx, p, _ = WithAudit(ctx, AuditEntry{Action: "password.changed"})
		if err := s.SetPassword(actx, "amal", "y", baseTime); err != nil {
			t.Fatal(err)
		}
		if !p.Appended() || p.Stored().Detail != "" {
			t.Fatalf("password change detail %q", p.Stored().Detail)
		}
	})
}

// An entity import records every entity it adds or alters, before and after;
// the entities it leaves as they were are not listed.
func TestAuditedEntityImportRecordsChanges(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		root := Entity{Code: "MOE", NameAR: "الوزارة", NameEN: "Ministry", Kind: "ministry"}
		secA := Entity{Code: "SEC-A", NameAR: "أ", NameEN: "A", Kind: "sector", Parent: "MOE"}
		secB := Entity{Code: "SEC-B", NameAR: "ب", NameEN: "B", Kind: "sector", Parent: "MOE"}
		uni := Entity{Code: "UNI", NameAR: "جامعة", NameEN: "University", Kind: "university", Parent: "SEC-A"}
		if err := s.UpsertEntities(ctx, []Entity{root, secA, secB, uni}); err != nil {
			t.Fatal(err)
		}
		moved := uni
		moved.Parent = "SEC-B"
		fresh := Entity{Code: "COL", NameAR: "كلية", NameEN: "College", Kind: "college", Parent: "UNI"}
		actx, p, _ := WithAudit(ctx, AuditEntry{Action: "entities.imported", Detail: `{"count":4}`})
		if err := s.UpsertEntities(actx, []Entity{root, secA, moved, fresh}); err != nil {
			t.Fatal(err)
		}
		d := auditDetail(t, p)
		b, _ := json.Marshal(d["changes"])
		var changes []EntityChange
		if err := json.Unmarshal(b, &changes); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "changes", changes, []EntityChange{
			{Code: "COL", After: fresh},
			{Code: "UNI", Before: &uni, After: moved},
		})
		if d["count"] != float64(4) {
			t.Fatalf("the caller's detail was lost: %+v", d)
		}
	})
}
