package apptheory

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
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

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
