package loadgen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"

	"github.com/tawasul/tawasul/domain"
)

// Entity is what the generator needs of an entity of the organization (the
// shape of GET /api/v1/entities).
type Entity struct {
	Code   string            `json:"code"`
	Kind   domain.EntityKind `json:"kind"`
	Parent string            `json:"parent,omitempty"`
}

// TicketBody is the intake request, spelled as api/openapi.yaml has it.
type TicketBody struct {
	Kind        domain.Kind     `json:"kind"`
	Channel     domain.Channel  `json:"channel"`
	Priority    domain.Priority `json:"priority"`
	Subject     string          `json:"subject"`
	Description string          `json:"description"`
	Entity      string          `json:"entity"`
	Beneficiary Beneficiary     `json:"beneficiary"`
}

type Beneficiary struct {
	Name        string                 `json:"name"`
	NationalID  string                 `json:"national_id"`
	Mobile      string                 `json:"mobile"`
	Email       string                 `json:"email,omitempty"`
	Type        domain.BeneficiaryType `json:"type"`
	Gender      domain.Gender          `json:"gender,omitempty"`
	Nationality domain.Nationality     `json:"nationality,omitempty"`
}

// Request is one filing: the body, its Idempotency-Key and the marker its
// subject carries, by which the end check finds this run's rows.
type Request struct {
	Seq    int
	Key    string
	Marker string
	Body   TicketBody
}

// Generator makes the requests of one run. Request i depends only on the
// seed and i, never on which worker asks or when, so a run is reproducible at
// any concurrency; the run id only names the markers and keys, so two runs
// with one seed send the same tickets without being mistaken for retries.
type Generator struct {
	seed   uint64
	run    string
	mix    Mix
	all    []Entity
	groups map[domain.BeneficiaryType][]weightedEntities
}

type weightedEntities struct {
	weight   float64
	entities []Entity
}

// NewGenerator needs at least one entity other than the ministry root
// (tickets go to the entities that serve beneficiaries, not to the root).
func NewGenerator(seed uint64, runID string, mix Mix, entities []Entity) (*Generator, error) {
	if !runIDPattern.MatchString(runID) {
		return nil, fmt.Errorf("loadgen: run id %q: want 1-16 lower-case letters or digits", runID)
	}
	g := &Generator{seed: seed, run: runID, mix: mix, groups: map[domain.BeneficiaryType][]weightedEntities{}}
	for _, e := range entities {
		if e.Kind != domain.EntityMinistry {
			g.all = append(g.all, e)
		}
	}
	if len(g.all) == 0 {
		return nil, errors.New("loadgen: the organization has no entity to file tickets to")
	}
	for bt, groups := range affinity {
		for _, grp := range groups {
			var es []Entity
			for _, e := range g.all {
				if grp.match(e) {
					es = append(es, e)
				}
			}
			if len(es) > 0 {
				g.groups[bt] = append(g.groups[bt], weightedEntities{grp.weight, es})
			}
		}
	}
	return g, nil
}

var runIDPattern = regexp.MustCompile(`^[0-9a-z]{1,16}$`)

// RunID names this run in markers and keys.
func (g *Generator) RunID() string { return g.run }

// Entities are those tickets may be filed to.
func (g *Generator) Entities() []Entity { return g.all }

func (g *Generator) rng(stream, seq uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^stream, seq*0x9E3779B97F4A7C15+1))
}

// Streams keep the draws of a ticket's body apart from its fate, so choosing
// a lifecycle does not change what is filed.
const (
	streamBody uint64 = 0x6c6f616467656e31
	streamFate uint64 = 0x6c6f616467656e32
)

