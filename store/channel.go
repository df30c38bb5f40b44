package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"github.com/tawasul/tawasul/domain"
)

// ChannelDetails is what a staffed channel records about how a ticket came
// in. Empty fields are left out of the stored JSON; the zero value is stored
// as "" (no details).
type ChannelDetails struct {
	Verification domain.Verification   `json:"verification,omitempty"` // call_center
	Platform     domain.SocialPlatform `json:"platform,omitempty"`     // social
	Handle       string                `json:"handle,omitempty"`       // social
	PostURL      string                `json:"post_url,omitempty"`     // social
	MessageID    string                `json:"message_id,omitempty"`   // email
}

// Value stores the details as a JSON object, or "" when there are none.
func (d ChannelDetails) Value() (driver.Value, error) {
	if d == (ChannelDetails{}) {
		return "", nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("store: encode channel details: %w", err)
	}
	return string(b), nil
}

// Scan reads what Value stored.
func (d *ChannelDetails) Scan(v any) error {
	var b []byte
	switch x := v.(type) {
	case nil:
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("store: channel details from %T", v)
	}
	*d = ChannelDetails{}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, d); err != nil {
		return fmt.Errorf("store: decode channel details: %w", err)
	}
	return nil
}
