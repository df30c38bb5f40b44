package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

func hex32(n int) string { return fmt.Sprintf("%032x", n) }

func sampleAttachment(number string, n int, role domain.Role) Attachment {
	return Attachment{
		ID: hex32(n), TicketNumber: number, Purpose: domain.AttachFiling, Public: true,
		UploadedByID: "beneficiary", UploadedByRole: role, Name: "هوية.pdf", ContentType: "application/pdf",
		Size: 1234, SHA256: strings.Repeat("ab", 32), StorageKey: hex32(1000 + n),
	}
}

func TestAttachmentRoundTrip(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		in := sampleAttachment(tk.Number, 1, domain.RoleCoordinator)
		in.Purpose, in.UploadedByID = domain.AttachResponse, "user:coord-1"
		in.CreatedAt = time.Date(2026, 5, 1, 10, 0, 0, 123456789, riyadh)
		requireAllFieldsSet(t, in)
		got, err := s.AddAttachment(ctx, in, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.CreatedAt = in.CreatedAt.UTC().Truncate(time.Microsecond)
		mustEqual(t, "AddAttachment result", got, want)
		read, err := s.GetAttachment(ctx, tk.Number, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "attachment read back", read, want)
		list, err := s.Attachments(ctx, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "list", list, []Attachment{want})
		if used, err := s.AttachmentKeyInUse(ctx, in.StorageKey); err != nil || !used {
			t.Fatalf("AttachmentKeyInUse(stored) = %v, %v", used, err)
		}
		if used, err := s.AttachmentKeyInUse(ctx, hex32(99999)); err != nil || used {
			t.Fatalf("AttachmentKeyInUse(unknown) = %v, %v", used, err)
		}
	})
}

// A document is found only through its own ticket, and only a ticket that
// exists takes one.
func TestAttachmentBelongsToItsTicket(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		b := mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		att, err := s.AddAttachment(ctx, sampleAttachment(a.Number, 1, domain.RoleBeneficiary), 10)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAttachment(ctx, b.Number, att.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("attachment of %s through %s: %v", a.Number, b.Number, err)
		}
		if list, err := s.Attachments(ctx, b.Number); err != nil || len(list) != 0 {
			t.Fatalf("other ticket's list = %v, %v", list, err)
		}
		if _, err := s.AddAttachment(ctx, sampleAttachment("2026-999999", 2, domain.RoleBeneficiary), 10); !errors.Is(err, ErrNotFound) {
			t.Fatalf("attachment to a missing ticket: %v", err)
		}
		if n := countRows(t, s, "attachments"); n != 1 {
			t.Fatalf("%d rows", n)
		}
	})
}

// Each side has its own allowance: a beneficiary who used theirs up does
// not keep staff from attaching their answer, nor the other way round.
func TestAttachmentLimitPerSide(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		for i := range 2 {
			if _, err := s.AddAttachment(ctx, sampleAttachment(tk.Number, i, domain.RoleBeneficiary), 2); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AddAttachment(ctx, sampleAttachment(tk.Number, 2, domain.RoleBeneficiary), 2); !errors.Is(err, ErrAttachmentLimit) {
			t.Fatalf("third beneficiary attachment: %v", err)
		}
		if _, err := s.AddAttachment(ctx, sampleAttachment(tk.Number, 3, domain.RoleCoordinator), 2); err != nil {
			t.Fatalf("staff attachment after the beneficiary's limit: %v", err)
		}
		for side, want := range map[bool]int{true: 2, false: 1} {
			if n, err := s.CountAttachments(ctx, tk.Number, side); err != nil || n != want {
				t.Fatalf("CountAttachments(beneficiary=%v) = %d, %v; want %d", side, n, err, want)
			}
		}
		list, err := s.Attachments(ctx, tk.Number)
		if err != nil || len(list) != 3 {
			t.Fatalf("list = %d, %v", len(list), err)
		}
	})
}

// Uploads racing for the last places: exactly the limit are recorded.
func TestAttachmentLimitUnderConcurrency(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		const tries, limit = 8, 3
		errs := make([]error, tries)
		var wg sync.WaitGroup
		for i := range tries {
			wg.Go(func() {
				_, errs[i] = s.AddAttachment(ctx, sampleAttachment(tk.Number, i, domain.RoleBeneficiary), limit)
			})
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrAttachmentLimit):
				refused++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != limit || refused != tries-limit {
			t.Fatalf("%d recorded, %d refused; want %d and %d", ok, refused, limit, tries-limit)
		}
	})
}
