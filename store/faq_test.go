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

func sampleFAQ(n int) FAQContent {
	return FAQContent{
		QuestionAR: fmt.Sprintf("كيف أطبع شهادة الطالب من نظام نور؟ (%d)", n),
		AnswerAR:   "ادخل إلى نظام نور بحساب ولي الأمر ثم اختر التقارير.",
		QuestionEN: fmt.Sprintf("How do I print a student's certificate from Noor? (%d)", n),
		AnswerEN:   "Sign in to Noor with the guardian's account and open Reports.",
		Category:   "noor",
		Reference:  "دليل مستخدم نظام نور",
		ReviewedOn: "2026-02-01",
		Active:     true,
	}
}

func mustFAQ(t *testing.T, s *Store, c FAQContent) FAQEntry {
	t.Helper()
	e, err := s.CreateFAQ(context.Background(), c, "account:admin", baseTime)
	if err != nil {
		t.Fatalf("CreateFAQ: %v", err)
	}
	return e
}

func mustRevision(t *testing.T, s *Store) int64 {
	t.Helper()
	rev, err := s.FAQRevision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func TestFAQRoundTrip(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		c := sampleFAQ(1)
		requireAllFieldsSet(t, c)
		at := time.Date(2026, 5, 1, 10, 0, 0, 123456789, riyadh)
		e, err := s.CreateFAQ(ctx, c, "account:admin", at)
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 {
			t.Fatal("no id")
		}
		want := FAQEntry{ID: e.ID, QuestionAR: c.QuestionAR, AnswerAR: c.AnswerAR, QuestionEN: c.QuestionEN, AnswerEN: c.AnswerEN,
			Category: c.Category, Reference: c.Reference, ReviewedOn: c.ReviewedOn, Active: true,
			CreatedBy: "account:admin", UpdatedBy: "account:admin", CreatedAt: utc(at), UpdatedAt: utc(at)}
		mustEqual(t, "created", e, want)
		got, err := s.GetFAQ(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "read back", got, want)

		// An edit replaces the content and keeps the count and the creation.
		if _, err := s.MarkFAQHelpful(ctx, e.ID, strings.Repeat("a", 64), "2026-05-01"); err != nil {
			t.Fatal(err)
		}
		edit := FAQContent{QuestionAR: "سؤال معدل", AnswerAR: "جواب معدل", Category: "faris", ReviewedOn: "2026-05-02"}
		later := at.Add(time.Hour)
		upd, err := s.UpdateFAQ(ctx, e.ID, edit, "account:other", later)
		if err != nil {
			t.Fatal(err)
		}
		want = FAQEntry{ID: e.ID, QuestionAR: "سؤال معدل", AnswerAR: "جواب معدل", Category: "faris", ReviewedOn: "2026-05-02",
			HelpfulCount: 1, CreatedBy: "account:admin", UpdatedBy: "account:other", CreatedAt: utc(at), UpdatedAt: utc(later)}
		mustEqual(t, "updated", upd, want)
		got, _ = s.GetFAQ(ctx, e.ID)
		mustEqual(t, "updated, read back", got, want)

		if err := s.DeleteFAQ(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetFAQ(ctx, e.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetFAQ after delete: %v, want ErrNotFound", err)
		}
		if n := countRows(t, s, "faq_helpful_marks"); n != 0 {
			t.Fatalf("%d helpful marks outlived their entry", n)
		}
		if _, err := s.UpdateFAQ(ctx, e.ID, edit, "x", later); !errors.Is(err, ErrNotFound) {
			t.Fatalf("UpdateFAQ of a deleted entry: %v, want ErrNotFound", err)
		}
		if err := s.DeleteFAQ(ctx, e.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("DeleteFAQ twice: %v, want ErrNotFound", err)
		}
	})
}

