package apptheory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzzing: `go test -fuzz FuzzHandleLambda ./apptheory` (and FuzzParseEventJSON, FuzzEventSlots,
// FuzzDecodeJSON, FuzzCanonicalJSON); the seeds below run on every `go test`.

var fuzzSeeds = []string{
	`{"requestContext":{"routeKey":"$default","eventType":"MESSAGE","connectionId":"c1","requestId":"r1","domainName":"a.execute-api.us-east-1.amazonaws.com","stage":"dev","connectedAt":1795675238012,"identity":{"sourceIp":"1.2.3.4","userAgent":"ua"}},"body":"{\"a\":1}","isBase64Encoded":false}`,
	`{"requestContext":{"routeKey":"$connect","eventType":"CONNECT","connectionId":"c1"},"headers":{"Host":"x","host":"y"},"multiValueHeaders":{"Host":["x"]},"queryStringParameters":{"t":"1"}}`,
	`{"requestContext":{"routeKey":"$disconnect","connectionId":"c1","disconnectStatusCode":1001,"disconnectReason":"bye"}}`,
	`{"requestContext":{"routeKey":"$default","connectionId":"c1"},"body":"AAEC/w==","isBase64Encoded":true}`,
	`{"requestContext":{"routeKey":"$default","connectionId":"c1"},"body":"AAEC/w=","isBase64Encoded":true}`,
	`{"requestContext":{"routeKey":"$default","connectionId":"c1","authorizer":{"a":[1,2.5,{"b":null}],"c":"\ud800"}}}`,
	`{"requestContext":{"routeKey":5,"connectionId":"c1"}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1","identity":"nope"}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1","connectedAt":1e400}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1","connectedAt":-0.0005}}`,
	`{"requestContext":{"routeKey":"x","connectionId":" "}}`,
	`{"requestContext":{"connectionId":"c1"}}`,
	`{"requestContext":[]}`,
	`[[[[[[[[[[[[[[[[[[[[`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1"},"path":"/chat/","body":"\u2028"}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1","domainName":"ws.example.com","apiId":"a1"}}`,
	`"\uDC00\uD800"`,
	`"\ud800\u0041"`,
	`"x\udbff"`,
	`"\ud800\ud800\udc00"`,
	`{"\ud83d\ude00":"\ud83d\ude00","\uffff":1,"\ud800":[1e400]}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1"},"body":"{\"k\":\"\\ud800\",\"n\":1.0}"}`,
	`-0.0e-0`,
	`{"a":1,"a":2}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1","authorizer":true}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1","authorizer":"\u00e9t\u00e9"}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1","authorizer":-1.5e3}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1","identity":{"sourceIp":"1"}},"requestContext":{"routeKey":"y","connectionId":"c2"}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1"},"requestContext":null}`,
	`{"requestContext":{"routeKey":"x","conn\u0065ctionId":"c1","connectionId":5,"connectionId":"c3"}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1"},"headers":{"A":"1","a":"2","A":"3"},"multiValueHeaders":{"B":["1"],"b":["2"],"B":["3","4"]}}`,
	`{"requestContext":{"routeKey":"x","connectionId":"c1"},"body":"\ud800\u00e9\ud83d\ude00","isBase64Encoded":false,"isBase64Encoded":true}`,
	`{"a":{"b":[1e400]},"a":1}`,
	`{"a":1e400,"a":1}`,
	"{\"requestContext\":{\"routeKey\":\"\xff\xfe\",\"connectionId\":\"caf\xc3\xa9 \xe2\x80\xa8\"}}",
	"\xff\xfe",
	``,
}

