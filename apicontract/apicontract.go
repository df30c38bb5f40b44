// Package apicontract checks HTTP exchanges against the API's published
// contract, api/openapi.yaml. The API's tests and the end-to-end tests send
// every request through it, so a handler and the document cannot drift apart
// without a test failing: a request is checked against its operation's
// parameters and body, an answer against the operation's documented statuses,
// headers and body schemas. Only tests import it.
package apicontract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Validator holds a parsed contract.
type Validator struct {
	router routers.Router
	// problem is the schema of the problem document that answers a path or
	// method the contract does not list.
	problem *openapi3.Schema
}

// New parses and validates the OpenAPI document spec.
func New(spec []byte) (*Validator, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("apicontract: loading the OpenAPI document: %w", err)
	}
	// The document's server is "/", relative to wherever the API is served;
	// tests serve it at httptest's example.com or a loopback port, so routes
	// are matched on the path alone.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apicontract: routing the OpenAPI document: %w", err)
	}
	problem := doc.Components.Schemas["Problem"]
	if problem == nil || problem.Value == nil {
		return nil, errors.New("apicontract: the OpenAPI document has no Problem schema")
	}
	return &Validator{router: router, problem: problem.Value}, nil
}

// Exchange is one request a test sent and the answer it got.
type Exchange struct {
	// Request is what was sent; its Body is not read (RequestBody is).
	Request     *http.Request
	RequestBody []byte
	// OffContract marks a request the test sends outside the contract on
	// purpose (a malformed body, a missing field, a path the API does not
	// serve): it is not checked, so bad input can still be tested, but its
	// answer is.
	OffContract bool

	Status int
	Header http.Header
	Body   []byte
}

// Check reports every way x departs from the contract: an operation the
// document lacks, a request that does not match it (unless OffContract), an
// answer whose status it does not list, or whose headers or body do not match
// what it says of that status.
func (v *Validator) Check(ctx context.Context, x Exchange) error {
	r := x.Request.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(x.RequestBody)), nil }
	r.ContentLength = int64(len(x.RequestBody))
	what := r.Method + " " + r.URL.RequestURI()
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		if !x.OffContract {
			return fmt.Errorf("%s: no operation in the contract: %w", what, err)
		}
		if err := v.checkNoRoute(x); err != nil {
			return fmt.Errorf("%s (not in the contract): answer %d: %w", what, x.Status, err)
		}
		return nil
	}
	opts := &openapi3filter.Options{
		// Who may call what is the API's tests' business, not the contract's.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// An answer with a status the document does not list is a drift too.
		IncludeResponseStatus: true,
		// Leave the request as sent: defaults filled in would hide a drift.
		SkipSettingDefaults: true,
		MultiError:          true,
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	var errs []error
	if !x.OffContract {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("%s: request: %w", what, err))
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.Status, Header: x.Header, Options: opts}
	out.SetBodyBytes(x.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		errs = append(errs, fmt.Errorf("%s: answer %d: %w", what, x.Status, err))
	}
	return errors.Join(errs...)
}

// checkNoRoute checks the answer to a path or method the contract does not
// list: a 404 or 405 problem document, as the document's description says.
func (v *Validator) checkNoRoute(x Exchange) error {
	if x.Status != http.StatusNotFound && x.Status != http.StatusMethodNotAllowed {
		return errors.New("want 404 or 405")
	}
	if ct := x.Header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("content type %q, want application/problem+json", ct)
	}
	var body any
	if err := json.Unmarshal(x.Body, &body); err != nil {
		return fmt.Errorf("decoding the problem document: %w", err)
	}
	if err := v.problem.VisitJSON(body, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("not a problem document: %w", err)
	}
	return nil
}
