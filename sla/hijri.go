package sla

import (
	"errors"
	"fmt"

	hijri "github.com/hablullah/go-hijri"
)

// ErrNoHijriDate means a date lies outside the Umm al-Qura tables (1937–2077)
// or is not a date at all.
var ErrNoHijriDate = errors.New("sla: no Umm al-Qura date")

// HijriDate is a date of the Umm al-Qura calendar, Saudi Arabia's official
// Hijri calendar. Holidays are kept as Gregorian dates (what the calendar
// math counts); this is how people recognise them, since the Eids move
// through the Gregorian year.
type HijriDate struct {
	Year, Month, Day int
}

var hijriMonthsAR = [12]string{"محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة",
	"رجب", "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة"}

var hijriMonthsEN = [12]string{"Muharram", "Safar", "Rabi al-Awwal", "Rabi al-Akhir", "Jumada al-Ula", "Jumada al-Akhirah",
	"Rajab", "Shaban", "Ramadan", "Shawwal", "Dhu al-Qadah", "Dhu al-Hijjah"}

// UmmAlQura is the Umm al-Qura date of a Gregorian date "YYYY-MM-DD".
//
// The tables are the computed calendar published in advance; the Eids
// themselves are announced after the moon is sighted and may fall a day
// off it, which is why holidays are entered as Gregorian dates.
func UmmAlQura(date string) (HijriDate, error) {
	d, ok := parseDate(date)
	if !ok {
		return HijriDate{}, fmt.Errorf("%w: %q is not a date YYYY-MM-DD", ErrNoHijriDate, date)
	}
	h, err := hijri.CreateUmmAlQuraDate(d)
	if err != nil {
		return HijriDate{}, fmt.Errorf("%w for %s: %w", ErrNoHijriDate, date, err)
	}
	return HijriDate{Year: int(h.Year), Month: int(h.Month), Day: int(h.Day)}, nil
}

// String is the numeric form, "1447-10-01".
func (h HijriDate) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", h.Year, h.Month, h.Day)
}

// Arabic is the written form with the month's Arabic name, "1 شوال 1447".
func (h HijriDate) Arabic() string { return h.written(hijriMonthsAR) }

// English is the written form with the month's transliterated name, "1 Shawwal 1447".
func (h HijriDate) English() string { return h.written(hijriMonthsEN) }

func (h HijriDate) written(months [12]string) string {
	if h.Month < 1 || h.Month > 12 {
		return h.String()
	}
	return fmt.Sprintf("%d %s %d", h.Day, months[h.Month-1], h.Year)
}