// Request builds filing number seq (0-based).
func (g *Generator) Request(seq int) Request {
	r := g.rng(streamBody, uint64(seq))
	m := g.mix
	bt := m.Types.Pick(r)
	kind := m.Kinds.Pick(r)
	tp := pick(r, topics[bt])
	b := Beneficiary{Type: bt, Nationality: m.Nationality.Pick(r)}
	if bt == domain.BeneficiaryCompany {
		b.Name = companyFullName(r)
	} else {
		b.Gender = m.Genders.Pick(r)
		b.Name = personName(r, b.Gender)
	}
	b.NationalID = nationalID(r, b.Nationality)
	b.Mobile = mobile(r)
	if r.Float64() < m.EmailShare {
		b.Email = fmt.Sprintf("user%07d@%s", r.IntN(10_000_000), pick(r, []string{"example.com", "example.net", "example.org"}))
	}
	marker := g.Marker(seq)
	return Request{
		Seq:    seq,
		Key:    marker,
		Marker: marker,
		Body: TicketBody{
			Kind:        kind,
			Channel:     m.Channels.Pick(r),
			Priority:    m.Priorities.Pick(r),
			Subject:     subjectFor(kind, tp) + " [" + marker + "]",
			Description: descriptionFor(r, kind, bt, tp),
			Entity:      g.entityFor(r, bt).Code,
			Beneficiary: b,
		},
	}
}

func (g *Generator) entityFor(r *rand.Rand, bt domain.BeneficiaryType) Entity {
	groups := g.groups[bt]
	if len(groups) == 0 {
		return pick(r, g.all)
	}
	total := 0.0
	for _, grp := range groups {
		total += grp.weight
	}
	x := r.Float64() * total
	for _, grp := range groups {
		if x < grp.weight {
			return pick(r, grp.entities)
		}
		x -= grp.weight
	}
	return pick(r, groups[len(groups)-1].entities)
}

// Marker is the tag filing seq carries in its subject ("lg-<run>-<seq>").
func (g *Generator) Marker(seq int) string { return fmt.Sprintf("lg-%s-%06d", g.run, seq) }

var markerPattern = regexp.MustCompile(`\[lg-([0-9a-z]{1,16})-([0-9]{6,})\]`)

// ParseMarker finds the run and sequence in a subject; ok is false when it
// carries no marker.
func ParseMarker(subject string) (run string, seq int, ok bool) {
	m := markerPattern.FindStringSubmatch(subject)
	if m == nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, false
	}
	return m[1], n, true
}

// Fate is what happens to a ticket after filing in the lifecycle mode.
type Fate string

const (
	// FateAnswered: answered once; it closes when the objection window passes.
	FateAnswered Fate = "answered"
	// FateObjected: answered, objected, answered again on review: closed.
	FateObjected Fate = "objected"
	// FateWithdrawn: withdrawn by the beneficiary before any answer.
	FateWithdrawn Fate = "withdrawn"
)

// Fate draws ticket seq's lifecycle from the given shares (0..1).
func (g *Generator) Fate(seq int, objected, withdrawn float64) Fate {
	x := g.rng(streamFate, uint64(seq)).Float64()
	switch {
	case x < withdrawn:
		return FateWithdrawn
	case x < withdrawn+objected:
		return FateObjected
	}
	return FateAnswered
}

// Text draws what staff or the beneficiary write for an action on ticket seq.
func (g *Generator) Text(seq int, pool []string) string {
	return pick(g.rng(streamFate+1, uint64(seq)), pool)
}

// nationalID makes a valid Saudi ID: 1 for citizens, 2 for residents, eight
// random digits, and the Luhn check digit the API verifies.
func nationalID(r *rand.Rand, n domain.Nationality) string {
	d := make([]byte, 10)
	d[0] = '1'
	if n == domain.NationalityResident {
		d[0] = '2'
	}
	for i := 1; i < 9; i++ {
		d[i] = byte('0' + r.IntN(10))
	}
	sum := 0
	for i := 0; i < 9; i++ {
		v := int(d[i] - '0')
		if i%2 == 0 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	d[9] = byte('0' + (10-sum%10)%10)
	return string(d)
}

// mobile is a Saudi mobile number as people type it (05XXXXXXXX).
func mobile(r *rand.Rand) string {
	return fmt.Sprintf("05%s%07d", pick(r, []string{"0", "3", "4", "5", "6", "8", "9"}), r.IntN(10_000_000))
}
