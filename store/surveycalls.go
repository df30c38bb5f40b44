package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tawasul/tawasul/domain"
)

// The satisfaction survey's call list (migration 0016): every day a sample of
// the tickets closed the day before becomes calls for survey agents, who
// record how each went.

// SurveyCall is one call of a day's list.
type SurveyCall struct {
	ID int64 `gorm:"primaryKey;autoIncrement"`
	// CallDate is the local day (the policy's time zone) the list is for.
	CallDate     string                  `gorm:"size:10;not null"`
	TicketNumber string                  `gorm:"size:16;not null"`
	Status       domain.SurveyCallStatus `gorm:"size:16;not null"`
	Attempts     int                     `gorm:"not null"`
	// AgentID recorded the last attempt ("" before any).
	AgentID string `gorm:"size:100;not null"`
	// Rating is 1–5 when reached, 0 otherwise.
	Rating  int    `gorm:"not null"`
	Comment string `gorm:"type:text;not null"`
	// KeyHash and RequestHash are the last attempt's Idempotency-Key (scoped
	// to its agent) and request, so a retry is answered as a replay.
	KeyHash     string `gorm:"size:64;not null"`
	RequestHash string `gorm:"size:64;not null"`
	RecordedAt  *time.Time
	CreatedAt   time.Time
}

func (SurveyCall) TableName() string { return "survey_calls" }

// SurveyCallLine is a call with what the agent needs of its ticket to make
// it. The beneficiary's details are read from the ticket, never copied.
type SurveyCallLine struct {
	SurveyCall
	Kind                domain.Kind
	Entity              string
	ClosedAt            *time.Time
	BeneficiaryName     string
	BeneficiaryMobile   string
	BeneficiaryLanguage string
}

// DefaultSurveyZone is the ministry's time zone, used for the survey's days
// when no policy (which names the zone) has been stored yet.
const DefaultSurveyZone = "Asia/Riyadh"

// lockSurveyCalls serializes samplings of the call list on PostgreSQL (the
// count of a day's calls and the inserts that fill it are read-then-write).
// Kept apart from the classes in migrate.go so branches adding classes there
// do not collide.
const lockSurveyCalls = 7270

var (
	// ErrBadSurveyDate: a day that is not YYYY-MM-DD.
	ErrBadSurveyDate = errors.New("store: survey date is not a date YYYY-MM-DD")
	// ErrSurveyCallFinal: the call already has its final outcome.
	ErrSurveyCallFinal = errors.New("store: survey call already has its final outcome")
	// ErrSurveyReplay: the same request was recorded already; the call is
	// returned as it stands.
	ErrSurveyReplay = errors.New("store: survey outcome already recorded")
)

// SurveyZone is where the survey's days begin and end: the time zone of the
// current policy, DefaultSurveyZone before there is one.
func (s *Store) SurveyZone(ctx context.Context) (*time.Location, error) {
	name := DefaultSurveyZone
	p, err := s.CurrentPolicy(ctx)
	switch {
	case err == nil && p.Calendar.TimeZone != "":
		name = p.Calendar.TimeZone
	case err != nil && !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("store: survey time zone: %w", err)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("store: survey time zone %q: %w", name, err)
	}
	return loc, nil
}

// SurveySampling is how large a day's list is: Share of the tickets closed
// the day before, rounded up, and at most MaxPerDay.
type SurveySampling struct {
	Share     float64
	MaxPerDay int
}

// OrDefault is p with the defaults (domain.SurveyDefaultShare,
// domain.SurveyDefaultMaxPerDay) in place of zero values.
func (p SurveySampling) OrDefault() SurveySampling {
	if p.Share <= 0 {
		p.Share = domain.SurveyDefaultShare
	}
	if p.MaxPerDay <= 0 {
		p.MaxPerDay = domain.SurveyDefaultMaxPerDay
	}
	return p
}

// Target is the size of the list for closed tickets.
func (p SurveySampling) Target(closed int) int {
	if closed <= 0 {
		return 0
	}
	return min(p.MaxPerDay, int(math.Ceil(p.Share*float64(closed))))
}

