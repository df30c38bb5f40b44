package web

import (
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/tickets"
)

// download sends a document of a ticket the reader may see, if the policy
// lets them read it (tickets.Document, the API's rule), with the API's
// download headers: saved, never shown as a page of ours.
func (w *Web) download(c *gin.Context) error {
	ctx := c.Request.Context()
	actor, _ := actorOf(c)
	t, err := w.tickets.Visible(ctx, actor, c.Param("number"))
	if err != nil {
		return err
	}
	at, err := w.tickets.Document(ctx, tickets.SubjectOf(actor), t, c.Param("id"))
	if err != nil {
		return err
	}
	if w.files == nil {
		return refusal.New(refusal.Busy, "attachments_unavailable")
	}
	r, err := w.files.Open(ctx, at.StorageKey)
	if err != nil {
		// Rows are written after their files: a missing file is lost data.
		return fmt.Errorf("open attachment %s of %s: %w", at.ID, t.Number, err)
	}
	defer r.Close()
	attachments.DownloadHeaders(c.Writer.Header(), at.Name, at.ContentType, at.Size)
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, r); err != nil {
		w.log.WarnContext(ctx, "attachment download cut short", "number", t.Number, "attachment", at.ID, "error", err)
	}
	return nil
}