func FuzzHandleLambda(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	app := New(WithWebSocketSupport(), WithLogWriter(discard{}))
	app.SetDefaultHandler(func(c *Context) (any, error) {
		ws, err := c.AsWebSocket()
		if err != nil {
			return nil, err
		}
		_, _ = ws.Text()
		var v any
		_ = ws.JSON(&v)
		return map[string]any{"route": ws.RouteKey(), "authorizer": ws.Authorizer(), "headers": ws.Headers(),
			"endpoint": ws.ManagementEndpoint(), "body": v}, nil
	})
	f.Fuzz(func(t *testing.T, event []byte) {
		proxy, err := app.HandleLambda(context.Background(), json.RawMessage(event))
		if err != nil {
			var unknown *UnknownEventError
			if !errors.As(err, &unknown) {
				t.Fatalf("an error other than UnknownEventError: %v", err)
			}
			return
		}
		if proxy.StatusCode < 100 || proxy.StatusCode > 599 || proxy.Headers == nil || proxy.MultiValueHeaders == nil {
			t.Fatalf("malformed proxy response %+v", proxy)
		}
		if strings.HasPrefix(proxy.Headers["content-type"], "application/json") && !json.Valid([]byte(proxy.Body)) {
			t.Fatalf("JSON response body is not JSON: %q", proxy.Body)
		}
		if proxy.StatusCode != 200 && proxy.StatusCode != 400 && proxy.StatusCode != 500 {
			t.Fatalf("unexpected status %d: %s", proxy.StatusCode, proxy.Body)
		}
	})
}

// FuzzParseEventJSON: the event parser accepts exactly the documents encoding/json accepts.
func FuzzParseEventJSON(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parseEventJSON(data)
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("json.Valid=%v but parseEventJSON error=%v for %q", valid, err, data)
		}
	})
}

// FuzzCanonicalJSON: whatever the event parser reads (unless a number is beyond float64's range),
// its strings are UTF-8 (a lone surrogate escape is one U+FFFD), and the canonical encoding of the
// value is valid JSON that encodes to itself again.
func FuzzCanonicalJSON(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := parseEventJSON(data)
		if err != nil || !utf8.Valid(data) {
			return
		}
		value, err := floatJSON(tree)
		if err != nil {
			if !errors.Is(err, errNumberOutOfRange) {
				t.Fatalf("floatJSON failed for %q: %v", data, err)
			}
			return
		}
		out, err := EncodeJSON(value)
		if err != nil {
			t.Fatalf("EncodeJSON failed for %q: %v", data, err)
		}
		if !utf8.Valid(out) || !json.Valid(out) {
			t.Fatalf("canonical output is not UTF-8 JSON: %q", out)
		}
		again, err := parseEventJSON(out)
		if err != nil {
			t.Fatal(err)
		}
		value2, err := floatJSON(again)
		if err != nil {
			t.Fatal(err)
		}
		if out2, err := EncodeJSON(value2); err != nil || string(out2) != string(out) {
			t.Fatalf("not a fixed point: %q -> %q (%v)", out, out2, err)
		}
	})
}

// FuzzEventSlots: the event parser accepts what the tree parser accepts, and every slot holds the
// value the tree has at the slot's path (the last value of a repeated key, nothing inside a
// container that is not an object), read the way loadEvent reads it.
func FuzzEventSlots(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, treeErr := parseEventJSON(data)
		p, isObject, err := parseEvent(data)
		defer p.release()
		if (err == nil) != (treeErr == nil) {
			t.Fatalf("parseEvent error %v, tree error %v for %q", err, treeErr, data)
		}
		if err != nil {
			return
		}
		if isObject != (tree.kind == jsonObjectKind) {
			t.Fatalf("isObject %v for %q", isObject, data)
		}
		for slot, path := range eventSlotPaths {
			want, present := treeAt(tree, path)
			got := p.get(slot)
			if got.present != present {
				t.Fatalf("slot %v: present %v, tree %v, in %q", path, got.present, present, data)
			}
			sameValue(t, fmt.Sprint(path), got, want, data)
		}
	})
}