// SurveySample reports one sampling of a day's list.
type SurveySample struct {
	Date string `json:"date"`
	// Closed counts the tickets closed the day before; Target is the list's
	// size by share and cap.
	Closed int `json:"closed"`
	Target int `json:"target"`
	// Inserted counts the calls this run added; Total the day's calls after it.
	Inserted int `json:"inserted"`
	Total    int `json:"total"`
}

// surveyRank orders a day's candidates: a hash of the day and the number, so
// the sample is spread over entities and hours, differs from day to day, and
// is the same whenever the same day is drawn again.
func surveyRank(date, number string) string {
	sum := sha256.Sum256([]byte("tawasul-survey-v1|" + date + "|" + number))
	return hex.EncodeToString(sum[:])
}

// SampleSurveyCalls builds the call list of date (YYYY-MM-DD, in SurveyZone)
// from the tickets closed — not withdrawn — during the day before. It is
// idempotent: a run adds only what the list lacks of its target, in rank
// order, and a ticket already on any day's list is never drawn again, so a
// re-run of the same day inserts nothing and a list is never larger than the
// greater of its target and what it held. at stamps the new calls. Under
// WithAudit the entry (its detail the sample) commits with the calls.
func (s *Store) SampleSurveyCalls(ctx context.Context, date string, p SurveySampling, at time.Time) (SurveySample, error) {
	if p.Share <= 0 || p.Share > 1 || p.MaxPerDay < 1 {
		return SurveySample{}, fmt.Errorf("store: sample survey calls: share %v or cap %d out of range", p.Share, p.MaxPerDay)
	}
	loc, err := s.SurveyZone(ctx)
	if err != nil {
		return SurveySample{}, err
	}
	day, err := parseSurveyDate(date, loc)
	if err != nil {
		return SurveySample{}, err
	}
	from := time.Date(day.Year(), day.Month(), day.Day()-1, 0, 0, 0, 0, loc)
	sample := SurveySample{Date: date}
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := s.xactLock(tx, lockSurveyCalls); err != nil {
			return err
		}
		var rows []struct {
			Number   string
			CallDate *string
		}
		err := tx.Raw(`SELECT t.number AS number, sc.call_date AS call_date
			FROM tickets t LEFT JOIN survey_calls sc ON sc.ticket_number = t.number
			WHERE t.status = ? AND t.closed_at >= ? AND t.closed_at < ?`,
			domain.StatusClosed, utc(from), utc(day)).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("closed tickets: %w", err)
		}
		listed := map[string]bool{}
		for _, r := range rows {
			listed[r.Number] = listed[r.Number] || r.CallDate != nil
		}
		sample.Closed = len(listed)
		sample.Target = p.Target(sample.Closed)
		var existing int64
		if err := tx.Model(&SurveyCall{}).Where("call_date = ?", date).Count(&existing).Error; err != nil {
			return fmt.Errorf("count the day's calls: %w", err)
		}
		var fresh []string
		for n, on := range listed {
			if !on {
				fresh = append(fresh, n)
			}
		}
		slices.SortFunc(fresh, func(a, b string) int { return cmp.Compare(surveyRank(date, a), surveyRank(date, b)) })
		fresh = fresh[:max(0, min(len(fresh), sample.Target-int(existing)))]
		calls := make([]SurveyCall, len(fresh))
		for i, n := range fresh {
			calls[i] = SurveyCall{CallDate: date, TicketNumber: n, Status: domain.SurveyPending, CreatedAt: utc(at)}
		}
		if len(calls) > 0 {
			res := tx.Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "call_date"}, {Name: "ticket_number"}}, DoNothing: true,
			}).CreateInBatches(&calls, 200)
			if res.Error != nil {
				return fmt.Errorf("insert calls: %w", res.Error)
			}
			sample.Inserted = int(res.RowsAffected)
		}
		sample.Total = int(existing) + sample.Inserted
		return setAuditDetail(ctx, sample)
	})
	if err != nil {
		return SurveySample{}, fmt.Errorf("store: sample survey calls of %s: %w", date, err)
	}
	return sample, nil
}