func TestFAQRefusesIncompleteContent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		for name, edit := range map[string]func(*FAQContent){
			"no Arabic question": func(c *FAQContent) { c.QuestionAR = "" },
			"no Arabic answer":   func(c *FAQContent) { c.AnswerAR = "" },
			"no category":        func(c *FAQContent) { c.Category = "" },
			"a date with a time": func(c *FAQContent) { c.ReviewedOn = "2026-02-01T10:00" },
		} {
			c := sampleFAQ(1)
			edit(&c)
			if _, err := s.CreateFAQ(context.Background(), c, "x", baseTime); err == nil {
				t.Errorf("%s: created", name)
			}
		}
		if n := countRows(t, s, "faq_entries"); n != 0 {
			t.Fatalf("%d rows written", n)
		}
	})
}

func TestListFAQ(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var ids []int64
		for i := range 5 {
			c := sampleFAQ(i)
			c.Active = i != 1
			if i >= 3 {
				c.Category = "safeer"
			}
			ids = append(ids, mustFAQ(t, s, c).ID)
		}
		idsOf := func(p FAQPage) []int64 {
			out := []int64{}
			for _, e := range p.Entries {
				out = append(out, e.ID)
			}
			return out
		}
		p, err := s.ListFAQ(ctx, FAQFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "first page", idsOf(p), ids[:2])
		p, err = s.ListFAQ(ctx, FAQFilter{Limit: 2, AfterID: p.Next})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "second page", idsOf(p), ids[2:4])
		p, _ = s.ListFAQ(ctx, FAQFilter{Limit: 2, AfterID: p.Next})
		mustEqual(t, "last page", idsOf(p), ids[4:])
		if p.Next != 0 {
			t.Fatalf("last page has next %d", p.Next)
		}
		active, inactive := true, false
		p, _ = s.ListFAQ(ctx, FAQFilter{Active: &inactive})
		mustEqual(t, "inactive", idsOf(p), []int64{ids[1]})
		p, _ = s.ListFAQ(ctx, FAQFilter{Active: &active, Category: "noor"})
		mustEqual(t, "active noor", idsOf(p), []int64{ids[0], ids[2]})
		if _, err := s.ListFAQ(ctx, FAQFilter{Limit: 201}); err == nil {
			t.Fatal("limit 201 accepted")
		}

		es, rev, err := s.ActiveFAQ(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "active entries", idsOf(FAQPage{Entries: es}), []int64{ids[0], ids[2], ids[3], ids[4]})
		if rev != 5 {
			t.Fatalf("revision after 5 entries = %d, want 5", rev)
		}
	})
}

// Every change of the bank's content moves the revision; helpful counts do not.
func TestFAQRevision(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r0 := mustRevision(t, s)
		e := mustFAQ(t, s, sampleFAQ(1))
		r1 := mustRevision(t, s)
		if _, err := s.MarkFAQHelpful(ctx, e.ID, strings.Repeat("b", 64), "2026-05-01"); err != nil {
			t.Fatal(err)
		}
		r2 := mustRevision(t, s)
		if _, err := s.UpdateFAQ(ctx, e.ID, sampleFAQ(2), "x", baseTime); err != nil {
			t.Fatal(err)
		}
		r3 := mustRevision(t, s)
		if err := s.DeleteFAQ(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		r4 := mustRevision(t, s)
		// A failed write leaves it.
		if err := s.DeleteFAQ(ctx, e.ID); err == nil {
			t.Fatal("deleted twice")
		}
		r5 := mustRevision(t, s)
		mustEqual(t, "revisions", []int64{r0, r1, r2, r3, r4, r5}, []int64{0, 1, 1, 2, 3, 3})
	})
}

