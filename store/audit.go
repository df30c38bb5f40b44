package store

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AuditEntry is one row of the append-only audit log. Each row carries the
// hash of the row before it (PrevHash; GenesisHash for the first) and its own
// Hash over a canonical encoding of PrevHash and its fields, so editing,
// deleting or inserting a row breaks the chain there. Chain says how Hash was
// made: AuditKeyed rows are an HMAC under secrets.audit, which is kept out of
// the database, so whoever can write the database still cannot re-chain it;
// AuditUnkeyed rows (before the key existed, or written without one, as in
// dev) are a plain SHA-256 that anyone can recompute.
type AuditEntry struct {
	ID        int64     `gorm:"primaryKey" json:"id"` // set under the audit lock: the last id + 1
	At        time.Time `gorm:"not null" json:"at"`
	ActorID   string    `gorm:"size:100" json:"actor_id"`
	ActorRole string    `gorm:"size:32" json:"actor_role"`
	Action    string    `gorm:"size:64;not null" json:"action"`                // "policy.created", "entities.imported", "history.read"...
	Subject   string    `gorm:"size:200" json:"subject"`                       // what was acted on: "policy/3", "ticket/2026-000001"
	Detail    string    `gorm:"type:text" json:"detail"`                       // JSON object, or ""
	PrevHash  string    `gorm:"size:64;not null;uniqueIndex" json:"prev_hash"` // hex SHA-256 or HMAC-SHA256
	Hash      string    `gorm:"size:64;not null;uniqueIndex" json:"hash"`
	Chain     int       `gorm:"not null" json:"chain"` // AuditUnkeyed or AuditKeyed
}

func (AuditEntry) TableName() string { return "audit_log" }

// How an audit row's hash was made (AuditEntry.Chain).
const (
	// AuditUnkeyed: plain SHA-256 (AuditHash), id not covered.
	AuditUnkeyed = 1
	// AuditKeyed: HMAC-SHA256 under secrets.audit, id covered.
	AuditKeyed = 2
)

// GenesisHash is the PrevHash of the first audit row.
var GenesisHash = strings.Repeat("0", 64)

// The domain tags separate these hashes from any other SHA-256 or HMAC in the
// system and version the encoding.
const (
	auditHashDomain  = "tawasul-audit-v1"
	auditKeyedDomain = "tawasul-audit-v2-hmac"
)

// ErrAuditKeyRequired: the audit log holds keyed rows and this process has no
// secrets.audit, so it can neither verify them nor chain onto them (an
// unkeyed row after keyed ones would read as a downgrade).
var ErrAuditKeyRequired = errors.New("the audit log is keyed: secrets.audit is required")

// AuditHash is the hex SHA-256 of an unkeyed row's chained fields: the domain
// tag, then PrevHash, At (UTC, RFC 3339 with nanoseconds, after truncation to
// the microseconds both dialects store), ActorID, ActorRole, Action, Subject
// and Detail, each as an 8-byte big-endian length followed by its bytes.
// Length prefixes make the encoding unambiguous: no two different entries
// encode to the same bytes, whatever separators their fields contain. ID and
// Hash are not covered (the chain and the id check order them).
func AuditHash(e AuditEntry) string {
	return auditDigest(sha256.New(), auditHashDomain, e)
}

// auditKeyedHash is a keyed row's hash: HMAC-SHA256 under key over the same
// encoding as AuditHash with the keyed domain tag and the row's id first, so
// a row cannot be renumbered to close the gap a deletion leaves.
func auditKeyedHash(key []byte, e AuditEntry) string {
	return auditDigest(hmac.New(sha256.New, key), auditKeyedDomain+"\x00"+strconv.FormatInt(e.ID, 10), e)
}

