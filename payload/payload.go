// Package payload seals what Tawasul hands to Temporal. Workflow inputs,
// results, signals, updates and activity arguments carry the beneficiary's
// name, national ID, mobile and e-mail; Temporal keeps them in its database,
// its backups and shows them in its Web UI. The Codec encrypts every payload
// with AES-256-GCM before it leaves the process, so Temporal holds only
// ciphertext, and decrypts it on the way back.
//
// Keys have ids and are kept newest first: new payloads are sealed under the
// newest, old ones open under whichever key sealed them, so a key is rotated
// by putting a new one in front and retired once no open history needs it.
// Keys come from configuration or files, never from the database.
//
// Each payload is also bound to the workflow it is sealed for (the SDK's
// serialization context), so a sealed signal copied from one ticket's
// history opens in no other ticket; and an unsealed payload is refused, so
// one forged at the frontend without a key is dropped.
package payload

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

const (
	// Encoding marks a sealed payload (the name Temporal's samples use, so
	// its tools recognise it).
	Encoding = "binary/encrypted"
	// metaKeyID names the key that sealed a payload.
	metaKeyID = "encryption-key-id"
	// metaWorkflowID names the workflow a payload was sealed for.
	metaWorkflowID = "tawasul-workflow-id"
)

// ErrPlain is a payload that was not sealed. Every payload Tawasul writes is
// sealed, so an unsealed one was written by someone else: a signal or update
// sent straight to the Temporal frontend, with whatever actor its author
// chose. It is refused unless the codec accepts plain payloads (migration).
var ErrPlain = errors.New("payload is not sealed by Tawasul")

// Key is one AES-256 key and the id written next to what it seals.
type Key struct {
	ID     string
	Secret []byte
}

// Codec is a converter.PayloadCodec that seals with AES-256-GCM.
type Codec struct {
	newest string
	aeads  map[string]cipher.AEAD
	// acceptPlain lets unsealed payloads through on decode (histories
	// written before the codec, while they are still open).
	acceptPlain bool
	// workflowID is the workflow the SDK is sealing for or opening in
	// (its serialization context); "" outside one.
	workflowID string
}

var (
	_ converter.PayloadCodec                         = (*Codec)(nil)
	_ converter.PayloadCodecWithSerializationContext = (*Codec)(nil)
)

// WithSerializationContext binds the codec to the workflow the SDK names:
// what it seals is bound to that workflow id (in the metadata and the
// authenticated data), and what it opens must have been sealed for it. A
// sealed signal or update copied from one ticket's history and sent to
// another ticket so no longer opens there.
func (c *Codec) WithSerializationContext(sc converter.SerializationContext) converter.PayloadCodec {
	var id string
	switch sc := sc.(type) {
	case converter.WorkflowSerializationContext:
		id = sc.WorkflowID
	case converter.ActivitySerializationContext:
		id = sc.WorkflowID
	}
	if id == c.workflowID {
		return c
	}
	bound := *c
	bound.workflowID = id
	return &bound
}

// Options configure a Codec.
type Options struct {
	// Keys, newest first; the first seals, all open.
	Keys []Key
	// AcceptPlain lets unsealed payloads decode as they are. Only while
	// workflows started before the codec are still open: it also lets a
	// forged signal through.
	AcceptPlain bool
}

// New checks the keys: at least one, each 32 bytes under a distinct,
// non-empty id.
func New(opts Options) (*Codec, error) {
	if len(opts.Keys) == 0 {
		return nil, errors.New("payload: no key")
	}
	c := &Codec{newest: opts.Keys[0].ID, aeads: make(map[string]cipher.AEAD, len(opts.Keys)), acceptPlain: opts.AcceptPlain}
	for i, k := range opts.Keys {
		if err := checkID(k.ID); err != nil {
			return nil, fmt.Errorf("payload key %d: %w", i+1, err)
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("payload key %q: %d bytes, want %d", k.ID, len(k.Secret), KeySize)
		}
		if _, dup := c.aeads[k.ID]; dup {
			return nil, fmt.Errorf("payload key %q: id used twice", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("payload key %q: %w", k.ID, err)
		}
		if c.aeads[k.ID], err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("payload key %q: %w", k.ID, err)
		}
	}
	return c, nil
}

func checkID(id string) error {
	if id == "" {
		return errors.New("empty id")
	}
	if strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) >= 0 {
		return fmt.Errorf("id %q: only letters, digits, '-', '_' and '.'", id)
	}
	return nil
}

// NewestKeyID is the id new payloads are sealed under.
func (c *Codec) NewestKeyID() string { return c.newest }

// aad binds the ciphertext to its key id, so a payload relabelled with
// another id fails to open instead of being tried under the wrong key, and
// to the workflow it was sealed for ("" none), so that cannot be relabelled.
func aad(id, workflowID string) []byte {
	return []byte("tawasul-payload/v1:" + id + "\x00" + workflowID)
}

