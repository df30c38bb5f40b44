package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/policies"
)

// previewIn names the policy to preview: a stored version or a draft.
type previewIn struct {
	Version int         `json:"version"`
	Policy  *policyJSON `json:"policy"`
}

// previewPolicy answers what rolling a policy out now would do to the open
// tickets' deadlines, without changing anything: a stored version
// ({"version": N}) or a draft validated like PUT ({"policy": {...}}), which
// counts as the next version. It reads the open tickets a page at a time.
func (a *API) previewPolicy(c *gin.Context) error {
	ctx := c.Request.Context()
	var in previewIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	var out policies.Preview
	var err error
	switch {
	case in.Policy != nil && in.Version != 0:
		return invalid(fieldErr{field: "policy", code: fieldInvalidValue, text: &textPreviewOneOf})
	case in.Policy != nil:
		out, err = a.policies.PreviewDraft(ctx, in.Policy.policy(), "policy.")
	case in.Version < 0:
		return invalid(fieldErr{field: "version", code: fieldOutOfRange})
	case in.Version == 0:
		return invalid(fieldErr{field: "version", code: fieldRequired, text: &textPreviewOneOf})
	default:
		out, err = a.policies.PreviewVersion(ctx, in.Version)
	}
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}
