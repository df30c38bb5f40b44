package seed

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
)

//go:embed faq.yaml
var faqYAML []byte

// faqRow is one entry of a FAQ file; Active is a pointer so a missing
// "active" means true.
type faqRow struct {
	QuestionAR string `yaml:"question_ar"`
	AnswerAR   string `yaml:"answer_ar"`
	QuestionEN string `yaml:"question_en"`
	AnswerEN   string `yaml:"answer_en"`
	Category   string `yaml:"category"`
	Reference  string `yaml:"reference"`
	ReviewedOn string `yaml:"reviewed_on"`
	Active     *bool  `yaml:"active"`
}

// FAQ returns the bundled demo FAQ bank (faq.yaml).
func FAQ() ([]store.FAQContent, error) {
	return ParseFAQ(bytes.NewReader(faqYAML))
}

// ParseFAQ reads a FAQ file: a YAML list of entries. Unknown keys are
// errors, so a misspelt field is not silently dropped; every bad entry is
// reported with the line it starts on.
func ParseFAQ(r io.Reader) ([]store.FAQContent, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("seed: read FAQ file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	var rows []faqRow
	if err := dec.Decode(&rows); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("seed: FAQ file: %w", err)
	}
	// The same document as nodes, for the line each entry starts on.
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("seed: FAQ file: %w", err)
	}
	line := func(i int) int {
		if len(doc.Content) == 1 && i < len(doc.Content[0].Content) {
			return doc.Content[0].Content[i].Line
		}
		return 0
	}
	var (
		out  []store.FAQContent
		errs RowErrors
	)
	for i, row := range rows {
		c := store.FAQContent{
			QuestionAR: normalize.Text(row.QuestionAR), AnswerAR: normalize.Text(row.AnswerAR),
			QuestionEN: normalize.Text(row.QuestionEN), AnswerEN: normalize.Text(row.AnswerEN),
			Category: row.Category, Reference: normalize.Text(row.Reference), ReviewedOn: row.ReviewedOn,
			Active: row.Active == nil || *row.Active,
		}
		bad := func(msg string) { errs = append(errs, RowError{Line: line(i), Message: msg}) }
		_, dateErr := time.Parse(time.DateOnly, c.ReviewedOn)
		switch {
		case c.QuestionAR == "" || c.AnswerAR == "":
			bad("question_ar and answer_ar are required")
		case (c.QuestionEN == "") != (c.AnswerEN == ""):
			bad("question_en and answer_en go together")
		case !store.ValidFAQCategory(c.Category):
			bad(fmt.Sprintf("category %q is not a code of a-z, 0-9, _ and -", c.Category))
		case dateErr != nil:
			bad(fmt.Sprintf("reviewed_on %q is not a date YYYY-MM-DD", c.ReviewedOn))
		}
		out = append(out, c)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}