// treeAt is the value at path and whether it is there (every container on the way an object).
func treeAt(v jsonValue, path []string) (jsonValue, bool) {
	for _, key := range path {
		if v.kind != jsonObjectKind {
			return jsonValue{}, false
		}
		var ok bool
		if v, ok = v.obj.lookup(key); !ok {
			return jsonValue{}, false
		}
	}
	return v, true
}

func sameValue(t *testing.T, where string, got eventValue, want jsonValue, data []byte) {
	t.Helper()
	if got.kind != want.kind {
		t.Fatalf("%s: kind %v, tree %v, in %q", where, got.kind, want.kind, data)
	}
	switch got.kind {
	case jsonBool:
		if got.b != want.b {
			t.Fatalf("%s: %v, tree %v, in %q", where, got.b, want.b, data)
		}
	case jsonString:
		if got.str() != want.s || string(got.bytes()) != want.s {
			t.Fatalf("%s: %q, tree %q, in %q", where, got.str(), want.s, data)
		}
	case jsonNumberKind:
		if got.number() != want.s {
			t.Fatalf("%s: %q, tree %q, in %q", where, got.number(), want.s, data)
		}
	case jsonArray:
		var items []eventValue
		got.eachItem(func(item eventValue) bool { items = append(items, item); return true })
		if len(items) != len(want.arr) {
			t.Fatalf("%s: %d items, tree %d, in %q", where, len(items), len(want.arr), data)
		}
		for i, item := range items {
			sameValue(t, fmt.Sprintf("%s[%d]", where, i), item, want.arr[i], data)
		}
	case jsonObjectKind:
		members := dedup(got.members(nil))
		if len(members) != len(want.obj.members) {
			t.Fatalf("%s: %d members, tree %d, in %q", where, len(members), len(want.obj.members), data)
		}
		for i, m := range members {
			if m.key != want.obj.members[i].key {
				t.Fatalf("%s: member %d is %q, tree %q, in %q", where, i, m.key, want.obj.members[i].key, data)
			}
			sameValue(t, where+"."+m.key, eventValue{rawValue: m.value, p: got.p}, want.obj.members[i].value, data)
		}
	}
	if plain := decodePlainJSON(got); !reflect.DeepEqual(plain, plainJSON(want)) {
		t.Fatalf("%s: %#v, tree %#v, in %q", where, plain, plainJSON(want), data)
	}
}

// FuzzDecodeJSON: ws.JSON's direct decoders give what the tree gives (floatJSON, finiteNumbers).
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, treeErr := parseJSON(data, MaxJSONNesting)
		var want any
		if treeErr == nil {
			want, treeErr = floatJSON(tree)
		}
		got, err := decodeFloatJSON(data, MaxJSONNesting)
		if (err == nil) != (treeErr == nil) || (err != nil && errors.Is(treeErr, errNumberOutOfRange) != errors.Is(err, errNumberOutOfRange)) {
			t.Fatalf("decodeFloatJSON error %v, tree error %v for %q", err, treeErr, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeFloatJSON %#v, tree %#v for %q", got, want, data)
		}
		if checkJSON(data, MaxJSONNesting) != (treeErr == nil) {
			t.Fatalf("checkJSON %v, tree error %v for %q", !(treeErr == nil), treeErr, data)
		}
	})
}

func TestLoneSurrogateEscapes(t *testing.T) {
	for doc, want := range map[string]string{
		`"\ud800"`:             "\uFFFD",
		`"a\udc00b"`:           "a\uFFFDb",
		`"\ud800\ud800"`:       "\uFFFD\uFFFD",
		`"\ud800\u0041"`:       "\uFFFDA",
		`"\ud83d\ude00"`:       "\U0001F600",
		`"\udbff\udfff\ud800"`: "\U0010FFFF\uFFFD",
	} {
		v, err := parseEventJSON([]byte(doc))
		if err != nil || v.s != want {
			t.Errorf("%s parsed as %q (%v), want %q", doc, v.s, err, want)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
