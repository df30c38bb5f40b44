package faq

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tawasul/tawasul/store"
)

// fakeSource is a bank in memory with a revision, like the store's.
type fakeSource struct {
	mu       sync.Mutex
	entries  map[int64]store.FAQEntry
	revision int64
	loads    int
	fail     error
}

func newFakeSource(es ...store.FAQEntry) *fakeSource {
	f := &fakeSource{entries: map[int64]store.FAQEntry{}}
	for _, e := range es {
		f.entries[e.ID] = e
	}
	return f
}

func (f *fakeSource) put(e store.FAQEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries[e.ID] = e
	f.revision++
}

func (f *fakeSource) ActiveFAQ(context.Context) ([]store.FAQEntry, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, 0, f.fail
	}
	f.loads++
	var out []store.FAQEntry
	for _, e := range f.entries {
		if e.Active {
			out = append(out, e)
		}
	}
	return out, f.revision, nil
}

func (f *fakeSource) FAQRevision(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return 0, f.fail
	}
	return f.revision, nil
}

// The test bank: each entry carries the spelling a test then varies.
var (
	noorResults = store.FAQEntry{ID: 1, Category: "noor", Active: true,
		QuestionAR: "كيف أستعلم عن نتائج الطلاب في نظام نور؟",
		AnswerAR:   "يدخل ولي الأمر إلى نظام نور بحسابه، ثم يختار التقارير ونتائج الفصل الدراسي.",
		QuestionEN: "How do I look up students' results in Noor?",
		AnswerEN:   "The guardian signs in to Noor with their own account and opens Reports, then the term's results."}
	certificates = store.FAQEntry{ID: 2, Category: "certificates", Active: true,
		QuestionAR: "ما آلية معادلة الشهادات الصادرة من خارج المملكة؟",
		AnswerAR:   "يقدَّم طلب المعادلة إلكترونياً مع صورة الشهادة وكشف الدرجات وجواز السفر.",
		QuestionEN: "How are certificates issued abroad made equivalent?",
		AnswerEN:   "Apply online with a copy of the certificate, the transcript and the passport."}
	teacherTransfer = store.FAQEntry{ID: 3, Category: "transfers", Active: true,
		QuestionAR: "كيف تطلب معلمة النقل إلى مدرسة أخرى؟",
		AnswerAR:   "تقدِّم المعلمة رغبات النقل الخارجي في نظام فارس خلال فترة حركة النقل المعلنة.",
		QuestionEN: "How does a teacher request a transfer to another school?",
		AnswerEN:   "Teachers enter their transfer preferences in Faris during the announced transfer window."}
	scholarship = store.FAQEntry{ID: 4, Category: "scholarships", Active: true,
		QuestionAR: "متى تصرف المكافأة الشهرية لطلاب الابتعاث؟",
		AnswerAR:   "تصرف المكافأة الشهرية للمبتعثين عبر نظام سفير بعد تحديث بيانات الدراسة في الملحقية.",
		QuestionEN: "When is the monthly stipend of scholarship students paid?",
		AnswerEN:   "Stipends of students on scholarship are paid through Safeer once the attaché has their study records up to date."}
	arabicOnly = store.FAQEntry{ID: 5, Category: "admission", Active: true,
		QuestionAR: "كيف أعرف نتيجة القبول الموحد في الجامعات؟",
		AnswerAR:   "تعلن نتائج القبول على بوابة القبول الموحد للجامعات في المواعيد المعلنة."}
	withdrawn = store.FAQEntry{ID: 6, Category: "faris", Active: false,
		QuestionAR: "كيف أستخرج تعريف الراتب من نظام فارس؟",
		AnswerAR:   "هذه الإجابة قديمة ولم تعد صحيحة.",
		QuestionEN: "How do I get a salary certificate from Faris?",
		AnswerEN:   "This answer is out of date."}
)

func newTestIndex(t *testing.T, es ...store.FAQEntry) (*Index, *fakeSource) {
	t.Helper()
	if len(es) == 0 {
		es = []store.FAQEntry{noorResults, certificates, teacherTransfer, scholarship, arabicOnly, withdrawn}
	}
	src := newFakeSource(es...)
	x := New(src, nil)
	t.Cleanup(func() { _ = x.Close() })
	return x, src
}

