package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/isolate"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
)

// Uploads: a multipart form read part by part, the file checked and stored
// before its row is written, and dropped again if the row cannot be.

// uploadStaff: staff attach a document to a ticket they may see.
func (a *API) uploadStaff(c *gin.Context) error {
	t, actor, err := a.visibleTicket(c)
	if err == nil {
		err = a.tickets.Authorize(c.Request.Context(), tickets.SubjectOf(actor), authz.Attach, t)
	}
	if err != nil {
		return err
	}
	return a.upload(c, t, uploader{subject: tickets.SubjectOf(actor), id: actor.ID, role: actor.Role})
}

// uploadBeneficiary: the beneficiary attaches their own evidence, with the
// ticket's tracking code (right after filing on the portal) or signed in.
// An anonymous filing takes none until its mobile is proven (authz.Attach):
// once proven, the ticket is in that mobile's account, and so would be
// whatever its filer had uploaded.
func (a *API) uploadBeneficiary(c *gin.Context) error {
	t, s, err := a.beneficiaryCaller(c)
	if err != nil {
		return err
	}
	err = a.tickets.Authorize(c.Request.Context(), s, authz.Attach, t)
	if refusal.Is(err, refusal.CodeForbidden) && t.MobileProvenAt == nil {
		// Say what would allow it: signing in to the mobile and verifying.
		return problem(http.StatusForbidden, codeMobileUnproven)
	}
	if err != nil {
		return err
	}
	return a.upload(c, t, uploader{subject: s, id: tickets.BeneficiaryActor.ID, role: domain.RoleBeneficiary})
}

// uploadForm is the form read so far.
type uploadForm struct {
	purpose, public string
	seen            map[string]bool
	errs            []fieldErr
	file            *storedFile
}

// storedFile is a file already in the attachment store.
type storedFile struct {
	key, name, sha256 string
	typ               attachments.Type
	size              int64
}

func (a *API) upload(c *gin.Context, t store.Ticket, up uploader) error {
	ctx := c.Request.Context()
	if a.files.store == nil {
		return problem(http.StatusServiceUnavailable, codeAttachmentsOff)
	}
	if t.Status.Final() {
		return problem(http.StatusConflict, codeTicketClosed)
	}
	// Refuse a full ticket before reading megabytes; AddAttachment counts
	// again under a lock.
	n, err := a.store.CountAttachments(ctx, t.Number, up.beneficiary())
	if err != nil {
		return err
	}
	if n >= a.files.perTicket {
		return a.limitProblem()
	}
	mr, err := a.multipartOf(c)
	if err != nil {
		return err
	}
	form, err := a.readForm(c, mr, up)
	if form.file != nil {
		// Whatever goes wrong from here, the file must not outlive its request.
		defer func() {
			if form.file != nil {
				a.dropBlob(ctx, form.file.key)
			}
		}()
	}
	if err != nil {
		return err
	}
	purpose, public, err := a.checkForm(&form, up)
	if err != nil {
		return err
	}
	if public && !up.beneficiary() {
		if err := a.tickets.Authorize(ctx, up.subject, authz.AttachPublic, t); err != nil {
			return err
		}
	}
	row, err := a.store.AddAttachment(ctx, store.Attachment{
		ID: attachments.NewKey(), TicketNumber: t.Number, Purpose: purpose, Public: public,
		UploadedByID: up.id, UploadedByRole: up.role, Name: form.file.name,
		ContentType: form.file.typ.ContentType, Size: form.file.size, SHA256: form.file.sha256,
		StorageKey: form.file.key, CreatedAt: a.now(),
	}, a.files.perTicket)
	switch {
	case errors.Is(err, store.ErrAttachmentLimit):
		return a.limitProblem()
	case err != nil:
		return err
	}
	form.file = nil // recorded: keep it
	a.log.InfoContext(ctx, "attachment stored", "number", t.Number, "attachment", row.ID, "purpose", row.Purpose,
		"content_type", row.ContentType, "size", row.Size, "actor", up.id, "request_id", c.GetString(requestIDKey))
	if up.beneficiary() {
		// The document's address only when its uploader may read it back (a
		// tracking code alone does not reach personal documents).
		if d, err := a.tickets.Decide(ctx, up.subject, authz.AttachmentRead(row.Purpose, row.Public), t); err == nil && d == authz.Allowed {
			c.Header("Location", "/api/v1/beneficiary/tickets/"+t.Number+"/attachments/"+row.ID)
		}
		return writeJSON(c, http.StatusCreated, publicAttachment(row))
	}
	c.Header("Location", "/api/v1/tickets/"+t.Number+"/attachments/"+row.ID)
	return writeJSON(c, http.StatusCreated, staffAttachment(row))
}

