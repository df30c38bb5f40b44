// Package seed holds the organization loaded by `tawasul seed` and `tawasul
// dev`: the ministry, its sectors and the entities beneficiaries file to.
package seed

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

//go:embed entities.csv
var entitiesCSV []byte

// Entities returns the bundled organization.
func Entities() ([]store.Entity, error) {
	return ParseEntities(bytes.NewReader(entitiesCSV))
}

// ParseEntities reads "code,name_ar,name_en,kind,parent" rows; every bad row is
// reported with its line so a whole file can be fixed in one pass.
func ParseEntities(r io.Reader) ([]store.Entity, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 5
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading entities header: %w", err)
	}
	if fmt.Sprint(header) != "[code name_ar name_en kind parent]" {
		return nil, fmt.Errorf("entities header must be code,name_ar,name_en,kind,parent; got %v", header)
	}
	var (
		out  []store.Entity
		errs []error
		seen = map[string]bool{}
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", line, err))
			continue
		}
		e := store.Entity{Code: rec[0], NameAR: rec[1], NameEN: rec[2], Kind: domain.EntityKind(rec[3]), Parent: rec[4]}
		switch {
		case e.Code == "" || e.NameAR == "" || e.NameEN == "":
			errs = append(errs, fmt.Errorf("line %d: code, name_ar and name_en are required", line))
		case !e.Kind.Valid():
			errs = append(errs, fmt.Errorf("line %d: unknown kind %q", line, e.Kind))
		case seen[e.Code]:
			errs = append(errs, fmt.Errorf("line %d: code %s appears twice", line, e.Code))
		}
		seen[e.Code] = true
		out = append(out, e)
	}
	for _, e := range out {
		if e.Parent != "" && !seen[e.Parent] {
			errs = append(errs, fmt.Errorf("entity %s: parent %s is not in the file", e.Code, e.Parent))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
