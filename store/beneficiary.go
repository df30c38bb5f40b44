package store

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Beneficiaries sign in with a one-time code sent to their mobile: a code
// row (hashes only) and its SMS in the outbox are written together, and
// redeeming the code opens a beneficiary session. The store never sees a
// code or keys: the API hashes them, the store enforces the limits.

const (
	// MaxCodeAttempts bounds the guesses one code allows, the right one included.
	MaxCodeAttempts = 5
	// CodeEvery is the least time between two codes for one mobile.
	CodeEvery = time.Minute
	// CodesPerHour bounds the codes one mobile gets in any hour.
	CodesPerHour = 5
	// DefaultCodesPerDay bounds the codes one mobile gets in any 24 hours
	// (beneficiary.codes_per_day). A sign-in takes one code and a session
	// lasts half an hour, so a beneficiary following a few tickets in a day,
	// with an SMS or two lost, stays well under 10; the hourly limit alone
	// would let 120 texts a day reach (and cost, and pester) one number.
	DefaultCodesPerDay = 10
	// codeDay is the sliding window of the daily cap.
	codeDay = 24 * time.Hour
)

// BeneficiaryCodeRequest is one code request that passed the throttle, for
// a mobile with tickets or without (the throttle and the cap count these).
type BeneficiaryCodeRequest struct {
	ID         int64  `gorm:"primaryKey"`
	MobileHash string `gorm:"size:64;not null"`
	CreatedAt  time.Time
}

func (BeneficiaryCodeRequest) TableName() string { return "beneficiary_code_requests" }

// ErrCodeRejected is every refusal of a one-time code alike: no code, a
// wrong, expired, used or superseded one, or too many attempts.
var ErrCodeRejected = errors.New("store: one-time code rejected")

// BeneficiaryCode is one one-time code sent to a mobile.
type BeneficiaryCode struct {
	ID         int64  `gorm:"primaryKey"`
	MobileHash string `gorm:"size:64;not null"` // HMAC of the E.164 mobile
	CodeHash   string `gorm:"size:64;not null"` // HMAC of the mobile and the code
	Attempts   int    `gorm:"not null"`
	ExpiresAt  time.Time
	UsedAt     *time.Time
	RevokedAt  *time.Time // a newer code for the same mobile was issued
	CreatedAt  time.Time
}

func (BeneficiaryCode) TableName() string { return "beneficiary_codes" }

// BeneficiarySession is a beneficiary signed in by a one-time code.
type BeneficiarySession struct {
	ID         int64  `gorm:"primaryKey"`
	TokenHash  string `gorm:"size:64;not null"` // hex SHA-256 of the bearer token
	MobileHash string `gorm:"size:64;not null"`
	// MobileSealed is the E.164 mobile sealed under a key derived from the
	// token itself (the API's business): the row alone does not say whose it is.
	MobileSealed []byte `gorm:"not null"`
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	CreatedAt    time.Time
}

func (BeneficiarySession) TableName() string { return "beneficiary_sessions" }

// CodeIssue is what IssueBeneficiaryCode did.
type CodeIssue int

const (
	CodeIssued    CodeIssue = iota // a code row and its message were written
	CodeNoTickets                  // the mobile has no ticket: nothing written
	CodeThrottled                  // too soon or too many for this mobile: nothing written
	CodeCapped                     // the mobile's daily cap is reached: nothing written
)

func (c CodeIssue) String() string {
	return [...]string{"issued", "no_tickets", "throttled", "capped"}[c]
}

// NewBeneficiaryCode is what IssueBeneficiaryCode needs.
type NewBeneficiaryCode struct {
	// Mobile (E.164) is only compared with tickets.beneficiary_mobile; it is
	// not stored in the code row (the message's recipient is the one copy).
	Mobile     string
	MobileHash string
	CodeHash   string
	ExpiresAt  time.Time
	// PerDay caps the requests of the mobile in any 24 hours
	// (DefaultCodesPerDay when 0).
	PerDay int
	// Message is the SMS carrying the code. Its Key is set here from the code
	// row ("beneficiary-code/<id>"), so the one message of a code can never be
	// queued twice.
	Message OutboxMessage
}

