package api

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
)

// Documents attached to tickets. A file is uploaded as multipart/form-data
// (a part "file", a part "purpose", for staff a part "public"), its type told
// by its content, its size bounded while it streams; its bytes go to the
// attachment store first and its row to the read model only once they are
// stored, so no row ever lacks its file (a failure removes the file; the
// sweep removes what a crash leaves). Reads ask authz per document: staff
// notes stay among staff, the beneficiary's own papers reach staff handling
// the case and the beneficiary signed in with their mobile, documents shared
// with an answer reach whoever reads the ticket. A document one may not read
// answers like a missing one.

const (
	// multipartSlack is what a form may carry beside its file: part headers,
	// the boundary lines, the purpose and public fields.
	multipartSlack = 64 << 10
	// maxFieldBytes bounds a text field of the form.
	maxFieldBytes = 64
	// transferTimeout replaces the server's read or write deadline for one
	// file: 10 MiB over a slow mobile link takes minutes, not seconds.
	transferTimeout = 5 * time.Minute
)

// Which purposes each side uploads for.
var (
	staffPurposes       = []domain.AttachmentPurpose{domain.AttachFiling, domain.AttachResponse, domain.AttachNote}
	beneficiaryPurposes = []domain.AttachmentPurpose{domain.AttachFiling, domain.AttachObjection, domain.AttachInfo}
)

// attachmentJSON is a document as staff see it.
type attachmentJSON struct {
	ID          string                   `json:"id"`
	Purpose     domain.AttachmentPurpose `json:"purpose"`
	Public      bool                     `json:"public"`
	Name        string                   `json:"name"`
	ContentType string                   `json:"content_type"`
	Size        int64                    `json:"size"`
	SHA256      string                   `json:"sha256"`
	UploadedBy  actorJSON                `json:"uploaded_by"`
	CreatedAt   time.Time                `json:"created_at"`
}

// publicAttachmentJSON is a document as the beneficiary sees it: no staff
// identities, only which side it came from.
type publicAttachmentJSON struct {
	ID          string                   `json:"id"`
	Purpose     domain.AttachmentPurpose `json:"purpose"`
	From        string                   `json:"from"` // "beneficiary" or "staff"
	Name        string                   `json:"name"`
	ContentType string                   `json:"content_type"`
	Size        int64                    `json:"size"`
	CreatedAt   time.Time                `json:"created_at"`
}

func staffAttachment(at store.Attachment) attachmentJSON {
	return attachmentJSON{ID: at.ID, Purpose: at.Purpose, Public: at.Public, Name: at.Name,
		ContentType: at.ContentType, Size: at.Size, SHA256: at.SHA256,
		UploadedBy: actorJSON{ID: at.UploadedByID, Role: at.UploadedByRole}, CreatedAt: at.CreatedAt.UTC()}
}

func publicAttachment(at store.Attachment) publicAttachmentJSON {
	from := "staff"
	if at.UploadedByRole == domain.RoleBeneficiary {
		from = "beneficiary"
	}
	return publicAttachmentJSON{ID: at.ID, Purpose: at.Purpose, From: from, Name: at.Name,
		ContentType: at.ContentType, Size: at.Size, CreatedAt: at.CreatedAt.UTC()}
}

func staffAttachments(as []store.Attachment) []attachmentJSON {
	out := make([]attachmentJSON, 0, len(as))
	for _, at := range as {
		out = append(out, staffAttachment(at))
	}
	return out
}

func publicAttachments(as []store.Attachment) []publicAttachmentJSON {
	out := make([]publicAttachmentJSON, 0, len(as))
	for _, at := range as {
		out = append(out, publicAttachment(at))
	}
	return out
}

// uploader is who attaches, as the row records them.
type uploader struct {
	subject authz.Subject
	id      string
	role    domain.Role
}

func (u uploader) beneficiary() bool { return u.role == domain.RoleBeneficiary }

// downloadStaff: a document of a ticket the staff member may see.
func (a *API) downloadStaff(c *gin.Context) error {
	t, actor, err := a.visibleTicket(c)
	if err != nil {
		return err
	}
	return a.download(c, t, tickets.SubjectOf(actor))
}

// downloadTracked: a document through the ticket's tracking code.
func (a *API) downloadTracked(c *gin.Context) error {
	t, err := a.trackedTicket(c)
	if err != nil {
		return err
	}
	return a.download(c, t, beneficiarySubject(t.BeneficiaryMobile, true))
}

// downloadOwn: a document of one of a signed-in beneficiary's tickets.
func (a *API) downloadOwn(c *gin.Context) error {
	b := beneficiaryFrom(c)
	t, err := a.ownTicket(c, b)
	if err != nil {
		return err
	}
	return a.download(c, t, beneficiarySubject(b.mobile, false))
}

// download sends one document of t if s may read it; any refusal is the
// 404 of a missing document, as in the lists, which never show it.
func (a *API) download(c *gin.Context, t store.Ticket, s authz.Subject) error {
	ctx := c.Request.Context()
	id := c.Param("id")
	at, err := a.tickets.Document(ctx, s, t, id)
	if err != nil {
		return err
	}
	if a.files.store == nil {
		return problem(http.StatusServiceUnavailable, codeAttachmentsOff)
	}
	r, err := a.files.store.Open(ctx, at.StorageKey)
	if err != nil {
		// Rows are written after their files: a missing file is lost data.
		return fmt.Errorf("open attachment %s of %s: %w", at.ID, t.Number, err)
	}
	defer r.Close()
	attachments.DownloadHeaders(c.Writer.Header(), at.Name, at.ContentType, at.Size)
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(transferTimeout))
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, r); err != nil {
		a.log.WarnContext(ctx, "attachment download cut short", "number", t.Number, "attachment", at.ID, "error", err)
	}
	return nil
}
