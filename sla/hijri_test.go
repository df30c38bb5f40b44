package sla

import (
	"errors"
	"testing"
)

// Days Saudi Arabia kept in 1446 (the Eids, Ramadan, the new year 1447),
// further days of the 1447 tables, and the first and last days they cover.
func TestUmmAlQura(t *testing.T) {
	for _, c := range []struct {
		gregorian, hijri, ar, en string
	}{
		{"2025-03-30", "1446-10-01", "1 شوال 1446", "1 Shawwal 1446"},             // Eid al-Fitr 1446
		{"2025-06-06", "1446-12-10", "10 ذو الحجة 1446", "10 Dhu al-Hijjah 1446"}, // Eid al-Adha 1446
		{"2025-06-05", "1446-12-09", "9 ذو الحجة 1446", "9 Dhu al-Hijjah 1446"},   // the day of Arafah
		{"2025-06-26", "1447-01-01", "1 محرم 1447", "1 Muharram 1447"},            // new year 1447
		{"2025-03-01", "1446-09-01", "1 رمضان 1446", "1 Ramadan 1446"},            // Ramadan 1446
		{"2026-03-20", "1447-10-01", "1 شوال 1447", "1 Shawwal 1447"},             // Eid al-Fitr 1447
		{"2026-03-19", "1447-09-30", "30 رمضان 1447", "30 Ramadan 1447"},          // the day before
		{"2026-05-27", "1447-12-10", "10 ذو الحجة 1447", "10 Dhu al-Hijjah 1447"}, // Eid al-Adha 1447
		{"2025-09-23", "1447-04-01", "1 ربيع الآخر 1447", "1 Rabi al-Akhir 1447"}, // National Day 2025
		{"1937-03-14", "1356-01-01", "1 محرم 1356", "1 Muharram 1356"},            // the first day of the tables
		{"2077-11-16", "1500-12-30", "30 ذو الحجة 1500", "30 Dhu al-Hijjah 1500"}, // the last
	} {
		h, err := UmmAlQura(c.gregorian)
		if err != nil {
			t.Errorf("UmmAlQura(%s): %v", c.gregorian, err)
			continue
		}
		if h.String() != c.hijri || h.Arabic() != c.ar || h.English() != c.en {
			t.Errorf("UmmAlQura(%s) = %s / %s / %s; want %s / %s / %s", c.gregorian, h, h.Arabic(), h.English(), c.hijri, c.ar, c.en)
		}
	}
	for _, bad := range []string{"1937-03-13", "2077-11-17", "2026-02-30", "", "20260320"} {
		if h, err := UmmAlQura(bad); !errors.Is(err, ErrNoHijriDate) {
			t.Errorf("UmmAlQura(%q) = %v, %v; want ErrNoHijriDate", bad, h, err)
		}
	}
}
