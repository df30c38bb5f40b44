package apicontract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// The API's own document loads: a YAML slip (a comma in an unquoted flow
// description makes a stray key) fails here rather than in every API test.
func TestAPIDocumentLoads(t *testing.T) {
	spec, err := os.ReadFile("../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(spec); err != nil {
		t.Fatal(err)
	}
}

const spec = `
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: /}]
paths:
  /things/{id}:
    put:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [id]
                properties:
                  id: {type: integer}
        "422":
          description: refused
          content:
            application/problem+json:
              schema: {$ref: "#/components/schemas/Problem"}
components:
  schemas:
    Problem:
      type: object
      required: [status, code]
      properties:
        status: {type: integer}
        code: {type: string}
`

// Every way an exchange departs from the contract is reported, and only those.
func TestCheck(t *testing.T) {
	v, err := New([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	json := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	for _, tc := range []struct {
		name        string
		method      string
		path        string
		body        string
		offContract bool
		status      int
		header      http.Header
		answer      string
		want        string // in the error; "" for none
	}{
		{"as documented", "PUT", "/things/1", `{"name":"a"}`, false, 200, json, `{"id":1}`, ""},
		{"request body off the schema", "PUT", "/things/1", `{"name":"a","colour":"red"}`, false, 200, json, `{"id":1}`, "request"},
		{"path parameter off the schema", "PUT", "/things/0", `{"name":"a"}`, false, 422, problem, `{"status":422,"code":"x"}`, "request"},
		{"bad input marked off-contract", "PUT", "/things/0", `{"colour":"red"}`, true, 422, problem, `{"status":422,"code":"x"}`, ""},
		{"answer off the schema", "PUT", "/things/1", `{"name":"a"}`, false, 200, json, `{"id":1,"extra":true}`, "answer 200"},
		{"answer off the schema to bad input", "PUT", "/things/0", `{}`, true, 422, problem, `{"status":422}`, "answer 422"},
		{"undocumented status", "PUT", "/things/1", `{"name":"a"}`, false, 409, problem, `{"status":409,"code":"x"}`, "status is not supported"},
		{"undocumented content type", "PUT", "/things/1", `{"name":"a"}`, false, 200, problem, `{"id":1}`, "answer 200"},
		{"undocumented operation", "GET", "/things/1", ``, false, 405, problem, `{"status":405,"code":"x"}`, "no operation"},
		{"unknown path, off-contract, problem answer", "GET", "/nothing", ``, true, 404, problem, `{"status":404,"code":"not_found"}`, ""},
		{"unknown path, off-contract, other answer", "GET", "/nothing", ``, true, 200, json, `{}`, "want 404 or 405"},
		{"unknown path, off-contract, not a problem", "GET", "/nothing", ``, true, 404, problem, `{"status":"404"}`, "not a problem document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			err := v.Check(context.Background(), Exchange{
				Request: r, RequestBody: []byte(tc.body), OffContract: tc.offContract,
				Status: tc.status, Header: tc.header, Body: []byte(tc.answer),
			})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected: %v", err)
			case tc.want != "" && err == nil:
				t.Errorf("passed, want an error with %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %v, want %q in it", err, tc.want)
			}
		})
	}
}
