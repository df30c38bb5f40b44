package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/domain"
)

func TestUpsertEntities(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if got, err := s.ListEntities(ctx); err != nil || len(got) != 0 {
			t.Fatalf("ListEntities on an empty store = %v, %v", got, err)
		}
		ministry := Entity{Code: "MOE", NameAR: "وزارة التعليم", NameEN: "Ministry of Education", Kind: domain.EntityMinistry}
		sector := Entity{Code: "SEC-UNI", NameAR: "وكالة الجامعات", NameEN: "Universities", Kind: domain.EntitySector, Parent: "MOE"}
		uni := Entity{Code: "UNI-KSU", NameAR: "جامعة الملك سعود", NameEN: "KSU", Kind: domain.EntityPublicUniversity, Parent: "SEC-UNI"}
		if err := s.UpsertEntities(ctx, []Entity{uni, ministry, sector}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListEntities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "entities by code", got, []Entity{ministry, sector, uni})

		// Update by code, add a new one; a code given twice: the last wins.
		uni.NameEN = "King Saud University"
		dep := Entity{Code: "DEP-RUH", NameAR: "تعليم الرياض", NameEN: "Riyadh", Kind: domain.EntityEducationDepartment, Parent: "MOE"}
		depFinal := dep
		depFinal.NameEN = "Riyadh Region"
		if err := s.UpsertEntities(ctx, []Entity{dep, uni, depFinal}); err != nil {
			t.Fatal(err)
		}
		got, err = s.ListEntities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "entities after upsert", got, []Entity{depFinal, ministry, sector, uni})

		e, err := s.GetEntity(ctx, "UNI-KSU")
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "GetEntity", e, uni)
		if _, err := s.GetEntity(ctx, "NOPE"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetEntity(missing) = %v, want ErrNotFound", err)
		}

		// A bad row (empty code; a code over 32 characters) fails the whole
		// batch: neither the new entity nor the update before it lands.
		for _, bad := range []Entity{
			{Code: "", NameAR: "بلا رمز", Kind: domain.EntityAgency},
			{Code: strings.Repeat("X", 33), NameAR: "رمز طويل", Kind: domain.EntityAgency},
			{Code: "NO-NAME", Kind: domain.EntityAgency},
		} {
			changed := ministry
			changed.NameEN = "changed"
			fresh := Entity{Code: "NEW", NameAR: "جديد", Kind: domain.EntityAgency, Parent: "MOE"}
			if err := s.UpsertEntities(ctx, []Entity{changed, fresh, bad}); err == nil {
				t.Fatalf("UpsertEntities accepted %+v", bad)
			}
			got, err = s.ListEntities(ctx)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "entities after a failed batch", got, []Entity{depFinal, ministry, sector, uni})
		}
	})
}