func search(t *testing.T, x *Index, q Query) []Hit {
	t.Helper()
	hits, err := x.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%q): %v", q.Text, err)
	}
	return hits
}

func ids(hits []Hit) []int64 {
	out := []int64{}
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

// The spelling variants people type find the same entry: the folding and
// stemming of the Arabic analysis, each variant on its own.
func TestArabicSpellingVariants(t *testing.T) {
	x, _ := newTestIndex(t)
	for _, c := range []struct {
		what, query string
		want        int64
	}{
		{"as written", "أستعلم عن نتائج الطلاب", 1},
		{"alef with hamza above written bare", "استعلم نتائج الطلاب", 1},
		{"alef with hamza below for hamza above", "إستعلم عن النتائج", 1},
		{"alef madda written bare", "الية المعادلة", 2},
		{"bare alef written with madda", "آلية معادلة", 2},
		{"taa marbuta written as haa", "معلمه تطلب النقل", 3},
		{"haa for taa marbuta, twice", "معادله شهاده", 2},
		{"alef maqsura written as yaa", "النقل الى مدرسة اخري", 3},
		{"diacritics", "نَتَائِجُ الطُّلَّابِ", 1},
		{"diacritics on the whole question", "مَتَى تُصْرَفُ الْمُكَافَأَةُ الشَّهْرِيَّةُ", 4},
		{"tatweel", "نتـــائج نــــور", 1},
		{"plural and article for a singular", "الشهادات", 2},
		{"singular without article for a plural", "شهادة", 2},
		{"definite article dropped", "ابتعاث", 4},
		{"article and plural of a feminine noun", "المعلمات", 3},
		{"prefixed conjunction and article", "والمكافأة", 4},
		{"alef wasla", "ٱلابتعاث", 4},
	} {
		hits := search(t, x, Query{Text: c.query, Lang: LangArabic})
		if len(hits) == 0 || hits[0].ID != c.want {
			t.Errorf("%s: %q found %v, want entry %d first", c.what, c.query, ids(hits), c.want)
		}
	}
}

func TestEnglishSearch(t *testing.T) {
	x, _ := newTestIndex(t)
	for _, c := range []struct {
		query string
		want  int64
	}{
		{"results Noor", 1},
		{"certificate equivalence", 2},
		{"Teachers transferring schools", 3},
		{"scholarship stipends", 4},
		{"STIPEND paid", 4},
	} {
		hits := search(t, x, Query{Text: c.query})
		if len(hits) == 0 || hits[0].ID != c.want {
			t.Errorf("%q found %v, want entry %d first", c.query, ids(hits), c.want)
			continue
		}
		if h := hits[0]; h.Lang != LangEnglish || !strings.Contains(h.Question, " ") || h.Question[0] > 127 {
			t.Errorf("%q: an English query answers in English, got %+v", c.query, h)
		}
	}
	// An entry without English answers an English search in Arabic.
	hits := search(t, x, Query{Text: "نتيجة القبول", Lang: LangEnglish})
	if len(hits) != 0 {
		t.Errorf("lang=en searched the Arabic fields: %v", ids(hits))
	}
	hits = search(t, x, Query{Text: "القبول الموحد"})
	if len(hits) == 0 || hits[0].ID != 5 || hits[0].Lang != LangArabic || hits[0].Question != arabicOnly.QuestionAR {
		t.Errorf("Arabic-only entry: %+v", hits)
	}
	en := search(t, x, Query{Text: "Noor", Lang: LangEnglish})
	if len(en) == 0 || en[0].Question != noorResults.QuestionEN || en[0].Excerpt == "" {
		t.Errorf("lang=en: %+v", en)
	}
	ar := search(t, x, Query{Text: "نور", Lang: LangArabic})
	if len(ar) == 0 || ar[0].Question != noorResults.QuestionAR || ar[0].Lang != LangArabic {
		t.Errorf("lang=ar: %+v", ar)
	}
}

func TestInactiveEntriesAreNeverFound(t *testing.T) {
	x, _ := newTestIndex(t)
	for _, q := range []string{"تعريف الراتب فارس", "salary certificate Faris", "الإجابة قديمة"} {
		for _, h := range search(t, x, Query{Text: q, Limit: MaxLimit}) {
			if h.ID == withdrawn.ID {
				t.Errorf("%q found the inactive entry", q)
			}
		}
	}
	// Deactivating an entry takes it out at once.
	off := noorResults
	off.Active = false
	if err := x.Apply(off); err != nil {
		t.Fatal(err)
	}
	if hits := search(t, x, Query{Text: "نتائج نور"}); len(hits) > 0 && hits[0].ID == noorResults.ID {
		t.Errorf("a deactivated entry is still found: %v", ids(hits))
	}
}

// A match in a question outweighs the same match in an answer.
func TestQuestionsOutrankAnswers(t *testing.T) {
	inQuestion := store.FAQEntry{ID: 10, Active: true, Category: "x", QuestionAR: "ما مواعيد الاختبارات؟", AnswerAR: "تعلن في التقويم الدراسي."}
	inAnswer := store.FAQEntry{ID: 11, Active: true, Category: "x", QuestionAR: "أين أجد التقويم الدراسي؟", AnswerAR: "في موقع الوزارة مع مواعيد الاختبارات."}
	x, _ := newTestIndex(t, inAnswer, inQuestion)
	hits := search(t, x, Query{Text: "مواعيد الاختبارات"})
	if len(hits) != 2 || hits[0].ID != inQuestion.ID {
		t.Fatalf("hits %v, want the question match (10) first", ids(hits))
	}
	if hits[0].Score <= hits[1].Score {
		t.Fatalf("scores %v and %v", hits[0].Score, hits[1].Score)
	}
}

func TestSearchBounds(t *testing.T) {
	x, _ := newTestIndex(t)
	ctx := context.Background()
	for _, q := range []string{"", "   \n"} {
		if _, err := x.Search(ctx, Query{Text: q}); !errors.Is(err, ErrEmptyQuery) {
			t.Errorf("Search(%q) = %v, want ErrEmptyQuery", q, err)
		}
	}
	long := strings.Repeat("ن", MaxQueryRunes+1)
	if _, err := x.Search(ctx, Query{Text: long}); !errors.Is(err, ErrQueryTooLong) {
		t.Errorf("a query of %d runes: %v, want ErrQueryTooLong", MaxQueryRunes+1, err)
	}
	if _, err := x.Search(ctx, Query{Text: long[:len(long)-len("ن")]}); err != nil {
		t.Errorf("a query of %d runes: %v", MaxQueryRunes, err)
	}
	if _, err := x.Search(ctx, Query{Text: "نور", Lang: "fr"}); err == nil {
		t.Error("lang fr accepted")
	}
	if _, err := x.Search(ctx, Query{Text: "نور", Limit: MaxLimit + 1}); err == nil {
		t.Error("a limit over MaxLimit accepted")
	}
	// Stop words only: nothing to match, nothing found.
	if hits := search(t, x, Query{Text: "في على إلى عن"}); len(hits) != 0 {
		t.Errorf("stop words found %v", ids(hits))
	}
	many := make([]store.FAQEntry, 30)
	for i := range many {
		many[i] = store.FAQEntry{ID: int64(i + 1), Active: true, Category: "x", QuestionAR: fmt.Sprintf("سؤال عن نظام نور %d", i), AnswerAR: "جواب"}
	}
	y, _ := newTestIndex(t, many...)
	if hits := search(t, y, Query{Text: "نور"}); len(hits) != DefaultLimit {
		t.Errorf("default limit: %d hits", len(hits))
	}
	if hits := search(t, y, Query{Text: "نور", Limit: 2}); len(hits) != 2 {
		t.Errorf("limit 2: %d hits", len(hits))
	}
}

func TestSuggest(t *testing.T) {
	x, _ := newTestIndex(t)
	hits, err := x.Suggest(context.Background(), "تأخر صرف المكافأة",
		"أنا طالب مبتعث ولم تصرف مكافأتي الشهرية منذ شهرين رغم تحديث بياناتي "+strings.Repeat("كلام كثير ", 400), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].ID != scholarship.ID || len(hits) > 3 {
		t.Fatalf("suggestions %v, want the stipend entry first, at most 3", ids(hits))
	}
	if hits, err := x.Suggest(context.Background(), "", "  ", 3); err != nil || len(hits) != 0 {
		t.Fatalf("nothing to go on: %v, %v", hits, err)
	}
}

// Another process's change reaches the index at the next Sync; none, no rebuild.
func TestSyncFollowsTheRevision(t *testing.T) {
	x, src := newTestIndex(t, noorResults)
	if _, err := x.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if changed, err := x.Sync(context.Background()); err != nil || changed {
		t.Fatalf("Sync without a change = %v, %v", changed, err)
	}
	loads := src.loads
	src.put(certificates)
	if hits := search(t, x, Query{Text: "معادلة الشهادات"}); len(hits) != 0 {
		t.Fatalf("found before the sync: %v", ids(hits))
	}
	if changed, err := x.Sync(context.Background()); err != nil || !changed {
		t.Fatalf("Sync after a change = %v, %v", changed, err)
	}
	if src.loads != loads+1 {
		t.Fatalf("%d loads, want %d", src.loads, loads+1)
	}
	if hits := search(t, x, Query{Text: "معادلة الشهادات"}); len(hits) != 1 || hits[0].ID != certificates.ID {
		t.Fatalf("after the sync: %v", ids(hits))
	}
	// A store that cannot be read leaves the index answering as it was.
	src.fail = errors.New("database down")
	if _, err := x.Sync(context.Background()); err == nil {
		t.Fatal("Sync against a failing store succeeded")
	}
	if x.Size() != 2 || len(search(t, x, Query{Text: "نور"})) != 1 {
		t.Fatal("a failed sync changed the index")
	}
}

// This process's own writes show at once, before any sync.
func TestApplyAndRemove(t *testing.T) {
	x, _ := newTestIndex(t, noorResults)
	// Before the first load Apply is a no-op: the load reads the store.
	if err := x.Apply(certificates); err != nil || x.Size() != 0 {
		t.Fatalf("Apply before load: %v, size %d", err, x.Size())
	}
	search(t, x, Query{Text: "نور"})
	edited := noorResults
	edited.QuestionAR = "كيف أطبع شهادة الصف في نظام نور؟"
	if err := x.Apply(edited); err != nil {
		t.Fatal(err)
	}
	hits := search(t, x, Query{Text: "أطبع شهادة الصف"})
	if len(hits) != 1 || hits[0].Question != edited.QuestionAR {
		t.Fatalf("after Apply: %+v", hits)
	}
	if err := x.Remove(noorResults.ID); err != nil {
		t.Fatal(err)
	}
	if hits := search(t, x, Query{Text: "نور"}); len(hits) != 0 {
		t.Fatalf("after Remove: %v", ids(hits))
	}
}

// Searches, writes and rebuilds at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	x, src := newTestIndex(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 25 {
				if _, err := x.Search(ctx, Query{Text: "نتائج نور"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for j := range 10 {
				e := scholarship
				e.ID = int64(100 + i*10 + j)
				src.put(e)
				if err := x.Apply(e); err != nil {
					t.Error(err)
					return
				}
				if j%3 == 0 {
					if _, err := x.Sync(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if _, err := x.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if want := 5 + 40; x.Size() != want {
		t.Fatalf("size %d, want %d", x.Size(), want)
	}
}

func TestExcerpt(t *testing.T) {
	short := "يقدَّم الطلب إلكترونياً.\nمع صورة الشهادة."
	if got := Excerpt(short); got != "يقدَّم الطلب إلكترونياً. مع صورة الشهادة." {
		t.Errorf("short: %q", got)
	}
	long := strings.Repeat("كلمة ", 100)
	got := Excerpt(long)
	if !strings.HasSuffix(got, "…") || strings.Contains(got, "  ") || len([]rune(got)) > excerptRunes+1 {
		t.Errorf("long: %q", got)
	}
	if strings.Contains(strings.TrimSuffix(got, "…"), "كلم…") || strings.HasSuffix(strings.TrimSuffix(got, "…"), " ") {
		t.Errorf("cut inside a word or before a space: %q", got)
	}
}
