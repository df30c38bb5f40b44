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
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// attachmentIDPattern is the shape of an attachment id (attachments.NewKey);
// anything else is a 404 without touching the database.
var attachmentIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

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

// attachmentsFor lists the documents of t that s may download: a list shows
// nothing its reader would be refused.
func (a *API) attachmentsFor(ctx context.Context, s authz.Subject, t store.Ticket) ([]store.Attachment, error) {
	all, err := a.store.Attachments(ctx, t.Number)
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	tree, err := a.entities.Tree(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, at := range all {
		if authz.Decide(s, authz.AttachmentRead(at.Purpose, at.Public), ticketOf(t), tree) == authz.Allowed {
			out = append(out, at)
		}
	}
	return out, nil
}

// uploader is who attaches, as the row records them.
type uploader struct {
	subject authz.Subject
	id      string
	role    domain.Role
}

func (u uploader) beneficiary() bool { return u.role == domain.RoleBeneficiary }

// uploadStaff: staff attach a document to a ticket they may see.
func (a *API) uploadStaff(c *gin.Context) error {
	t, actor, err := a.visibleTicket(c)
	if err == nil {
		err = a.authorize(c.Request.Context(), actor, authz.Attach, t)
	}
	if err != nil {
		return err
	}
	return a.upload(c, t, uploader{subject: subjectOf(actor), id: actor.ID, role: actor.Role})
}

// uploadBeneficiary: the beneficiary attaches their own evidence, with the
// ticket's tracking code (right after filing on the portal) or signed in.
func (a *API) uploadBeneficiary(c *gin.Context) error {
	t, s, err := a.beneficiaryCaller(c)
	if err == nil {
		err = a.authorizeFor(c.Request.Context(), s, authz.Attach, t)
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
		if err := a.authorizeFor(ctx, up.subject, authz.AttachPublic, t); err != nil {
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
		if d, err := a.decideFor(ctx, up.subject, authz.AttachmentRead(row.Purpose, row.Public), t); err == nil && d == authz.Allowed {
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
	e.detail = &text{"بلغ الطلب الحد الأقصى للمرفقات (" + n + " من كل طرف).",
		"The ticket already has the most attachments allowed (" + n + " from each side)."}
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
	e.detail = &text{"حجم الملف أكبر من المسموح (" + mib + " ميغابايت).",
		"The file is larger than allowed (" + mib + " MiB)."}
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

// downloadStaff: a document of a ticket the staff member may see.
func (a *API) downloadStaff(c *gin.Context) error {
	t, actor, err := a.visibleTicket(c)
	if err != nil {
		return err
	}
	return a.download(c, t, subjectOf(actor))
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
	if !attachmentIDPattern.MatchString(id) {
		return problem(http.StatusNotFound, codeNotFound)
	}
	at, err := a.store.GetAttachment(ctx, t.Number, id)
	if errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusNotFound, codeNotFound)
	} else if err != nil {
		return err
	}
	d, err := a.decideFor(ctx, s, authz.AttachmentRead(at.Purpose, at.Public), t)
	if err != nil {
		return err
	}
	if d != authz.Allowed {
		return problem(http.StatusNotFound, codeNotFound)
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
	h := c.Writer.Header()
	h.Set("Content-Type", at.ContentType)
	h.Set("Content-Length", strconv.FormatInt(at.Size, 10))
	h.Set("Content-Disposition", contentDisposition(at.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	// Should a browser render it anyway, it runs nothing and reaches nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(transferTimeout))
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, r); err != nil {
		a.log.WarnContext(ctx, "attachment download cut short", "number", t.Number, "attachment", at.ID, "error", err)
	}
	return nil
}

// contentDisposition makes the browser save the file rather than show it,
// under its kept name: UTF-8 as RFC 6266/8187 filename*, and an ASCII
// fallback for old clients (non-ASCII letters dropped, "attachment" if
// nothing is left).
func contentDisposition(name string) string {
	ext := path.Ext(name)
	var ascii strings.Builder
	for _, r := range strings.TrimSuffix(name, ext) {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' && r != '%' {
			ascii.WriteRune(r)
		}
	}
	base := strings.TrimSpace(ascii.String())
	if base == "" {
		base = "attachment"
	}
	return `attachment; filename="` + base + ext + `"; filename*=UTF-8''` + encodeRFC8187(name)
}

// encodeRFC8187 percent-encodes every byte outside RFC 8187's attr-char.
func encodeRFC8187(s string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