// IssueBeneficiaryCode, in one transaction: when the mobile made fewer
// than n.PerDay requests in the last 24 hours (else CodeCapped), none in the
// last CodeEvery and fewer than CodesPerHour in the last hour (else
// CodeThrottled), records the request; then, when n.Mobile has at least one
// ticket, revokes the mobile's live codes, inserts the new code and queues
// n.Message. The limits count requests, not codes, so a mobile without
// tickets meets them exactly as one with tickets does. The result says which
// happened; only a failure is an error. Issues for one schema are serialized (an advisory
// lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so two concurrent requests
// cannot both pass the throttle or leave two live codes.
func (s *Store) IssueBeneficiaryCode(ctx context.Context, n NewBeneficiaryCode, at time.Time) (CodeIssue, BeneficiaryCode, error) {
	if n.Mobile == "" || len(n.MobileHash) != 64 || len(n.CodeHash) != 64 {
		return 0, BeneficiaryCode{}, errors.New("store: issue code: mobile, mobile hash and code hash are required")
	}
	at = utc(at)
	var res CodeIssue
	var code BeneficiaryCode
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.xactLock(tx, lockBeneficiaryCodes); err != nil {
			return err
		}
		perDay := codesPerDay(n.PerDay)
		if err := tx.Where("mobile_hash = ? AND created_at <= ?", n.MobileHash, at.Add(-codeDay)).
			Delete(&BeneficiaryCodeRequest{}).Error; err != nil {
			return fmt.Errorf("forget old requests: %w", err)
		}
		var recent []time.Time
		err := tx.Model(&BeneficiaryCodeRequest{}).Where("mobile_hash = ? AND created_at > ?", n.MobileHash, at.Add(-codeDay)).
			Order("created_at DESC").Limit(max(perDay, CodesPerHour)).Pluck("created_at", &recent).Error
		if err != nil {
			return fmt.Errorf("recent requests: %w", err)
		}
		lastHour := 0
		for _, t := range recent {
			if t.After(at.Add(-time.Hour)) {
				lastHour++
			}
		}
		switch {
		case len(recent) >= perDay:
			res = CodeCapped
			return nil
		case lastHour >= CodesPerHour || (len(recent) > 0 && at.Sub(recent[0]) < CodeEvery):
			res = CodeThrottled
			return nil
		}
		if err := tx.Create(&BeneficiaryCodeRequest{MobileHash: n.MobileHash, CreatedAt: at}).Error; err != nil {
			return fmt.Errorf("record request: %w", err)
		}
		var has []int
		if err := tx.Raw(`SELECT 1 FROM tickets WHERE beneficiary_mobile = ? LIMIT 1`, n.Mobile).Scan(&has).Error; err != nil {
			return fmt.Errorf("look for tickets: %w", err)
		}
		if len(has) == 0 {
			res = CodeNoTickets
			return nil
		}
		if err := tx.Model(&BeneficiaryCode{}).Where("mobile_hash = ? AND used_at IS NULL AND revoked_at IS NULL", n.MobileHash).
			Update("revoked_at", at).Error; err != nil {
			return fmt.Errorf("revoke older codes: %w", err)
		}
		code = BeneficiaryCode{MobileHash: n.MobileHash, CodeHash: n.CodeHash, ExpiresAt: utc(n.ExpiresAt), CreatedAt: at}
		if err := tx.Create(&code).Error; err != nil {
			return fmt.Errorf("insert code: %w", err)
		}
		m := n.Message
		m.Key = fmt.Sprintf("beneficiary-code/%d", code.ID)
		if m.CreatedAt.IsZero() {
			m.CreatedAt = at
		}
		if _, err := enqueueOutbox(tx, m); err != nil {
			return err
		}
		res = CodeIssued
		return nil
	})
	if err != nil {
		return 0, BeneficiaryCode{}, fmt.Errorf("store: issue beneficiary code: %w", err)
	}
	return res, code, nil
}

func codesPerDay(n int) int {
	if n <= 0 {
		return DefaultCodesPerDay
	}
	return n
}

// CodeCapLifts is when a mobile capped at perDay requests a day
// (CodeCapped) may ask again: a day after the oldest of its last perDay
// requests. Before at when the cap no longer holds.
func (s *Store) CodeCapLifts(ctx context.Context, mobileHash string, perDay int, at time.Time) (time.Time, error) {
	at = utc(at)
	var recent []time.Time
	err := s.rdb.WithContext(ctx).Model(&BeneficiaryCodeRequest{}).
		Where("mobile_hash = ? AND created_at > ?", mobileHash, at.Add(-codeDay)).
		Order("created_at DESC").Limit(codesPerDay(perDay)).Pluck("created_at", &recent).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("store: code cap of a mobile: %w", err)
	}
	if len(recent) < codesPerDay(perDay) {
		return at.Add(-time.Nanosecond), nil
	}
	return utc(recent[len(recent)-1]).Add(codeDay), nil
}

// NewBeneficiarySession is the session RedeemBeneficiaryCode opens.
type NewBeneficiarySession struct {
	TokenHash    string
	MobileSealed []byte
	ExpiresAt    time.Time
}