func auditDigest(h hash.Hash, domain string, e AuditEntry) string {
	var n [8]byte
	for _, f := range []string{
		domain, e.PrevHash, utc(e.At).Format(time.RFC3339Nano),
		e.ActorID, e.ActorRole, e.Action, e.Subject, e.Detail,
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SetAuditKey sets the key (secrets.audit) that audit rows are chained and
// verified under; empty leaves the store writing unkeyed rows. Call it before
// the store is used: it is not synchronized.
func (s *Store) SetAuditKey(key []byte) {
	s.auditKey = nil
	if len(key) > 0 {
		s.auditKey = append([]byte(nil), key...)
	}
}

// auditHashOf is the hash r should carry by its chain version;
// ErrAuditKeyRequired for a keyed row when the store has no key.
func (s *Store) auditHashOf(r AuditEntry) (h string, err error) {
	switch r.Chain {
	case AuditUnkeyed:
		return AuditHash(r), nil
	case AuditKeyed:
		if s.auditKey == nil {
			return "", ErrAuditKeyRequired
		}
		return auditKeyedHash(s.auditKey, r), nil
	}
	return "", fmt.Errorf("audit entry %d: unknown chain version %d", r.ID, r.Chain)
}

// AppendAudit appends e to the audit log and returns the stored row (ID, At,
// PrevHash and Hash set). At defaults to now; Action is required and Detail,
// when set, must be JSON.
//
// One transaction reads the last row's hash, computes the new hash and
// inserts. Appends are serialized — an advisory lock on PostgreSQL, BEGIN
// IMMEDIATE on SQLite's single writer — so two of them never chain to the same
// row; should a writer that skips the lock try, the unique prev_hash index
// refuses the fork and one retry chains onto the row that won.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if e.Action == "" {
		return AuditEntry{}, errors.New("store: append audit: action is required")
	}
	if e.Detail != "" && !json.Valid([]byte(e.Detail)) {
		return AuditEntry{}, errors.New("store: append audit: detail is not JSON")
	}
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = utc(e.At)
	const attempts = 3
	for i := 1; ; i++ {
		row := e
		row.ID = 0
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			stored, err := s.appendAuditTx(tx, row)
			row = stored
			return err
		})
		if err == nil {
			return row, nil
		}
		if !isUniqueViolation(err) || i == attempts {
			return AuditEntry{}, fmt.Errorf("store: append audit %s: %w", e.Action, err)
		}
	}
}

// ListAudit returns up to limit (1..1000) audit entries with ids above
// afterID, in id order.
func (s *Store) ListAudit(ctx context.Context, afterID int64, limit int) ([]AuditEntry, error) {
	if limit < 1 || limit > 1000 {
		return nil, fmt.Errorf("store: list audit: limit %d out of 1..1000", limit)
	}
	rows := []AuditEntry{}
	if err := s.rdb.WithContext(ctx).Where("id > ?", afterID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	for i := range rows {
		rows[i].At = utc(rows[i].At)
	}
	return rows, nil
}

// auditPage is how many rows VerifyAudit reads at a time.
const auditPage = 500

// AuditAnchor is a point of the chain kept outside the database: an entry's
// id and hash. Its text form, one a line, is "<id> <hash>".
type AuditAnchor struct {
	ID   int64
	Hash string
}

func (a AuditAnchor) String() string { return fmt.Sprintf("%d %s", a.ID, a.Hash) }

// ParseAuditAnchors reads anchors, one "<id> <hash>" a line (anything after
// the hash is ignored, so a line may carry a date); blank lines and lines
// starting with # are skipped.
func ParseAuditAnchors(r io.Reader) ([]AuditAnchor, error) {
	var out []AuditAnchor
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		id, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || id < 1 || len(f) < 2 || len(f[1]) != 64 {
			return nil, fmt.Errorf("audit anchor line %d: want \"<id> <64 hex digits>\"", n)
		}
		if _, err := hex.DecodeString(f[1]); err != nil {
			return nil, fmt.Errorf("audit anchor line %d: the hash is not hex", n)
		}
		out = append(out, AuditAnchor{ID: id, Hash: strings.ToLower(f[1])}) // as stored
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading audit anchors: %w", err)
	}
	return out, nil
}

