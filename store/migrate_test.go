package store

import (
	"context"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"github.com/tawasul/tawasul/domain"
)

func migrationVersions(t *testing.T, dialect string) []int {
	t.Helper()
	ms, err := loadMigrations(dialect)
	if err != nil {
		t.Fatal(err)
	}
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.version)
	}
	return vs
}

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	sq, pg := migrationVersions(t, DialectSQLite), migrationVersions(t, DialectPostgres)
	if len(sq) == 0 {
		t.Fatal("no migrations embedded")
	}
	mustEqual(t, "migration versions (sqlite vs postgres)", sq, pg)
}

func appliedVersions(t *testing.T, s *Store) []int {
	t.Helper()
	var vs []int
	if err := s.db.Raw(`SELECT version FROM schema_migrations ORDER BY version`).Scan(&vs).Error; err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestMigrateTwice(t *testing.T) {
	forEachDialectDSN(t, func(t *testing.T, dsn string) {
		s := openTestStore(t, dsn)
		ctx := context.Background()
		want := migrationVersions(t, s.Dialect())
		if n, err := s.PendingMigrations(ctx); err != nil || n != len(want) {
			t.Fatalf("PendingMigrations before = %d, %v; want %d", n, err, len(want))
		}
		for i := range 2 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("Migrate #%d: %v", i+1, err)
			}
		}
		if n, err := s.PendingMigrations(ctx); err != nil || n != 0 {
			t.Fatalf("PendingMigrations after = %d, %v; want 0", n, err)
		}
		mustEqual(t, "applied versions", appliedVersions(t, s), want)
	})
}