// RedeemBeneficiaryCode spends one attempt of the mobile's live code and,
// when codeHash is its hash, marks it used and opens the session n, all in
// one transaction. Every refusal is ErrCodeRejected (the attempt it cost is
// kept). The attempt is taken by a conditional UPDATE of the code row, whose
// row lock makes concurrent guesses queue: of two racing for the last
// attempt, the second finds none left, and a code opens one session at most.
func (s *Store) RedeemBeneficiaryCode(ctx context.Context, mobileHash, codeHash string, n NewBeneficiarySession, at time.Time) (BeneficiarySession, error) {
	at = utc(at)
	var sess BeneficiarySession
	accepted := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		const live = "used_at IS NULL AND revoked_at IS NULL AND expires_at > ? AND attempts < ?"
		var ids []int64
		err := tx.Model(&BeneficiaryCode{}).Where("mobile_hash = ? AND "+live, mobileHash, at, MaxCodeAttempts).
			Order("id DESC").Limit(1).Pluck("id", &ids).Error
		if err != nil {
			return fmt.Errorf("find code: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		var stored []string
		err = tx.Raw(`UPDATE beneficiary_codes SET attempts = attempts + 1 WHERE id = ? AND `+live+` RETURNING code_hash`,
			ids[0], at, MaxCodeAttempts).Scan(&stored).Error
		if err != nil {
			return fmt.Errorf("count attempt: %w", err)
		}
		if len(stored) != 1 || subtle.ConstantTimeCompare([]byte(stored[0]), []byte(codeHash)) != 1 {
			return nil
		}
		res := tx.Model(&BeneficiaryCode{}).Where("id = ? AND used_at IS NULL", ids[0]).Update("used_at", at)
		if res.Error != nil {
			return fmt.Errorf("spend code: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return nil
		}
		sess = BeneficiarySession{TokenHash: n.TokenHash, MobileHash: mobileHash, MobileSealed: n.MobileSealed,
			ExpiresAt: utc(n.ExpiresAt), CreatedAt: at}
		if err := tx.Create(&sess).Error; err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		accepted = true
		return nil
	})
	if err != nil {
		return BeneficiarySession{}, fmt.Errorf("store: redeem beneficiary code: %w", err)
	}
	if !accepted {
		return BeneficiarySession{}, ErrCodeRejected
	}
	return sess, nil
}

// BeneficiarySessionByToken finds the live session whose token hashes to
// tokenHash (not revoked, not expired at at); anything else is ErrNotFound.
func (s *Store) BeneficiarySessionByToken(ctx context.Context, tokenHash string, at time.Time) (BeneficiarySession, error) {
	var ss BeneficiarySession
	err := s.rdb.WithContext(ctx).
		Where("token_hash = ? AND revoked_at IS NULL AND expires_at > ?", tokenHash, utc(at)).Take(&ss).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return BeneficiarySession{}, fmt.Errorf("store: beneficiary session: %w", ErrNotFound)
	}
	if err != nil {
		return BeneficiarySession{}, fmt.Errorf("store: beneficiary session by token: %w", err)
	}
	ss.ExpiresAt, ss.CreatedAt, ss.RevokedAt = utc(ss.ExpiresAt), utc(ss.CreatedAt), utcPtr(ss.RevokedAt)
	return ss, nil
}

// RevokeBeneficiarySession ends a session (idempotent: the first revocation
// time stays). ErrNotFound for an unknown id.
func (s *Store) RevokeBeneficiarySession(ctx context.Context, id int64, at time.Time) error {
	return revokeByID(s.db.WithContext(ctx), &BeneficiarySession{}, "beneficiary session", id, at)
}

// BeneficiaryTickets lists the tickets whose beneficiary_mobile is mobile
// and proven (mobile_proven_at set: an anonymous filing naming the mobile is
// not its owner's until proven), newest first ((created_at, number) descending), one keyset page at a time.
// It is the SQL form of the API's ownership rule (api.beneficiaryOwns): an
// empty mobile owns nothing. Limit is clamped like ListTickets'.
func (s *Store) BeneficiaryTickets(ctx context.Context, mobile, cursor string, limit int) (Page, error) {
	if mobile == "" {
		return Page{}, nil
	}
	limit = clampLimit(limit)
	q := s.rdb.WithContext(ctx).Where("beneficiary_mobile = ? AND mobile_proven_at IS NOT NULL", mobile)
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil {
			return Page{}, err
		}
		q = q.Where("(created_at, number) < (?, ?)", c.At, c.Number)
	}
	var ts []Ticket
	if err := q.Order("created_at DESC, number DESC").Limit(limit + 1).Find(&ts).Error; err != nil {
		return Page{}, fmt.Errorf("store: beneficiary tickets: %w", err)
	}
	return pageOf(ts, limit, func(t Ticket) time.Time { return t.CreatedAt }), nil
}
