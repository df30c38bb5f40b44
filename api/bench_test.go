package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/tickets"
)

// benchTicketBody is an intake body as a phone sends it: a pasted paragraph
// with tatweel, a bidi mark and a ligature, a national ID and a mobile in
// Arabic-Indic digits with separators.
func benchTicketBody(b *testing.B, channel string) []byte {
	b.Helper()
	m := ticketBody(func(m map[string]any) {
		m["channel"] = channel
		m["subject"] = "تأخـر صرف المكافأة الشهرية"
		m["description"] = "\u200Fالسـلام عليكم،\nتقدمت بطلب معادلة الشهادة الجامعية بتاريخ ١٤٤٦/٠٣/١٢ ولم يصلني أي رد حتى الآن \uFEFBبالبريد و\uFEFBبالجوال.\n" +
			"راجعت عمادة شؤون الطلاب أكثر من مرة وتمت إحالتي إلى جهات مختلفة دون حل واضح، وأرفقت صورة الهوية الوطنية وكشف الدرجات المعتمد.\n" +
			"أرجو التكرم بالنظر في الموضوع وإفادتي بالإجراءات المطلوبة والمدة المتوقعة لإنهاء المعاملة، وشكرًا."
		benef(m)["national_id"] = "١٠٨ ٧٦٥ " + validID("108765432")[6:]
		benef(m)["mobile"] = "٠٥٠-١٢٣ ٤٥٦٧"
		benef(m)["email"] = "Sara@Example.SA"
	})
	body, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkIntake measures filing a ticket: decoding and validating the body
// alone (what runs before anything is written; the entity lookup is a read
// of the SQLite read model), then the whole POST /tickets of a call-center
// agent (number, ticket and workflow start on SQLite, Temporal faked).
//
//	go test ./api/ -run '^$' -bench Intake -benchmem
func BenchmarkIntake(b *testing.B) {
	f := buildFixture(b, true)
	ctx := context.Background()
	b.Run("decode-validate", func(b *testing.B) {
		body := benchTicketBody(b, "portal")
		for b.Loop() {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodPost, "/api/v1/tickets", bytes.NewReader(body))
			c.Request.Header.Set("Content-Type", "application/json")
			var in tickets.Form
			if err := decodeJSON(c, &in, false); err != nil {
				b.Fatal(err)
			}
			if _, err := f.api.tickets.Check(ctx, in, tickets.Filer{Actor: tickets.BeneficiaryActor}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("post-tickets", func(b *testing.B) {
		body := benchTicketBody(b, "call_center")
		h := f.api.Handler()
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/tickets", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+testTokens["agent"])
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusCreated {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}