// parseSurveyDate reads a day YYYY-MM-DD as its first instant in loc.
func parseSurveyDate(date string, loc *time.Location) (time.Time, error) {
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil || day.Format(time.DateOnly) != date {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadSurveyDate, date)
	}
	return day, nil
}

// setAuditDetail gives the pending audit entry its detail when only the
// write knows it (what a sampling drew, which attempt an outcome was); no-op
// without a pending entry.
func setAuditDetail(ctx context.Context, detail any) error {
	p, _ := ctx.Value(pendingAuditKey{}).(*PendingAudit)
	if p == nil || p.appended {
		return nil
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit detail: %w", err)
	}
	p.entry.Detail = string(b)
	return nil
}

// SurveyOutcome is one call attempt as an agent records it.
type SurveyOutcome struct {
	// Outcome is one of domain.SurveyOutcomes.
	Outcome domain.SurveyCallStatus
	// Rating is 1–5 for reached, 0 otherwise.
	Rating  int
	Comment string
	AgentID string
	// KeyHash names the client's Idempotency-Key ("" without one), scoped
	// to the agent; RequestHash the request (outcome, rating, comment, agent).
	KeyHash     string
	RequestHash string
	At          time.Time
}

func (o SurveyOutcome) check() error {
	switch {
	case !o.Outcome.ValidOutcome():
		return fmt.Errorf("outcome %q is not one an agent records", o.Outcome)
	case o.Outcome == domain.SurveyReached && (o.Rating < 1 || o.Rating > 5):
		return fmt.Errorf("rating %d of a reached call is not 1..5", o.Rating)
	case o.Outcome != domain.SurveyReached && o.Rating != 0:
		return errors.New("only a reached call has a rating")
	case o.AgentID == "" || o.RequestHash == "":
		return errors.New("agent and request hash are required")
	}
	return nil
}

// surveyAttempt is the audit detail of a recorded attempt.
type surveyAttempt struct {
	Ticket   string                  `json:"ticket"`
	CallDate string                  `json:"call_date"`
	Outcome  domain.SurveyCallStatus `json:"outcome"`
	Status   domain.SurveyCallStatus `json:"status"`
	Attempt  int                     `json:"attempt"`
	Rating   int                     `json:"rating,omitempty"`
}

