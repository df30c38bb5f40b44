package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tawasul/tawasul/tickets"
)

// redactedPayload is what an auditor gets for each payload the codec
// endpoint opens: a JSON string the Web UI shows as it is, with no hint of
// the size or shape of what it hides.
var redactedPayload = &commonpb.Payload{
	Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
	Data:     []byte(`"` + tickets.Redacted + `"`),
}

// codecDecode is the codec server of the Temporal Web UI (and of
// `temporal --codec-endpoint`): it opens the sealed payloads it is sent
// ({"payloads": [...]}, protojson), for admins in full and for auditors
// redacted, as the history endpoint shows them. There is no /encode: sealing
// on request would let a caller forge what only Tawasul writes.
func (a *API) codecDecode(c *gin.Context) error {
	actor, _ := staffActor(c)
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if !json.Valid(body) {
		return problem(http.StatusBadRequest, codeMalformedJSON)
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		return invalid(fieldErr{field: "payloads", code: fieldInvalidValue})
	}
	out, failed := a.codec.DecodeEach(in.GetPayloads())
	if failed > 0 {
		a.log.Warn("codec endpoint sent payloads Tawasul did not seal", "payloads", failed)
	}
	if tickets.RedactsHistory(actor.Role) {
		for i := range out {
			out[i] = redactedPayload
		}
		// Recorded before anything is shown, as a history read is.
		// The subject is fixed: X-Namespace is the caller's to write and
		// the namespace is the configured one anyway.
		if err := a.audit(c, auditPayloadsDecoded, "temporal", gin.H{"payloads": len(out)}); err != nil {
			return err
		}
	}
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		return fmt.Errorf("encode the opened payloads: %w", err)
	}
	c.Data(http.StatusOK, "application/json", b)
	return nil
}

// codecCORS lets the configured Web UI origins call the codec endpoint from
// a browser, with the bearer token its user signed in with: a preflight is
// answered here (204), and every answer, refusals included, names the origin
// so the UI can show why it could not decode. Other origins get no CORS
// headers, so browsers keep their pages out.
func (a *API) codecCORS(c *gin.Context) {
	origin := c.GetHeader("Origin")
	allowed := origin != "" && slices.Contains(a.codecOrigins, origin)
	h := c.Writer.Header()
	if allowed {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Add("Vary", "Origin")
	}
	if c.Request.Method == http.MethodOptions {
		if allowed {
			h.Set("Access-Control-Allow-Methods", "POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
			h.Set("Access-Control-Max-Age", "600")
		}
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	c.Next()
}
