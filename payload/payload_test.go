package payload

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

func key(t *testing.T, id string) Key {
	t.Helper()
	k, err := NewKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func codec(t *testing.T, opts Options) *Codec {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const secret = "1098765432 نورة"

func TestSealsAndOpens(t *testing.T) {
	c := codec(t, Options{Keys: []Key{key(t, "k1")}})
	dc := c.DataConverter()
	p, err := dc.ToPayload(map[string]string{"national_id": secret})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.GetData(), []byte("1098765432")) || string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
		t.Fatalf("not sealed: %v", p)
	}
	var back map[string]string
	if err := dc.FromPayload(p, &back); err != nil || back["national_id"] != secret {
		t.Fatalf("opened %v, %v", back, err)
	}
	// Two seals of the same value differ (random nonce).
	q, _ := dc.ToPayload(map[string]string{"national_id": secret})
	if bytes.Equal(p.GetData(), q.GetData()) {
		t.Fatal("the same value sealed twice gives the same bytes")
	}
}

func TestRotation(t *testing.T) {
	old, fresh := key(t, "old"), key(t, "new")
	sealedOld, err := codec(t, Options{Keys: []Key{old}}).Encode([]*commonpb.Payload{{Data: []byte(secret)}})
	if err != nil {
		t.Fatal(err)
	}
	rotated := codec(t, Options{Keys: []Key{fresh, old}})
	if out, err := rotated.Decode(sealedOld); err != nil || string(out[0].GetData()) != secret {
		t.Fatalf("an old payload after rotation: %v %v", out, err)
	}
	sealedNew, _ := rotated.Encode([]*commonpb.Payload{{Data: []byte(secret)}})
	if id := string(sealedNew[0].GetMetadata()[metaKeyID]); id != "new" {
		t.Fatalf("sealed under %q, want the newest", id)
	}
	// Once the old key is dropped, what it sealed no longer opens.
	if _, err := codec(t, Options{Keys: []Key{fresh}}).Decode(sealedOld); err == nil {
		t.Fatal("opened under a key no longer configured")
	}
}

func TestRefusesWhatItDidNotSeal(t *testing.T) {
	k := key(t, "k1")
	c := codec(t, Options{Keys: []Key{k}})
	plain := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("json/plain")}, Data: []byte(`{"actor":{"id":"x"}}`)}
	if _, err := c.Decode([]*commonpb.Payload{plain}); !errors.Is(err, ErrPlain) {
		t.Fatalf("a plain payload: %v", err)
	}
	if out, err := codec(t, Options{Keys: []Key{k}, AcceptPlain: true}).Decode([]*commonpb.Payload{plain}); err != nil || out[0] != plain {
		t.Fatalf("accepting plain: %v %v", out, err)
	}
	sealed, _ := c.Encode([]*commonpb.Payload{{Data: []byte(secret)}})
	tampered := &commonpb.Payload{Metadata: sealed[0].GetMetadata(), Data: bytes.Clone(sealed[0].GetData())}
	tampered.Data[len(tampered.Data)-1] ^= 1
	if _, err := c.Decode([]*commonpb.Payload{tampered}); err == nil {
		t.Fatal("a tampered payload opened")
	}
	// Relabelled under another configured key: refused, not tried.
	other := key(t, "k2")
	both := codec(t, Options{Keys: []Key{k, other}})
	relabelled := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(Encoding), metaKeyID: []byte("k2")}, Data: sealed[0].GetData()}
	if _, err := both.Decode([]*commonpb.Payload{relabelled}); err == nil {
		t.Fatal("a relabelled payload opened")
	}
	// DecodeEach opens the rest and leaves what it cannot.
	out, failed := c.DecodeEach([]*commonpb.Payload{plain, sealed[0]})
	if failed != 1 || out[0] != plain || string(out[1].GetData()) != secret {
		t.Fatalf("DecodeEach: %d %v", failed, out)
	}
}

func TestOpenHistory(t *testing.T) {
	c := codec(t, Options{Keys: []Key{key(t, "k1")}})
	sealed, _ := c.Encode([]*commonpb.Payload{{Data: []byte(secret)}})
	ev := &historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{
		WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{
			Input: &commonpb.Payloads{Payloads: sealed},
		}}}
	failed, err := c.Open(context.Background(), ev)
	if err != nil || failed != 0 {
		t.Fatal(failed, err)
	}
	if got := string(ev.GetWorkflowExecutionSignaledEventAttributes().GetInput().GetPayloads()[0].GetData()); got != secret {
		t.Fatalf("opened %q", got)
	}
}