// RecordSurveyOutcome records an attempt on call id and returns the call as
// it then stands. An unanswered call stays pending until its
// domain.SurveyMaxAttempts-th attempt; any other outcome is final.
//
// Errors: ErrNotFound; ErrSurveyReplay (with the call as it stands) for the
// request already recorded as the last attempt under the same key, or, with
// no key, for the very request that made the call final;
// ErrIdempotencyMismatch for the same key with another request;
// ErrSurveyCallFinal (with the call) for any other attempt on a final call.
// The row is locked for the decision, so two agents cannot both record the
// last attempt. Under WithAudit the entry commits with the attempt.
func (s *Store) RecordSurveyOutcome(ctx context.Context, id int64, o SurveyOutcome) (SurveyCall, error) {
	if err := o.check(); err != nil {
		return SurveyCall{}, fmt.Errorf("store: record survey call %d: %w", id, err)
	}
	lock := `SELECT * FROM survey_calls WHERE id = ?`
	if s.dialect == DialectPostgres {
		lock += ` FOR UPDATE` // SQLite's BEGIN IMMEDIATE already serializes writers
	}
	var call SurveyCall
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		var found []SurveyCall
		if err := tx.Raw(lock, id).Scan(&found).Error; err != nil {
			return fmt.Errorf("lock call: %w", err)
		}
		if len(found) == 0 {
			return ErrNotFound
		}
		call = found[0]
		switch {
		case o.KeyHash != "" && call.KeyHash == o.KeyHash && call.RequestHash == o.RequestHash:
			return ErrSurveyReplay
		case o.KeyHash != "" && call.KeyHash == o.KeyHash:
			return ErrIdempotencyMismatch
		case call.Status.Final() && o.KeyHash == "" && call.RequestHash == o.RequestHash:
			return ErrSurveyReplay
		case call.Status.Final():
			return ErrSurveyCallFinal
		}
		attempt := call.Attempts + 1
		at := utc(o.At)
		next := SurveyCall{
			ID: call.ID, CallDate: call.CallDate, TicketNumber: call.TicketNumber,
			Status: domain.SurveyStatusAfter(o.Outcome, attempt), Attempts: attempt, AgentID: o.AgentID,
			Rating: o.Rating, Comment: o.Comment, KeyHash: o.KeyHash, RequestHash: o.RequestHash,
			RecordedAt: &at, CreatedAt: call.CreatedAt,
		}
		res := tx.Exec(`UPDATE survey_calls SET status = ?, attempts = ?, agent_id = ?, rating = ?, comment = ?,
			key_hash = ?, request_hash = ?, recorded_at = ? WHERE id = ? AND attempts = ?`,
			next.Status, next.Attempts, next.AgentID, next.Rating, next.Comment,
			next.KeyHash, next.RequestHash, at, id, call.Attempts)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("call %d changed under its lock", id)
		}
		call = next
		return setAuditDetail(ctx, surveyAttempt{Ticket: call.TicketNumber, CallDate: call.CallDate,
			Outcome: o.Outcome, Status: call.Status, Attempt: attempt, Rating: o.Rating})
	})
	normalizeSurveyCall(&call)
	if err != nil {
		return call, fmt.Errorf("store: record survey call %d: %w", id, err)
	}
	return call, nil
}

func normalizeSurveyCall(c *SurveyCall) {
	c.CreatedAt = utc(c.CreatedAt)
	c.RecordedAt = utcPtr(c.RecordedAt)
}

// surveyLineSelect reads calls with their tickets' details.
const surveyLineSelect = `SELECT sc.*, t.kind AS kind, t.entity AS entity, t.closed_at AS closed_at,
	t.beneficiary_name AS beneficiary_name, t.beneficiary_mobile AS beneficiary_mobile,
	t.beneficiary_language AS beneficiary_language
	FROM survey_calls sc JOIN tickets t ON t.number = sc.ticket_number`

func normalizeSurveyLines(ls []SurveyCallLine) {
	for i := range ls {
		normalizeSurveyCall(&ls[i].SurveyCall)
		ls[i].ClosedAt = utcPtr(ls[i].ClosedAt)
	}
}

// GetSurveyCall reads one call with its ticket's details; ErrNotFound.
func (s *Store) GetSurveyCall(ctx context.Context, id int64) (SurveyCallLine, error) {
	var ls []SurveyCallLine
	if err := s.rdb.WithContext(ctx).Raw(surveyLineSelect+` WHERE sc.id = ?`, id).Scan(&ls).Error; err != nil {
		return SurveyCallLine{}, fmt.Errorf("store: survey call %d: %w", id, err)
	}
	if len(ls) == 0 {
		return SurveyCallLine{}, fmt.Errorf("store: survey call %d: %w", id, ErrNotFound)
	}
	normalizeSurveyLines(ls)
	return ls[0], nil
}

// SurveyCallFilter selects a page of one day's list.
type SurveyCallFilter struct {
	Date   string                  // required, YYYY-MM-DD
	Status domain.SurveyCallStatus // "" = any
	Cursor string                  // from SurveyCallPage.NextCursor
	Limit  int                     // 1..200, default 50
}

// SurveyCallPage is one page of a day's list, in sampling order.
type SurveyCallPage struct {
	Calls      []SurveyCallLine
	NextCursor string // "" on the last page
}