func (a *API) limitProblem() *apiError {
	e := problem(http.StatusConflict, codeAttachmentLimit)
	n := strconv.Itoa(a.files.perTicket)
	e.detail = &text{AR: "بلغ الطلب الحد الأقصى للمرفقات (" + isolate.LTR(n) + " من كل طرف).",
		EN: "The ticket already has the most attachments allowed (" + n + " from each side)."}
	return e
}

// multipartOf opens the request body as a multipart form, bounded as a
// whole (the file limit plus multipartSlack; the file alone is bounded as
// it streams), and gives the transfer more time than the server's default
// deadline.
func (a *API) multipartOf(c *gin.Context) (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		e := problem(http.StatusUnsupportedMediaType, codeUnsupportedMedia)
		e.detail = &textMultipartOnly
		return nil, e
	}
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetReadDeadline(time.Now().Add(transferTimeout)) // not every writer has one (tests)
	body := http.MaxBytesReader(c.Writer, c.Request.Body, a.files.maxFile+multipartSlack)
	return multipart.NewReader(body, params["boundary"]), nil
}

// readForm reads every part; the file goes to the attachment store as it
// streams. The error is an *apiError for the client's mistakes, anything
// else a failure of ours.
func (a *API) readForm(c *gin.Context, mr *multipart.Reader, up uploader) (uploadForm, error) {
	form := uploadForm{seen: map[string]bool{}}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return form, a.bodyProblem(err)
		}
		name := p.FormName()
		if form.seen[name] && name != "" {
			form.errs = append(form.errs, fieldErr{field: name, code: fieldDuplicate})
			continue
		}
		form.seen[name] = true
		switch {
		case name == "file":
			f, fe, err := a.storeFile(c, p)
			if err != nil {
				return form, err
			}
			if fe != nil {
				form.errs = append(form.errs, *fe)
				// The rest of a refused file is not worth reading.
				return form, nil
			}
			form.file = f
		case name == "purpose", name == "public" && !up.beneficiary():
			v, fe, err := a.readField(p, name)
			if err != nil {
				return form, err
			}
			if fe != nil {
				form.errs = append(form.errs, *fe)
			}
			if name == "purpose" {
				form.purpose = v
			} else {
				form.public = v
			}
		default:
			form.errs = append(form.errs, fieldErr{field: name, code: fieldUnknown})
		}
	}
}

// checkForm validates the fields once the form is read: the purpose and
// whether the document is shared, or every field error of the form.
func (a *API) checkForm(form *uploadForm, up uploader) (domain.AttachmentPurpose, bool, error) {
	if form.file == nil && !form.seen["file"] {
		form.errs = append(form.errs, fieldErr{field: "file", code: fieldRequired})
	}
	allowed := staffPurposes
	if up.beneficiary() {
		allowed = beneficiaryPurposes
	}
	purpose := domain.AttachmentPurpose(strings.TrimSpace(form.purpose))
	switch {
	case !form.seen["purpose"]:
		form.errs = append(form.errs, fieldErr{field: "purpose", code: fieldRequired})
	case !slices.Contains(allowed, purpose):
		form.errs = append(form.errs, fieldErr{field: "purpose", code: fieldNotInList})
	}
	public := up.beneficiary() // their own documents, always theirs to see
	if form.seen["public"] && !up.beneficiary() {
		v, err := strconv.ParseBool(strings.TrimSpace(form.public))
		switch {
		case err != nil:
			form.errs = append(form.errs, fieldErr{field: "public", code: fieldInvalidValue})
		case v && purpose == domain.AttachNote:
			form.errs = append(form.errs, fieldErr{field: "public", code: fieldInvalidValue, text: &textNoteNotPublic})
		}
		public = v
	}
	if len(form.errs) > 0 {
		return "", false, invalid(form.errs...)
	}
	return purpose, public, nil
}