// Several processes starting at once all migrate; each version lands once.
func TestMigrateConcurrently(t *testing.T) {
	forEachDialectDSN(t, func(t *testing.T, dsn string) {
		const n = 4
		stores := make([]*Store, n)
		for i := range stores {
			stores[i] = openTestStore(t, dsn)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, s := range stores {
			wg.Go(func() { errs[i] = s.Migrate(context.Background()) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Migrate in store %d: %v", i, err)
			}
		}
		mustEqual(t, "applied versions", appliedVersions(t, stores[0]), migrationVersions(t, stores[0].Dialect()))
	})
}

// The GORM models and the migrated tables name the same columns.
func TestModelsMatchSchema(t *testing.T) {
	models := []any{&Entity{}, &Ticket{}, &TicketEvent{}, &StoredPolicy{}, &OutboxMessage{}, &IdempotencyRecord{}, &AuditEntry{}, &Account{}, &Session{}, &APIToken{}, &BeneficiaryCode{}, &BeneficiarySession{}, &Attachment{}, &FAQEntry{}, &NotificationRead{}, &SurveyCall{}, &LoginFailure{}, &LoginAlert{}, &ActionKey{}, &SSOIdentity{}, &BeneficiaryCodeRequest{}}
	forEachDialect(t, func(t *testing.T, s *Store) {
		for _, m := range models {
			sch, err := schema.Parse(m, &sync.Map{}, s.db.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := s.db.Raw(`SELECT * FROM ` + sch.Table + ` WHERE 1 = 0`).Rows()
			if err != nil {
				t.Fatalf("table %s: %v", sch.Table, err)
			}
			cols, err := rows.Columns()
			_ = rows.Close()
			if err != nil {
				t.Fatal(err)
			}
			model := slices.Clone(sch.DBNames)
			sort.Strings(model)
			sort.Strings(cols)
			mustEqual(t, "columns of "+sch.Table+" (table vs model)", cols, model)
		}
	})
}

// Every field of every model survives a write and a read on both dialects,
// instants given in other zones and with nanoseconds included.
func TestRoundTripEveryField(t *testing.T) {
	at := func(d time.Duration) time.Time {
		return time.Date(2026, 5, 1, 10, 0, 0, 123456789, riyadh).Add(d)
	}
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()

		ent := Entity{Code: "UNI-KSU", NameAR: "جامعة الملك سعود", NameEN: "King Saud University",
			Kind: domain.EntityPublicUniversity, Parent: "SEC-UNI"}
		requireAllFieldsSet(t, ent)
		if err := s.UpsertEntities(ctx, []Entity{ent}); err != nil {
			t.Fatal(err)
		}
		gotEnt, err := s.GetEntity(ctx, ent.Code)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "entity", gotEnt, ent)

		in := Ticket{
			Number: "ignored", Kind: domain.KindReport, Channel: domain.ChannelCallCenter,
			Priority: domain.PriorityUrgent, Status: domain.StatusAnswered,
			Subject: "موضوع", Description: "وصف\nطويل", SearchText: "ignored",
			Entity: "UNI-KSU", ResponsibleEntity: "SEC-UNI",
			BeneficiaryName: "محمد", BeneficiaryNationalID: "2000000002", BeneficiaryMobile: "+966511111111",
			BeneficiaryEmail: "m@example.com", BeneficiaryType: domain.BeneficiaryParent,
			BeneficiaryGender: domain.GenderMale, BeneficiaryNationality: domain.NationalityResident,
			BeneficiaryLanguage: "en", TrackingHash: "ffee", PolicyVersion: 3, Round: 1, EscalationLevel: 2,
			EscalationRole: domain.RoleEntityHead, EscalationEntity: "UNI-KSU", SLADueAt: at(48 * time.Hour),
			SLAStageStart: ptr(at(2 * time.Hour)), SLAPausedSeconds: 3600, AssignedTo: "user:coord-1", AssignedAt: ptr(at(3 * time.Hour)),
			ObjectionUntil: ptr(at(72 * time.Hour)), RespondedAt: ptr(at(time.Hour)), ClosedAt: ptr(at(96 * time.Hour)),
			Rating: 2, RatedAt: ptr(at(100 * time.Hour)), FollowUpStatus: "open", FollowUpEntity: "UNI-KSU",
			FollowUpDueAt: ptr(at(120 * time.Hour)), MeetingStatus: "booked", MeetingAt: ptr(at(200 * time.Hour)), MeetingPlace: "مكتب معالي الوزير",
			FiledByID: "agent-7", FiledByRole: domain.RoleAgent, QueueNumber: "given-by-caller", MobileProvenAt: ptr(at(time.Minute)),
			ChannelDetails:  ChannelDetails{Verification: domain.VerificationAbsherOTP, Platform: "x", Handle: "@a", PostURL: "https://x.com/a/1", MessageID: "m"},
			WorkflowStarted: true, Version: 9, CreatedAt: at(0), UpdatedAt: at(5),
		}
		requireAllFieldsSet(t, in)
		idem := IdempotencyRecord{KeyHash: "k1", RequestHash: "r1", TicketNumber: "ignored",
			SealedCode: []byte{0, 1, 2, 0xff}, CreatedAt: at(0)}
		requireAllFieldsSet(t, idem)
		created, rec, _, err := s.CreateTicket(ctx, in, &idem)
		if err != nil {
			t.Fatal(err)
		}
		// The store owns these fields.
		want := in
		want.Number = "2026-000001"
		want.WorkflowStarted = false
		want.Version = 0
		want.SearchText = "موضوع وصف طويل"
		want.SLADueAt = in.SLADueAt.UTC().Truncate(time.Microsecond)
		want.ObjectionUntil = ptr(in.ObjectionUntil.UTC().Truncate(time.Microsecond))
		want.SLAStageStart = ptr(in.SLAStageStart.UTC().Truncate(time.Microsecond))
		want.AssignedAt = ptr(in.AssignedAt.UTC().Truncate(time.Microsecond))
		want.RatedAt = ptr(in.RatedAt.UTC().Truncate(time.Microsecond))
		want.FollowUpDueAt = ptr(in.FollowUpDueAt.UTC().Truncate(time.Microsecond))
		want.MeetingAt = ptr(in.MeetingAt.UTC().Truncate(time.Microsecond))
		want.RespondedAt = ptr(in.RespondedAt.UTC().Truncate(time.Microsecond))
		want.ClosedAt = ptr(in.ClosedAt.UTC().Truncate(time.Microsecond))
		want.MobileProvenAt = ptr(in.MobileProvenAt.UTC().Truncate(time.Microsecond))
		want.CreatedAt = in.CreatedAt.UTC().Truncate(time.Microsecond)
		want.UpdatedAt = want.CreatedAt
		mustEqual(t, "CreateTicket result", created, want)
		got, err := s.GetTicket(ctx, created.Number)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "ticket read back", got, want)

		wantRec := idem
		wantRec.TicketNumber = want.Number
		wantRec.CreatedAt = want.CreatedAt
		mustEqual(t, "idempotency record returned", *rec, wantRec)
		gotRec, err := s.FindIdempotency(ctx, idem.KeyHash)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "idempotency record read back", gotRec, wantRec)

		ev := TicketEvent{ID: 99, TicketNumber: want.Number, Seq: 4, Type: "escalated", At: at(time.Minute),
			ActorID: "beneficiary", ActorRole: domain.RoleBeneficiary, ActorVia: "tracking_code", ActorCaller: "user:alice",
			ActorClient: "0123456789abcdef", Entity: "SEC-UNI", Level: 2, Public: true, Message: "رسالة"}
		requireAllFieldsSet(t, ev)
		if err := s.ApplyChange(ctx, TicketChange{Number: want.Number, Version: 1, Status: want.Status,
			ResponsibleEntity: want.ResponsibleEntity, SLADueAt: want.SLADueAt, Events: []TicketEvent{ev}}); err != nil {
			t.Fatal(err)
		}
		evs, err := s.Timeline(ctx, want.Number, false)
		if err != nil || len(evs) != 1 {
			t.Fatalf("Timeline = %v, %v", evs, err)
		}
		wantEv := ev
		wantEv.ID = evs[0].ID // assigned by the database
		wantEv.At = ev.At.UTC().Truncate(time.Microsecond)
		mustEqual(t, "event", evs[0], wantEv)

		msg := OutboxMessage{ID: 5, Key: "k", TicketNumber: want.Number, Channel: "sms", Recipient: "+966511111111",
			Template: "received", Subject: "استلام طلبكم", Body: "تم استلام طلبكم", Params: `{"number":"1"}`, Status: "sent",
			Attempts: 2, NextAttemptAt: at(time.Minute), LastError: "HTTP 503", CreatedAt: at(0), SentAt: ptr(at(time.Second))}
		requireAllFieldsSet(t, msg)
		if ok, err := s.EnqueueOutbox(ctx, msg); err != nil || !ok {
			t.Fatalf("EnqueueOutbox = %v, %v", ok, err)
		}
		ms, err := s.Outbox(ctx, want.Number)
		if err != nil || len(ms) != 1 {
			t.Fatalf("Outbox = %v, %v", ms, err)
		}
		wantMsg := msg
		wantMsg.ID = ms[0].ID
		wantMsg.CreatedAt = msg.CreatedAt.UTC().Truncate(time.Microsecond)
		wantMsg.NextAttemptAt = msg.NextAttemptAt.UTC().Truncate(time.Microsecond)
		wantMsg.SentAt = ptr(msg.SentAt.UTC().Truncate(time.Microsecond))
		mustEqual(t, "outbox message", ms[0], wantMsg)

		// StoredPolicy through GORM directly: the sla.Policy API is tested in policies_test.go.
		sp := StoredPolicy{Version: 7, Body: `{"x":1}`, CreatedBy: "admin", Reason: "تمديد مهلة الاعتراض",
			CreatedAt: at(0).UTC().Truncate(time.Microsecond)}
		requireAllFieldsSet(t, sp)
		if err := s.db.Create(&sp).Error; err != nil {
			t.Fatal(err)
		}
		var gotSP StoredPolicy
		if err := s.db.Where("version = ?", 7).Take(&gotSP).Error; err != nil {
			t.Fatal(err)
		}
		gotSP.CreatedAt = gotSP.CreatedAt.UTC()
		mustEqual(t, "stored policy", gotSP, sp)
	})
}
