package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// devNames are the demo accounts' people, so pages read like a ministry's.
var devNames = map[domain.Role]string{
	domain.RoleCoordinator:       "نورة القحطاني",
	domain.RoleCareCenterManager: "فهد العتيبي",
	domain.RoleEntityHead:        "سارة الشمري",
	domain.RoleSectorOfficial:    "خالد الدوسري",
	domain.RoleSupervisor:        "ريم الحربي",
	domain.RoleMinisterOffice:    "عبدالله الزهراني",
	domain.RoleAdmin:             "مها السبيعي",
	domain.RoleAuditor:           "تركي المطيري",
	domain.RoleAgent:             "أمل الغامدي",
	domain.RoleReception:         "ياسر العنزي",
	domain.RoleSurveyAgent:       "هند الشهري",
}

// devActor is who creates the demo accounts in the audit log.
var devActor = workflows.Actor{ID: "dev:demo-accounts", Role: domain.RoleSystem}

// SeedDevAccounts creates the demo accounts of ts that do not exist yet
// (`tawasul dev` only), each with its audit entry in the same transaction,
// as every account is created.
func SeedDevAccounts(ctx context.Context, st *store.Store, in *signin.Service, audit *auditlog.Writer, ts []DevToken) (int, error) {
	n := 0
	for _, t := range ts {
		if t.Username == "" {
			continue
		}
		if _, err := st.GetAccountByUsername(ctx, t.Username); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return n, fmt.Errorf("demo account %s: %w", t.Username, err)
		}
		hash, err := in.Hash(t.Password)
		if err != nil {
			return n, fmt.Errorf("demo account %s: %w", t.Username, err)
		}
		err = audit.Audited(ctx, devActor, auditlog.AccountCreated, "account/"+t.Username,
			map[string]any{"role": t.Role, "entity": t.Entity, "demo": true}, func(ctx context.Context) error {
				_, err := st.CreateAccount(ctx, store.NewAccount{
					Username: t.Username, Name: devNames[t.Role], Role: t.Role, Entity: t.Entity, PasswordHash: hash,
				}, time.Now())
				return err
			})
		if err != nil && !errors.Is(err, store.ErrExists) {
			return n, fmt.Errorf("demo account %s: %w", t.Username, err)
		}
		n++
	}
	return n, nil
}
