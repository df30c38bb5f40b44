// Package seed holds the organization loaded by `tawasul seed` and `tawasul
// dev` — the ministry, its sectors and the entities beneficiaries file to —
// and the CSV form in which administrators import and export it.
package seed

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
)

//go:embed entities.csv
var entitiesCSV []byte

// Header is the first line of an entities file.
var Header = []string{"code", "name_ar", "name_en", "kind", "parent"}

// Entities returns the bundled organization.
func Entities() ([]store.Entity, error) {
	return ParseEntities(bytes.NewReader(entitiesCSV))
}

// RowError is one bad line of an entities file: Message for the API and the
// command line, Code (and Arg, the value it names) for a front end that
// writes it in the reader's language.
type RowError struct {
	Line    int
	Code    string // one of the Row* codes
	Arg     string
	Message string
}

// What is wrong with a line.
const (
	RowHeader        = "header"         // Arg: the header expected
	RowUnreadable    = "unreadable"     // not a CSV line of five fields
	RowRequired      = "required"       // code, name_ar or name_en empty
	RowHidden        = "hidden"         // control characters in code or parent
	RowTooLong       = "too_long"       // code over 32 characters
	RowUnknownKind   = "unknown_kind"   // Arg: the kind
	RowTwice         = "twice"          // Arg: the line it first appears on
	RowNoParent      = "no_parent"      // not the ministry, yet no parent
	RowUnknownParent = "unknown_parent" // Arg: the parent
	RowLoop          = "loop"           // Arg: the code the chain loops through
)

// RowErrors lists every bad line, so a whole file is fixed in one pass.
type RowErrors []RowError

func (e RowErrors) Error() string {
	lines := make([]string, len(e))
	for i, r := range e {
		lines[i] = fmt.Sprintf("line %d: %s", r.Line, r.Message)
	}
	return strings.Join(lines, "\n")
}

// ParseEntities reads "code,name_ar,name_en,kind,parent" rows whose parents are
// all in the file.
func ParseEntities(r io.Reader) ([]store.Entity, error) {
	return ParseEntitiesOnto(r, nil)
}

// ParseEntitiesOnto reads an entities file to be merged onto existing: a
// parent may be in the file or already in the organization, and the merged
// hierarchy must stay a tree. Problems come back as RowErrors.
func ParseEntitiesOnto(r io.Reader, existing []store.Entity) ([]store.Entity, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(Header)
	header, err := cr.Read()
	if err != nil {
		return nil, RowErrors{{Line: 1, Code: RowHeader, Arg: strings.Join(Header, ","), Message: "cannot read the header: " + err.Error()}}
	}
	if strings.Join(header, ",") != strings.Join(Header, ",") {
		return nil, RowErrors{{Line: 1, Code: RowHeader, Arg: strings.Join(Header, ","), Message: "the header must be " + strings.Join(Header, ",")}}
	}
	var (
		out   []store.Entity
		lines = map[string]int{}
		bad   = map[string]bool{} // rows already reported: not checked again below
		errs  RowErrors
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			errs = append(errs, RowError{Line: line, Code: RowUnreadable, Message: err.Error()})
			continue
		}
		// Names are free text (normalize.Text); codes are refused, not
		// repaired, when they hold a control character: a code is a key.
		e := store.Entity{Code: strings.TrimSpace(rec[0]), NameAR: normalize.Text(rec[1]), NameEN: normalize.Text(rec[2]),
			Kind: domain.EntityKind(strings.TrimSpace(rec[3])), Parent: strings.TrimSpace(rec[4])}
		before := len(errs)
		switch {
		case e.Code == "" || e.NameAR == "" || e.NameEN == "":
			errs = append(errs, RowError{Line: line, Code: RowRequired, Message: "code, name_ar and name_en are required"})
		case normalize.HasHidden(e.Code) || normalize.HasHidden(e.Parent):
			errs = append(errs, RowError{Line: line, Code: RowHidden, Message: "code and parent must not hold control characters"})
		case len(e.Code) > 32:
			errs = append(errs, RowError{Line: line, Code: RowTooLong, Message: "code is longer than 32 characters"})
		case !e.Kind.Valid():
			errs = append(errs, RowError{Line: line, Code: RowUnknownKind, Arg: string(e.Kind), Message: fmt.Sprintf("unknown kind %q", e.Kind)})
		case lines[e.Code] != 0:
			errs = append(errs, RowError{Line: line, Code: RowTwice, Arg: strconv.Itoa(lines[e.Code]), Message: fmt.Sprintf("code %s appears twice (first on line %d)", e.Code, lines[e.Code])})
		case e.Parent == "" && e.Kind != domain.EntityMinistry:
			errs = append(errs, RowError{Line: line, Code: RowNoParent, Message: "only the ministry has no parent"})
		}
		if len(errs) > before {
			bad[e.Code] = true
		}
		if lines[e.Code] == 0 {
			lines[e.Code] = line
		}
		out = append(out, e)
	}

	// The merged hierarchy: existing entities overlaid by the file's.
	parent := map[string]string{}
	for _, e := range existing {
		parent[e.Code] = e.Parent
	}
	for _, e := range out {
		parent[e.Code] = e.Parent
	}
	for _, e := range out {
		if bad[e.Code] {
			continue
		}
		if e.Parent != "" {
			if _, ok := parent[e.Parent]; !ok {
				errs = append(errs, RowError{Line: lines[e.Code], Code: RowUnknownParent, Arg: e.Parent, Message: fmt.Sprintf("parent %s is neither in the file nor in the organization", e.Parent)})
				continue
			}
		}
		seen := map[string]bool{}
		for c := e.Code; c != ""; c = parent[c] {
			if seen[c] {
				errs = append(errs, RowError{Line: lines[e.Code], Code: RowLoop, Arg: c, Message: fmt.Sprintf("parent chain of %s loops through %s", e.Code, c)})
				break
			}
			seen[c] = true
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// WriteEntities writes es as an entities file (what ParseEntities reads).
func WriteEntities(w io.Writer, es []store.Entity) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for _, e := range es {
		if err := cw.Write([]string{e.Code, e.NameAR, e.NameEN, string(e.Kind), e.Parent}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
