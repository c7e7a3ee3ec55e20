package apptheory

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzzing: `go test -fuzz FuzzHandleLambda ./apptheory` (and FuzzParseEventJSON); the seeds below
// run on every `go test`.

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
