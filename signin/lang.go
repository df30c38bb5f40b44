package signin

import (
	"context"
	"fmt"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/workflows"
)

// The languages an account may prefer (store.Account.Lang).
const (
	LangArabic  = "ar"
	LangEnglish = "en"
)

// SetLanguage remembers the language actor's pages are shown in. Not
// audited: it changes what the account sees, never what it may do.
func (s *Service) SetLanguage(ctx context.Context, actor workflows.Actor, lang string) error {
	switch lang {
	case LangArabic, LangEnglish:
	case "":
		return refusal.Fields(refusal.Field{Name: "lang", Code: refusal.FieldRequired})
	default:
		return refusal.Fields(refusal.Field{Name: "lang", Code: refusal.FieldInvalidValue})
	}
	username, ok := username(actor)
	if !ok {
		return refusal.New(refusal.Forbidden, refusal.CodeNotAnAccount)
	}
	acc, err := s.store.GetAccountByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	if err := s.store.SetAccountLang(ctx, acc.ID, lang); err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}