func TestMarkFAQHelpful(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		e := mustFAQ(t, s, sampleFAQ(1))
		voterA, voterB := strings.Repeat("a", 64), strings.Repeat("b", 64)
		for _, step := range []struct {
			voter, day string
			want       bool
		}{
			{voterA, "2026-05-01", true},
			{voterA, "2026-05-01", false}, // the same caller the same day
			{voterB, "2026-05-01", true},
			{voterA, "2026-05-02", true}, // the next day counts again
		} {
			got, err := s.MarkFAQHelpful(ctx, e.ID, step.voter, step.day)
			if err != nil {
				t.Fatal(err)
			}
			if got != step.want {
				t.Fatalf("mark by %s… on %s: counted %v, want %v", step.voter[:4], step.day, got, step.want)
			}
		}
		got, _ := s.GetFAQ(ctx, e.ID)
		if got.HelpfulCount != 3 {
			t.Fatalf("helpful count %d, want 3", got.HelpfulCount)
		}

		if _, err := s.MarkFAQHelpful(ctx, 999999, voterA, "2026-05-01"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown entry: %v, want ErrNotFound", err)
		}
		off := sampleFAQ(2)
		off.Active = false
		inactive := mustFAQ(t, s, off)
		if _, err := s.MarkFAQHelpful(ctx, inactive.ID, voterA, "2026-05-01"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("inactive entry: %v, want ErrNotFound", err)
		}
		if _, err := s.MarkFAQHelpful(ctx, e.ID, "short", "2026-05-01"); err == nil {
			t.Fatal("a voter that is not a hash was accepted")
		}

		if n, err := s.PurgeFAQMarks(ctx, "2026-05-02"); err != nil || n != 2 {
			t.Fatalf("PurgeFAQMarks = %d, %v; want the 2 marks of 2026-05-01", n, err)
		}
		// Purging the marks never gives back a count.
		got, _ = s.GetFAQ(ctx, e.ID)
		if got.HelpfulCount != 3 {
			t.Fatalf("helpful count after purge %d, want 3", got.HelpfulCount)
		}
	})
}

// Concurrent marks by different callers each count: the increment is one
// UPDATE, never a read-then-write.
func TestMarkFAQHelpfulConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		e := mustFAQ(t, s, sampleFAQ(1))
		const n = 12
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				voter := fmt.Sprintf("%064x", i+1)
				_, errs[i] = s.MarkFAQHelpful(context.Background(), e.ID, voter, "2026-05-01")
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.GetFAQ(context.Background(), e.ID)
		if got.HelpfulCount != n {
			t.Fatalf("helpful count %d, want %d", got.HelpfulCount, n)
		}
	})
}

func TestSeedFAQOnlyIntoAnEmptyBank(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		bank := []FAQContent{sampleFAQ(1), sampleFAQ(2), sampleFAQ(3)}
		if n, err := s.SeedFAQ(ctx, bank, "seed", baseTime); err != nil || n != 3 {
			t.Fatalf("first seed = %d, %v; want 3", n, err)
		}
		if rev := mustRevision(t, s); rev != 1 {
			t.Fatalf("revision after a seed = %d, want 1", rev)
		}
		if n, err := s.SeedFAQ(ctx, bank, "seed", baseTime); err != nil || n != 0 {
			t.Fatalf("second seed = %d, %v; want 0", n, err)
		}
		if n := countRows(t, s, "faq_entries"); n != 3 {
			t.Fatalf("%d entries, want 3", n)
		}
		bad := sampleFAQ(4)
		bad.ReviewedOn = ""
		if _, err := s.SeedFAQ(ctx, []FAQContent{bad}, "seed", baseTime); err == nil {
			t.Fatal("an incomplete entry was seeded")
		}
	})
}

// An administrator's change and its audit entry commit together.
func TestFAQWritesTakeTheirAuditEntry(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx, pending, err := WithAudit(context.Background(), AuditEntry{ActorID: "account:admin", Action: "faq.created"})
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.CreateFAQ(ctx, sampleFAQ(1), "account:admin", baseTime)
		if err != nil {
			t.Fatal(err)
		}
		if !pending.Appended() || pending.Stored().Subject != fmt.Sprintf("faq/%d", e.ID) {
			t.Fatalf("audit appended %v with subject %q", pending.Appended(), pending.Stored().Subject)
		}
		ctx, pending, _ = WithAudit(context.Background(), AuditEntry{ActorID: "account:admin", Action: "faq.deleted", Subject: "faq/999"})
		if err := s.DeleteFAQ(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("DeleteFAQ(999) = %v", err)
		}
		if pending.Appended() {
			t.Fatal("a failed delete appended its audit entry")
		}
		if n := countRows(t, s, "audit_log"); n != 1 {
			t.Fatalf("%d audit rows, want 1", n)
		}
	})
}