// ListSurveyCalls pages through a day's list in the order it was drawn
// (keyset on the id; the cursor is the last id of the previous page).
func (s *Store) ListSurveyCalls(ctx context.Context, f SurveyCallFilter) (SurveyCallPage, error) {
	limit := clampLimit(f.Limit)
	q, args := surveyLineSelect+` WHERE sc.call_date = ?`, []any{f.Date}
	if f.Status != "" {
		q, args = q+` AND sc.status = ?`, append(args, f.Status)
	}
	if f.Cursor != "" {
		after, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || after < 1 {
			return SurveyCallPage{}, ErrBadCursor
		}
		q, args = q+` AND sc.id > ?`, append(args, after)
	}
	// One row more than the page tells whether another page exists.
	q, args = q+` ORDER BY sc.id LIMIT ?`, append(args, limit+1)
	var ls []SurveyCallLine
	if err := s.rdb.WithContext(ctx).Raw(q, args...).Scan(&ls).Error; err != nil {
		return SurveyCallPage{}, fmt.Errorf("store: list survey calls of %s: %w", f.Date, err)
	}
	var page SurveyCallPage
	if len(ls) > limit {
		ls = ls[:limit]
		page.NextCursor = strconv.FormatInt(ls[limit-1].ID, 10)
	}
	normalizeSurveyLines(ls)
	page.Calls = ls
	return page, nil
}

// SurveyTally counts calls by status, with the ratings of the reached ones.
type SurveyTally struct {
	Calls     int
	ByStatus  map[domain.SurveyCallStatus]int
	RatingSum int
}

// AverageRating is the mean rating of the reached calls; false when none.
func (t SurveyTally) AverageRating() (float64, bool) {
	n := t.ByStatus[domain.SurveyReached]
	if n == 0 {
		return 0, false
	}
	return float64(t.RatingSum) / float64(n), true
}

func (t *SurveyTally) add(st domain.SurveyCallStatus, calls, ratingSum int) {
	if t.ByStatus == nil {
		t.ByStatus = map[domain.SurveyCallStatus]int{}
	}
	t.Calls += calls
	t.ByStatus[st] += calls
	t.RatingSum += ratingSum
}

// SurveySummary tallies the calls of a range of days, overall and by the
// entity each ticket was filed to.
type SurveySummary struct {
	Overall SurveyTally
	// Entities, by code, when asked for.
	Entities []SurveyEntityTally
}

type SurveyEntityTally struct {
	Entity string
	SurveyTally
}

// SummarizeSurveyCalls tallies the calls of the days from..to (inclusive,
// YYYY-MM-DD), by entity too when byEntity.
func (s *Store) SummarizeSurveyCalls(ctx context.Context, from, to string, byEntity bool) (SurveySummary, error) {
	var rows []struct {
		Entity    string
		Status    domain.SurveyCallStatus
		Calls     int
		RatingSum int
	}
	q := `SELECT '' AS entity, status, count(*) AS calls, coalesce(sum(rating), 0) AS rating_sum
		FROM survey_calls WHERE call_date >= ? AND call_date <= ? GROUP BY status`
	if byEntity {
		q = `SELECT t.entity AS entity, sc.status AS status, count(*) AS calls, coalesce(sum(sc.rating), 0) AS rating_sum
			FROM survey_calls sc JOIN tickets t ON t.number = sc.ticket_number
			WHERE sc.call_date >= ? AND sc.call_date <= ? GROUP BY t.entity, sc.status`
	}
	if err := s.rdb.WithContext(ctx).Raw(q, from, to).Scan(&rows).Error; err != nil {
		return SurveySummary{}, fmt.Errorf("store: summarize survey calls %s..%s: %w", from, to, err)
	}
	var sum SurveySummary
	byCode := map[string]*SurveyTally{}
	for _, r := range rows {
		sum.Overall.add(r.Status, r.Calls, r.RatingSum)
		if byEntity {
			if byCode[r.Entity] == nil {
				byCode[r.Entity] = &SurveyTally{}
			}
			byCode[r.Entity].add(r.Status, r.Calls, r.RatingSum)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(byCode)) {
		sum.Entities = append(sum.Entities, SurveyEntityTally{Entity: code, SurveyTally: *byCode[code]})
	}
	return sum, nil
}