func TestKeys(t *testing.T) {
	k := key(t, "k-2026.1")
	keys, err := ParseKeys("# rotated in June\n" + FormatKey(k) + ",\n " + FormatKey(key(t, "k0")) + "\n")
	if err != nil || len(keys) != 2 || keys[0].ID != "k-2026.1" || !bytes.Equal(keys[0].Secret, k.Secret) {
		t.Fatalf("%v %v", keys, err)
	}
	for _, bad := range []string{"nokey", "k1:!!!", "k1:" + strings.Repeat("A", 8), "bad id:" + FormatKey(k)[len("k-2026.1:"):]} {
		_, err := ParseKeys(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), FormatKey(k)[len("k-2026.1:"):]) || strings.Contains(err.Error(), "!!!") {
			t.Errorf("the error shows the key: %v", err)
		}
	}
	if _, err := New(Options{}); err == nil {
		t.Error("no key accepted")
	}
	if _, err := New(Options{Keys: []Key{k, k}}); err == nil {
		t.Error("an id used twice accepted")
	}
	if _, err := New(Options{Keys: []Key{{ID: "short", Secret: make([]byte, 16)}}}); err == nil {
		t.Error("a 16-byte key accepted")
	}
}

// A payload sealed for one workflow opens in that workflow (and in a run
// of a schedule named so) and outside any, never in another; relabelling
// it for another workflow breaks its seal.
func TestBoundToItsWorkflow(t *testing.T) {
	c := codec(t, Options{Keys: []Key{key(t, "k1")}})
	in := func(id string) converter.PayloadCodec {
		return c.WithSerializationContext(converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: id})
	}
	sealed, err := in("ticket-2026-000001").Encode([]*commonpb.Payload{{Data: []byte(secret)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []converter.PayloadCodec{in("ticket-2026-000001"), c,
		c.WithSerializationContext(converter.ActivitySerializationContext{WorkflowID: "ticket-2026-000001"})} {
		if out, err := ok.Decode(sealed); err != nil || string(out[0].GetData()) != secret {
			t.Fatalf("in its own workflow: %v", err)
		}
	}
	for _, other := range []string{"ticket-2026-000002", "ticket-2026-000001-level-1", "ticket-2026-00000"} {
		if _, err := in(other).Decode(sealed); err == nil {
			t.Errorf("opened in %s", other)
		}
	}
	relabelled := &commonpb.Payload{Metadata: map[string][]byte{}, Data: sealed[0].GetData()}
	for k, v := range sealed[0].GetMetadata() {
		relabelled.Metadata[k] = v
	}
	relabelled.Metadata[metaWorkflowID] = []byte("ticket-2026-000002")
	if _, err := in("ticket-2026-000002").Decode([]*commonpb.Payload{relabelled}); err == nil {
		t.Error("a payload relabelled for another workflow opened there")
	}
	scheduled, _ := in("survey-calls").Encode([]*commonpb.Payload{{Data: []byte("{}")}})
	if _, err := in("survey-calls-2026-12-07T05:00:00Z").Decode(scheduled); err != nil {
		t.Errorf("a schedule's run: %v", err)
	}
	if _, err := in("survey-calls-x").Decode(scheduled); err == nil {
		t.Error("opened in a workflow that only starts like the schedule's")
	}
}

// What a failure says (a database error may quote the row) is sealed too,
// and reads back whole.
func TestFailuresAreSealed(t *testing.T) {
	fc := codec(t, Options{Keys: []Key{key(t, "k1")}}).FailureConverter()
	f := fc.ErrorToFailure(temporal.NewApplicationError("duplicate key: national_id="+secret, "Store", secret))
	if strings.Contains(f.GetMessage(), "1098765432") || strings.Contains(f.GetStackTrace(), "1098765432") ||
		bytes.Contains(f.GetEncodedAttributes().GetData(), []byte("1098765432")) ||
		bytes.Contains(f.GetApplicationFailureInfo().GetDetails().GetPayloads()[0].GetData(), []byte("1098765432")) {
		t.Fatalf("a failure in clear: %v", f)
	}
	err := fc.FailureToError(f)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !strings.Contains(app.Error(), secret) || app.Type() != "Store" {
		t.Fatalf("read back: %v", err)
	}
}