// readField reads one small text field.
func (a *API) readField(p *multipart.Part, name string) (string, *fieldErr, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
	if err != nil {
		return "", nil, a.bodyProblem(err)
	}
	switch {
	case len(b) > maxFieldBytes:
		return "", &fieldErr{field: name, code: fieldTooLong}, nil
	case !utf8.Valid(b):
		return "", &fieldErr{field: name, code: fieldInvalidValue}, nil
	}
	return string(b), nil, nil
}

// errFileTooLarge stops a file past the limit while it streams.
var errFileTooLarge = errors.New("file too large")

// cappedReader counts what it passes and fails once past max; it remembers
// a read error of the request body, to tell it from a storage failure.
type cappedReader struct {
	r       io.Reader
	n, max  int64
	bodyErr error
}

func (c *cappedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, errFileTooLarge
	}
	if err != nil && !errors.Is(err, io.EOF) {
		c.bodyErr = err
	}
	return n, err
}

// storeFile checks the file's type from its first bytes and streams it into
// the attachment store, hashing and counting on the way. A refused type
// is a field error and nothing is stored.
func (a *API) storeFile(c *gin.Context, p *multipart.Part) (*storedFile, *fieldErr, error) {
	capped := &cappedReader{r: p, max: a.files.maxFile}
	head := make([]byte, attachments.SniffLen)
	n, err := io.ReadFull(capped, head)
	switch {
	case errors.Is(err, io.EOF):
		return nil, &fieldErr{field: "file", code: fieldEmptyFile}, nil
	case errors.Is(err, errFileTooLarge):
		return nil, nil, a.tooLarge()
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, nil, a.bodyProblem(err)
	}
	head = head[:n]
	typ, ok := attachments.Sniff(head)
	if !ok {
		return nil, &fieldErr{field: "file", code: fieldUnsupportedType}, nil
	}
	key := attachments.NewKey()
	sum := sha256.New()
	body := io.TeeReader(io.MultiReader(bytes.NewReader(head), capped), sum)
	if err := a.files.store.Put(c.Request.Context(), key, body); err != nil {
		switch {
		case errors.Is(err, errFileTooLarge):
			return nil, nil, a.tooLarge()
		case capped.bodyErr != nil:
			return nil, nil, a.bodyProblem(capped.bodyErr)
		case c.Request.Context().Err() != nil:
			return nil, nil, a.bodyProblem(c.Request.Context().Err())
		}
		return nil, nil, fmt.Errorf("store attachment: %w", err)
	}
	return &storedFile{key: key, name: attachments.SafeName(p.FileName(), typ), typ: typ,
		sha256: hex.EncodeToString(sum.Sum(nil)), size: capped.n}, nil, nil
}

func (a *API) tooLarge() *apiError {
	e := problem(http.StatusRequestEntityTooLarge, codeFileTooLarge)
	mib := strconv.FormatFloat(float64(a.files.maxFile)/(1<<20), 'f', -1, 64)
	e.detail = &text{AR: "حجم الملف أكبر من المسموح (" + isolate.LTR(mib) + " ميغابايت).",
		EN: "The file is larger than allowed (" + mib + " MiB)."}
	return e
}

// bodyProblem answers a failure to read the request body: past the whole
// form's bound is too large, anything else a broken form.
func (a *API) bodyProblem(err error) *apiError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, errFileTooLarge) {
		return a.tooLarge()
	}
	return problem(http.StatusBadRequest, codeMalformedForm)
}

// dropBlob removes a stored file whose row will not be written; it runs
// even when the client has gone, and a failure is left to the sweep.
func (a *API) dropBlob(ctx context.Context, key string) {
	if err := a.files.store.Delete(context.WithoutCancel(ctx), key); err != nil {
		a.log.WarnContext(ctx, "attachment left for the sweep", "key", key, "error", err)
	}
}
