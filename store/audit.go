package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AuditEntry is one row of the append-only audit log. Each row carries the
// hash of the row before it (PrevHash; GenesisHash for the first) and its own
// Hash over a canonical encoding of PrevHash and its fields (AuditHash), so
// editing, deleting or inserting a row breaks the chain there.
type AuditEntry struct {
	ID        int64     `gorm:"primaryKey;autoIncrement" json:"id"`
	At        time.Time `gorm:"not null" json:"at"`
	ActorID   string    `gorm:"size:100" json:"actor_id"`
	ActorRole string    `gorm:"size:32" json:"actor_role"`
	Action    string    `gorm:"size:64;not null" json:"action"`                // "policy.created", "entities.imported", "history.read"...
	Subject   string    `gorm:"size:200" json:"subject"`                       // what was acted on: "policy/3", "ticket/2026-000001"
	Detail    string    `gorm:"type:text" json:"detail"`                       // JSON object, or ""
	PrevHash  string    `gorm:"size:64;not null;uniqueIndex" json:"prev_hash"` // hex SHA-256
	Hash      string    `gorm:"size:64;not null;uniqueIndex" json:"hash"`
}

func (AuditEntry) TableName() string { return "audit_log" }

// GenesisHash is the PrevHash of the first audit row.
var GenesisHash = strings.Repeat("0", 64)

// auditHashDomain separates these hashes from any other SHA-256 in the system
// and versions the encoding.
const auditHashDomain = "tawasul-audit-v1"

// AuditHash is the hex SHA-256 of e's chained fields: the domain tag, then
// PrevHash, At (UTC, RFC 3339 with nanoseconds, after truncation to the
// microseconds both dialects store), ActorID, ActorRole, Action, Subject and
// Detail, each as an 8-byte big-endian length followed by its bytes. Length
// prefixes make the encoding unambiguous: no two different entries encode to
// the same bytes, whatever separators their fields contain. ID and Hash are
// not covered (ID order is checked by the chain itself).
func AuditHash(e AuditEntry) string {
	h := sha256.New()
	var n [8]byte
	for _, f := range []string{
		auditHashDomain, e.PrevHash, utc(e.At).Format(time.RFC3339Nano),
		e.ActorID, e.ActorRole, e.Action, e.Subject, e.Detail,
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
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

// VerifyAudit walks the audit log in id order, recomputing each row's hash and
// checking that its prev_hash is the previous row's hash (GenesisHash for the
// first). It stops at the first broken row and returns its id as firstBroken
// (0 when the chain is intact) and checked, the number of rows examined
// (including the broken one). A deleted row is named through its successor,
// whose prev_hash no longer matches; rows removed from the end of the log
// leave a shorter, intact chain, which only a count or last hash kept
// elsewhere can reveal.
func (s *Store) VerifyAudit(ctx context.Context) (checked int, firstBroken int64, err error) {
	prev := GenesisHash
	var after int64
	for {
		rows, err := s.ListAudit(ctx, after, auditPage)
		if err != nil {
			return checked, 0, fmt.Errorf("store: verify audit: %w", err)
		}
		for _, r := range rows {
			checked++
			if r.PrevHash != prev || AuditHash(r) != r.Hash {
				return checked, r.ID, nil
			}
			prev = r.Hash
			after = r.ID
		}
		if len(rows) < auditPage {
			return checked, 0, nil
		}
	}
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
func (s *Store) appendAuditTx(tx *gorm.DB, e AuditEntry) (AuditEntry, error) {
	if err := s.xactLock(tx, lockAudit); err != nil {
		return AuditEntry{}, err
	}
	var last []string
	if err := tx.Raw(`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&last).Error; err != nil {
		return AuditEntry{}, err
	}
	row := e
	row.ID = 0
	row.PrevHash = GenesisHash
	if len(last) > 0 {
		row.PrevHash = last[0]
	}
	row.Hash = AuditHash(row)
	if err := tx.Create(&row).Error; err != nil {
		return AuditEntry{}, fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return row, nil
}
