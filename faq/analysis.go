package faq

import (
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	regexpfilter "github.com/blevesearch/bleve/v2/analysis/char/regexp"
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/token/unicodenorm"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
)

// The Arabic analysis is bleve's own "ar" analyzer (a port of Lucene's
// ArabicAnalyzer), rebuilt from its parts so two gaps found in it can be
// filled with bleve's own filters (faq_test.go proves each gap, and that
// everything else stays exactly what "ar" produces):
//
// bleve's normalize_ar already folds alef with hamza above or below and alef
// madda to bare alef, taa marbuta to haa, alef maqsura to yaa, removes the
// eight harakat (fathatan … sukun) and tatweel; stemmer_ar strips one of the
// prefixes ال وال بال كال فال لل و and the suffixes ها ان ات ون ين يه ية ه ة ي
// (light stemming; broken plurals such as طالب/طلاب stay apart).
//
// Gap 1: stop_ar runs before normalize_ar against an unnormalized list, so a
// stop word typed with diacritics or another alef or yaa (عَلَى، الى) survives
// as a term ("عل") that matches unrelated entries. Here the stop list is
// applied after normalize_ar, over bleve's list passed through normalize_ar.
//
// Gap 2: the superscript (dagger) alef U+0670 is a diacritic normalize_ar
// does not remove, and alef wasla U+0671 an alef form it does not fold; two
// regexp char filters do both before tokenizing.
const (
	analyzerArabic  = "tawasul_ar"
	analyzerEnglish = en.AnalyzerName

	charDaggerAlef = "tawasul_ar_dagger_alef"
	charAlefWasla  = "tawasul_ar_alef_wasla"
	nfkc           = "tawasul_nfkc"
	foldedStopMap  = "tawasul_ar_stop_words_folded"
	foldedStop     = "tawasul_ar_stop_folded"
)

// Field names of the indexed document.
const (
	fieldQuestionAR = "question_ar"
	fieldAnswerAR   = "answer_ar"
	fieldQuestionEN = "question_en"
	fieldAnswerEN   = "answer_en"
)

// foldedStopWords is bleve's Arabic stop list as normalize_ar leaves it.
func foldedStopWords() ([]any, error) {
	words := analysis.NewTokenMap()
	if err := words.LoadBytes(ar.ArabicStopWords); err != nil {
		return nil, fmt.Errorf("faq: read bleve's Arabic stop words: %w", err)
	}
	stream := make(analysis.TokenStream, 0, len(words))
	for w := range words {
		stream = append(stream, &analysis.Token{Term: []byte(w)})
	}
	var folded []string
	for _, tok := range ar.NewArabicNormalizeFilter().Filter(stream) {
		folded = append(folded, string(tok.Term))
	}
	// Sorted: map order would make the mapping differ from build to build.
	slices.Sort(folded)
	folded = slices.Compact(folded)
	out := make([]any, len(folded))
	for i, w := range folded {
		out[i] = w
	}
	return out, nil
}

// newMapping is the index mapping: the Arabic fields under analyzerArabic,
// the English ones under bleve's "en"; nothing stored (hits are read back
// from the entries the index keeps), nothing else indexed.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	stopWords, err := foldedStopWords()
	if err != nil {
		return nil, err
	}
	for _, step := range []struct {
		what string
		add  func() error
	}{
		{"dagger alef filter", func() error {
			return m.AddCustomCharFilter(charDaggerAlef, map[string]any{"type": regexpfilter.Name, "regexp": "\u0670", "replace": ""})
		}},
		{"alef wasla filter", func() error {
			return m.AddCustomCharFilter(charAlefWasla, map[string]any{"type": regexpfilter.Name, "regexp": "\u0671", "replace": "\u0627"})
		}},
		{"NFKC filter", func() error {
			return m.AddCustomTokenFilter(nfkc, map[string]any{"type": unicodenorm.Name, "form": unicodenorm.NFKC})
		}},
		{"folded stop words", func() error {
			return m.AddCustomTokenMap(foldedStopMap, map[string]any{"type": tokenmap.Name, "tokens": stopWords})
		}},
		{"folded stop filter", func() error {
			return m.AddCustomTokenFilter(foldedStop, map[string]any{"type": stop.Name, "stop_token_map": foldedStopMap})
		}},
		{"Arabic analyzer", func() error {
			return m.AddCustomAnalyzer(analyzerArabic, map[string]any{
				"type":         custom.Name,
				"char_filters": []string{charDaggerAlef, charAlefWasla},
				"tokenizer":    unicode.Name,
				// bleve's "ar" chain, with stop_ar moved after normalize_ar.
				"token_filters": []string{lowercase.Name, nfkc, ar.NormalizeName, foldedStop, ar.StemmerName},
			})
		}},
	} {
		if err := step.add(); err != nil {
			return nil, fmt.Errorf("faq: index mapping: %s: %w", step.what, err)
		}
	}

	text := func(analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldQuestionAR, text(analyzerArabic))
	doc.AddFieldMappingsAt(fieldAnswerAR, text(analyzerArabic))
	doc.AddFieldMappingsAt(fieldQuestionEN, text(analyzerEnglish))
	doc.AddFieldMappingsAt(fieldAnswerEN, text(analyzerEnglish))
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerArabic
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("faq: index mapping: %w", err)
	}
	return m, nil
}