// Encode seals each payload (all of it: metadata and data) under the newest key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.newest]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("sealing a payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("sealing a payload: %w", err)
		}
		meta := map[string][]byte{
			converter.MetadataEncoding: []byte(Encoding),
			metaKeyID:                  []byte(c.newest),
		}
		if c.workflowID != "" {
			meta[metaWorkflowID] = []byte(c.workflowID)
		}
		out[i] = &commonpb.Payload{Metadata: meta, Data: aead.Seal(nonce, nonce, plain, aad(c.newest, c.workflowID))}
	}
	return out, nil
}

// Decode opens each sealed payload under the key it names. An unsealed
// payload is ErrPlain unless the codec accepts plain payloads; a payload
// under an unknown key or that fails authentication is an error: nothing
// forged or damaged is ever handed on.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		d, err := c.open(p)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// DecodeEach opens what it can and leaves the rest as it is, reporting how
// many it could not open: for showing a history, where one forged or
// foreign payload must not hide every other event.
func (c *Codec) DecodeEach(payloads []*commonpb.Payload) ([]*commonpb.Payload, int) {
	out := make([]*commonpb.Payload, len(payloads))
	failed := 0
	for i, p := range payloads {
		d, err := c.open(p)
		if err != nil {
			d = p
			failed++
		}
		out[i] = d
	}
	return out, failed
}

func (c *Codec) open(p *commonpb.Payload) (*commonpb.Payload, error) {
	if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
		if c.acceptPlain {
			return p, nil
		}
		return nil, ErrPlain
	}
	id := string(p.GetMetadata()[metaKeyID])
	bound := string(p.GetMetadata()[metaWorkflowID])
	if bound != "" && c.workflowID != "" && !sameWorkflow(bound, c.workflowID) {
		return nil, fmt.Errorf("payload sealed for workflow %q opened in %q", bound, c.workflowID)
	}
	aead, ok := c.aeads[id]
	if !ok {
		return nil, fmt.Errorf("payload sealed under key %q, which is not configured", id)
	}
	data := p.GetData()
	if len(data) < aead.NonceSize() {
		return nil, errors.New("sealed payload too short")
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], aad(id, bound))
	if err != nil {
		return nil, fmt.Errorf("sealed payload under key %q does not authenticate: %w", id, err)
	}
	var out commonpb.Payload
	if err := proto.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("sealed payload under key %q: %w", id, err)
	}
	return &out, nil
}

// sameWorkflow: a payload sealed for workflow bound may open in workflow
// running. Beyond the same id, a schedule's action is sealed for the id the
// schedule names and runs as that id with the scheduled time appended
// ("survey-calls-2026-12-07T05:00:00Z").
func sameWorkflow(bound, running string) bool {
	if bound == running {
		return true
	}
	at, ok := strings.CutPrefix(running, bound+"-")
	if !ok {
		return false
	}
	_, err := time.Parse(time.RFC3339, at)
	return err == nil
}

// DataConverter is Temporal's default converter with this codec under it:
// what every Tawasul client and worker uses.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter seals what a failure says as well: an error's message
// and stack trace (a database error may quote a row) travel as sealed
// encoded attributes, not in the failure's plain message field.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: c.DataConverter(), EncodeCommonAttributes: true,
	})
}

// ParseKeys reads keys written "id:base64", separated by commas or lines,
// newest first; blank lines and lines starting with '#' are skipped (a key
// file may carry comments).
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for n, field := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		field = strings.TrimSpace(field)
		if field == "" || strings.HasPrefix(field, "#") {
			continue
		}
		id, b64, ok := strings.Cut(field, ":")
		if !ok {
			// The message names the entry, never its text: it may be a key.
			return nil, fmt.Errorf("payload key entry %d: want id:base64-key", n+1)
		}
		id = strings.TrimSpace(id)
		secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("payload key %q: not base64", id)
		}
		if err := checkID(id); err != nil {
			return nil, fmt.Errorf("payload key entry %d: %w", n+1, err)
		}
		if len(secret) != KeySize {
			return nil, fmt.Errorf("payload key %q: %d bytes, want %d", id, len(secret), KeySize)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return keys, nil
}

// FormatKey writes a key the way ParseKeys reads it.
func FormatKey(k Key) string { return k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret) }

// NewKey draws a random key under id.
func NewKey(id string) (Key, error) {
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("drawing a payload key: %w", err)
	}
	return Key{ID: id, Secret: secret}, nil
}

// Open replaces, in place, every sealed payload inside msgs (history events,
// say) with what it seals, and reports how many it could not open, left as
// Temporal holds them: one forged or foreign payload hides no other.
// Search attributes are never sealed and are left alone.
func (c *Codec) Open(ctx context.Context, msgs ...proto.Message) (failed int, err error) {
	opts := proxy.VisitPayloadsOptions{
		SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			out, n := c.DecodeEach(ps)
			failed += n
			return out, nil
		},
	}
	for _, m := range msgs {
		if err := proxy.VisitPayloads(ctx, m, opts); err != nil {
			return failed, fmt.Errorf("opening payloads: %w", err)
		}
	}
	return failed, nil
}