// AuditHead is the last entry of the log as it stands (zero when empty),
// unverified: what is written out periodically as an anchor.
func (s *Store) AuditHead(ctx context.Context) (AuditAnchor, error) {
	var rows []AuditAnchor
	if err := s.rdb.WithContext(ctx).Raw(`SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&rows).Error; err != nil {
		return AuditAnchor{}, fmt.Errorf("store: audit head: %w", err)
	}
	if len(rows) == 0 {
		return AuditAnchor{}, nil
	}
	return rows[0], nil
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	// Checked is how many rows were examined, the broken one included.
	Checked int
	// Head is the last entry found intact (zero for an empty log).
	Head AuditAnchor
	// Broken is the first entry that does not verify (0: intact), Problem
	// says why.
	Broken  int64
	Problem string
	// Unkeyed counts the intact rows made without the key (AuditUnkeyed),
	// FirstUnkeyed and LastUnkeyed their ids: anyone who can write the
	// database could have rewritten those.
	Unkeyed                   int
	FirstUnkeyed, LastUnkeyed int64
}

// VerifyAudit walks the audit log in id order and stops at the first entry
// that breaks it:
//   - ids run 1, 2, 3… with no gap (appends number rows under the audit lock,
//     so a rolled-back write leaves none): a deleted row is a gap;
//   - each prev_hash is the previous row's hash (GenesisHash for the first);
//   - each hash is recomputed: keyed rows need the key (ErrAuditKeyRequired
//     without it), unkeyed rows are plain SHA-256 and may only come before
//     the first keyed row (one after it is a downgrade);
//   - an entry named by an anchor has the anchored hash, and every anchored
//     entry is still there (rows cut from the end are found only this way).
func (s *Store) VerifyAudit(ctx context.Context, anchors []AuditAnchor) (AuditReport, error) {
	var rep AuditReport
	want := make(map[int64]string, len(anchors))
	var lastAnchor int64
	for _, a := range anchors {
		want[a.ID] = a.Hash
		lastAnchor = max(lastAnchor, a.ID)
	}
	prev := AuditAnchor{Hash: GenesisHash}
	keyed := false
	for {
		rows, err := s.ListAudit(ctx, prev.ID, auditPage)
		if err != nil {
			return rep, fmt.Errorf("store: verify audit: %w", err)
		}
		for _, r := range rows {
			rep.Checked++
			problem, err := s.auditProblem(r, prev, keyed, want)
			if err != nil {
				return rep, fmt.Errorf("store: verify audit entry %d: %w", r.ID, err)
			}
			if problem != "" {
				rep.Broken, rep.Problem = r.ID, problem
				return rep, nil
			}
			if r.Chain == AuditUnkeyed {
				if rep.Unkeyed == 0 {
					rep.FirstUnkeyed = r.ID
				}
				rep.Unkeyed++
				rep.LastUnkeyed = r.ID
			}
			keyed = keyed || r.Chain == AuditKeyed
			prev = AuditAnchor{ID: r.ID, Hash: r.Hash}
			rep.Head = prev
		}
		if len(rows) < auditPage {
			break
		}
	}
	if lastAnchor > prev.ID {
		rep.Broken = prev.ID + 1
		rep.Problem = fmt.Sprintf("the log ends at entry %d but entry %d is anchored: entries were removed from the end", prev.ID, lastAnchor)
	}
	return rep, nil
}

// auditProblem says what is wrong with r, which follows prev ("" if nothing).
func (s *Store) auditProblem(r AuditEntry, prev AuditAnchor, afterKeyed bool, anchors map[int64]string) (string, error) {
	if r.ID != prev.ID+1 {
		return fmt.Sprintf("entries %d to %d are missing", prev.ID+1, r.ID-1), nil
	}
	if r.PrevHash != prev.Hash {
		return fmt.Sprintf("it does not chain onto entry %d", prev.ID), nil
	}
	if r.Chain == AuditUnkeyed && afterKeyed {
		return "it is unkeyed but follows keyed entries", nil
	}
	h, err := s.auditHashOf(r)
	if err != nil {
		return "", err
	}
	if !hmac.Equal([]byte(h), []byte(r.Hash)) {
		return "its hash does not match its content (or secrets.audit is not the key it was written with)", nil
	}
	if a, ok := anchors[r.ID]; ok && a != r.Hash {
		return "its hash differs from the anchor", nil
	}
	return "", nil
}

// PendingAudit is an audit entry that travels with a write: the store appends
// it inside the write's own transaction, so the change and its record commit
// or roll back together.
type PendingAudit struct {
	entry    AuditEntry
	appended bool
	stored   AuditEntry
}

// Appended reports whether a write committed the entry with it.
func (p *PendingAudit) Appended() bool { return p.appended }

// Stored is the entry as appended (ID, hashes), valid once Appended.
func (p *PendingAudit) Stored() AuditEntry { return p.stored }

type pendingAuditKey struct{}

// WithAudit returns a context under which the next audited store write
// (account, session, token, entity, policy changes) appends e in its own
// transaction. The caller checks Appended afterwards: a write path that does
// not take part leaves it false, and the caller appends it alone.
func WithAudit(ctx context.Context, e AuditEntry) (context.Context, *PendingAudit, error) {
	if e.Action == "" {
		return ctx, nil, errors.New("store: audit: action is required")
	}
	if e.Detail != "" && !json.Valid([]byte(e.Detail)) {
		return ctx, nil, errors.New("store: audit: detail is not JSON")
	}
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = utc(e.At)
	p := &PendingAudit{entry: e}
	return context.WithValue(ctx, pendingAuditKey{}, p), p, nil
}

// setAuditSubject names what a write acted on when it is known only inside
// the write (a policy's version number); no-op without a pending entry.
func setAuditSubject(ctx context.Context, subject string) {
	if p, _ := ctx.Value(pendingAuditKey{}).(*PendingAudit); p != nil && !p.appended {
		p.entry.Subject = subject
	}
}

// addAuditDetail sets fields in the detail object of the pending entry, from
// inside the write: a change's before and after are read in the write's own
// transaction, so they are the values it replaced, not what a read before
// it saw. No-op without a pending entry.
func addAuditDetail(ctx context.Context, fields map[string]any) error {
	p, _ := ctx.Value(pendingAuditKey{}).(*PendingAudit)
	if p == nil || p.appended {
		return nil
	}
	detail := map[string]json.RawMessage{}
	if p.entry.Detail != "" {
		if err := json.Unmarshal([]byte(p.entry.Detail), &detail); err != nil {
			return fmt.Errorf("audit %s: detail is not a JSON object: %w", p.entry.Action, err)
		}
	}
	for k, v := range fields {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("audit %s: encode %s: %w", p.entry.Action, k, err)
		}
		detail[k] = b
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: encode detail: %w", p.entry.Action, err)
	}
	p.entry.Detail = string(b)
	return nil
}

// writeTx runs fn in a transaction and, when ctx carries a PendingAudit not
// yet appended, appends it in the same transaction after fn. The audit lock
// is taken last, after fn's own writes, so two audited writes cannot wait on
// each other in a cycle.
func (s *Store) writeTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	p, _ := ctx.Value(pendingAuditKey{}).(*PendingAudit)
	if p != nil && p.appended {
		p = nil
	}
	var stored AuditEntry
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(tx); err != nil {
			return err
		}
		if p == nil {
			return nil
		}
		row, err := s.appendAuditTx(tx, p.entry)
		stored = row
		return err
	})
	if err == nil && p != nil {
		p.appended, p.stored = true, stored
	}
	return err
}

// appendAuditTx chains e onto the last row inside tx, under the audit lock.
// The row's id is the last one's plus one, assigned here rather than by a
// sequence, so ids stay contiguous (a sequence skips the values of rolled-back
// inserts) and a gap means a deleted row.
func (s *Store) appendAuditTx(tx *gorm.DB, e AuditEntry) (AuditEntry, error) {
	if err := s.xactLock(tx, lockAudit); err != nil {
		return AuditEntry{}, err
	}
	var last []struct {
		ID    int64
		Hash  string
		Chain int
	}
	if err := tx.Raw(`SELECT id, hash, chain FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&last).Error; err != nil {
		return AuditEntry{}, err
	}
	row := e
	row.ID, row.PrevHash, row.Chain = 1, GenesisHash, AuditUnkeyed
	if len(last) > 0 {
		row.ID, row.PrevHash = last[0].ID+1, last[0].Hash
		if last[0].Chain == AuditKeyed && s.auditKey == nil {
			return AuditEntry{}, fmt.Errorf("append audit %s: %w", e.Action, ErrAuditKeyRequired)
		}
	}
	if s.auditKey != nil {
		row.Chain = AuditKeyed
	}
	h, err := s.auditHashOf(row)
	if err != nil {
		return AuditEntry{}, err
	}
	row.Hash = h
	if err := tx.Create(&row).Error; err != nil {
		return AuditEntry{}, fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return row, nil
}
