package apptheory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/testkit"
)

// Malformed WebSocket-shaped events never panic HandleLambda: a well-formed 400 naming the bad path
// (the same wording as the Python runtime's parser), or 200 for oddities the runtime accepts.

const malformedRequestID = "Yk3xQF1sjoEFT7w="

func baseEvent(name string) []byte {
	common := []testkit.EventOption{testkit.RequestID(malformedRequestID)}
	switch name {
	case "connect":
		return testkit.WebSocketEvent("$connect", append(common,
			testkit.Headers(map[string]string{"Origin": "https://app.example.com"}),
			testkit.Query(map[string]string{"token": "abc", "room": "lobby"}))...)
	case "connect-authorizer":
		return testkit.WebSocketEvent("$connect", append(common,
			testkit.Authorizer(map[string]any{"principalId": "user-1"}))...)
	case "disconnect":
		return testkit.WebSocketEvent("$disconnect", append(common, testkit.Disconnect(1001, "Going away"))...)
	case "message-binary":
		return testkit.WebSocketEvent("$default", append(common, testkit.BinaryBody([]byte{0, 1, 2, 3, 4, 5}))...)
	case "message-action":
		return testkit.WebSocketEvent("sendMessage", append(common, testkit.Body(`{"action":"sendMessage"}`))...)
	case "message-custom-domain":
		return testkit.WebSocketEvent("$default", append(common, testkit.DomainName("ws.example.com"), testkit.Body("hi"))...)
	}
	return testkit.WebSocketEvent("$default", append(common, testkit.Body(`{"action":"chat","text":"hello"}`))...)
}

type mutation func(event map[string]any)

func rc(key, raw string) mutation {
	return func(e map[string]any) { e["requestContext"].(map[string]any)[key] = json.RawMessage(raw) }
}

func top(key, raw string) mutation {
	return func(e map[string]any) { e[key] = json.RawMessage(raw) }
}

func identity(key, raw string) mutation {
	return func(e map[string]any) {
		e["requestContext"].(map[string]any)["identity"].(map[string]any)[key] = json.RawMessage(raw)
	}
}

func inMap(field, key, raw string) mutation {
	return func(e map[string]any) { e[field].(map[string]any)[key] = json.RawMessage(raw) }
}

func both(ms ...mutation) mutation {
	return func(e map[string]any) {
		for _, m := range ms {
			m(e)
		}
	}
}

func invalid(path, problem string) string { return "invalid event: " + path + " " + problem }

var malformedCases = []struct {
	name     string
	base     string
	mutate   mutation
	wantFail string // "" means the event is still acceptable (200, the handler ran)
}{
	{"routeKey-number", "message-default", rc("routeKey", `5`), invalid("requestContext.routeKey", "must be a string")},
	{"routeKey-list", "message-default", rc("routeKey", `["$default"]`), invalid("requestContext.routeKey", "must be a string")},
	{"routeKey-dict", "connect", rc("routeKey", `{"k":"$connect"}`), invalid("requestContext.routeKey", "must be a string")},
	{"routeKey-bool", "message-default", rc("routeKey", `true`), invalid("requestContext.routeKey", "must be a string")},
	{"routeKey-null", "message-default", rc("routeKey", `null`), invalid("requestContext.routeKey", "must not be empty")},
	{"routeKey-empty", "message-default", rc("routeKey", `""`), invalid("requestContext.routeKey", "must not be empty")},
	{"routeKey-blank", "message-default", rc("routeKey", `" \t "`), invalid("requestContext.routeKey", "must not be empty")},
	{"routeKey-python-whitespace", "message-default", rc("routeKey", `"\u001c\u00a0\u2028"`), invalid("requestContext.routeKey", "must not be empty")},
	{"connectionId-empty", "message-default", rc("connectionId", `""`), invalid("requestContext.connectionId", "must not be empty")},
	{"connectionId-blank", "disconnect", rc("connectionId", `"   "`), invalid("requestContext.connectionId", "must not be empty")},
	{"identity-string", "message-default", rc("identity", `"203.0.113.24"`), invalid("requestContext.identity", "must be a mapping")},
	{"identity-list", "connect", rc("identity", `["203.0.113.24"]`), invalid("requestContext.identity", "must be a mapping")},
	{"identity-number", "message-default", rc("identity", `7`), invalid("requestContext.identity", "must be a mapping")},
	{"identity-before-stage", "message-default", both(rc("stage", `1`), rc("identity", `7`)), invalid("requestContext.identity", "must be a mapping")},
	{"sourceIp-number", "message-default", identity("sourceIp", `203`), invalid("requestContext.identity.sourceIp", "must be a string")},
	{"userAgent-dict", "connect", identity("userAgent", `{"ua":"x"}`), invalid("requestContext.identity.userAgent", "must be a string")},
	{"stage-number", "message-default", rc("stage", `1`), invalid("requestContext.stage", "must be a string")},
	{"stage-list", "connect", rc("stage", `["prod"]`), invalid("requestContext.stage", "must be a string")},
	{"domainName-number", "message-default", rc("domainName", `42`), invalid("requestContext.domainName", "must be a string")},
	{"apiId-bool", "message-default", rc("apiId", `false`), invalid("requestContext.apiId", "must be a string")},
	{"eventType-dict", "message-default", rc("eventType", `{}`), invalid("requestContext.eventType", "must be a string")},
	{"messageId-number", "message-action", rc("messageId", `17`), invalid("requestContext.messageId", "must be a string")},
	{"disconnectReason-number", "disconnect", rc("disconnectReason", `1001`), invalid("requestContext.disconnectReason", "must be a string")},
	{"headers-list", "connect", top("headers", `[["Host","x"]]`), invalid("headers", "must be a mapping of strings")},
	{"headers-string", "connect", top("headers", `"Host: x"`), invalid("headers", "must be a mapping of strings")},
	{"header-value-number", "connect", inMap("headers", "X-Forwarded-Port", `443`), invalid("headers", "must be a mapping of strings")},
	{"header-value-null", "disconnect", inMap("headers", "x-api-key", `null`), invalid("headers", "must be a mapping of strings")},
	{"header-value-list", "connect", inMap("headers", "Origin", `["a","b"]`), invalid("headers", "must be a mapping of strings")},
	{"multiValueHeaders-values-strings", "connect", inMap("multiValueHeaders", "Host", `"x"`), invalid("multiValueHeaders", "must be a mapping of string lists")},
	{"multiValueHeaders-items-numbers", "connect", inMap("multiValueHeaders", "X-Forwarded-Port", `[443]`), invalid("multiValueHeaders", "must be a mapping of string lists")},
	{"multiValueHeaders-list", "disconnect", top("multiValueHeaders", `[["Host",["x"]]]`), invalid("multiValueHeaders", "must be a mapping of string lists")},
	{"query-string", "connect", top("queryStringParameters", `"token=abc&room=lobby"`), invalid("queryStringParameters", "must be a mapping of strings")},
	{"query-list", "connect", top("queryStringParameters", `[["token","abc"]]`), invalid("queryStringParameters", "must be a mapping of strings")},
	{"query-value-number", "connect", inMap("queryStringParameters", "page", `2`), invalid("queryStringParameters", "must be a mapping of strings")},
	{"multiValueQuery-values-strings", "connect", inMap("multiValueQueryStringParameters", "room", `"lobby"`), invalid("multiValueQueryStringParameters", "must be a mapping of string lists")},
	{"connectedAt-string", "message-default", rc("connectedAt", `"1795675238012"`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-true", "message-default", rc("connectedAt", `true`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-false", "connect", rc("connectedAt", `false`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-huge-float", "message-default", rc("connectedAt", `1e300`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-huge-int", "disconnect", rc("connectedAt", `10000000000000000000000000000000000000000`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-overflowing-float", "message-default", rc("connectedAt", `1e400`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-overflowing-negative", "connect", rc("connectedAt", `-1e400`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-past-year-9999", "message-default", rc("connectedAt", `253402300800000`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-before-year-1", "message-default", rc("connectedAt", `-62135596800001`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-negative", "message-default", rc("connectedAt", `-1`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"connectedAt-fraction", "message-default", rc("connectedAt", `1795675238012.5`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"requestTimeEpoch-year-1", "message-default", rc("requestTimeEpoch", `-62135596800000`), invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds")},
	{"connectedAt-dict", "message-default", rc("connectedAt", `{"ms":1}`), invalid("requestContext.connectedAt", "must be epoch milliseconds")},
	{"requestTimeEpoch-string", "message-default", rc("requestTimeEpoch", `"26/Nov/2026:06:40:38 +0000"`), invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds")},
	{"requestTimeEpoch-huge-negative", "message-default", rc("requestTimeEpoch", `-1000000000000000000000000000000`), invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds")},
	{"isBase64Encoded-string", "message-default", top("isBase64Encoded", `"true"`), invalid("isBase64Encoded", "must be a boolean")},
	{"isBase64Encoded-string-false", "message-binary", top("isBase64Encoded", `"false"`), invalid("isBase64Encoded", "must be a boolean")},
	{"isBase64Encoded-int", "message-binary", top("isBase64Encoded", `1`), invalid("isBase64Encoded", "must be a boolean")},
	{"isBase64Encoded-before-body", "message-binary", both(top("isBase64Encoded", `1`), top("body", `5`)), invalid("isBase64Encoded", "must be a boolean")},
	{"body-number", "message-default", top("body", `42`), invalid("body", "must be a string")},
	{"body-dict", "message-default", top("body", `{"action":"chat"}`), invalid("body", "must be a string")},
	{"body-list-binary", "message-binary", top("body", `[0,1,2]`), invalid("body", "must be a string")},
	{"body-invalid-base64", "message-binary", top("body", `"not base64!"`), "invalid base64"},
	{"body-base64-bad-padding", "message-binary", top("body", `"AAECAwQ"`), "invalid base64"},
	{"body-base64-with-newline", "message-binary", top("body", `"AAEC\nAwQF"`), "invalid base64"},
	{"body-base64-non-ascii", "message-binary", top("body", `"AAEC\u00e9AwQ="`), "invalid base64"},
	{"body-base64-url-alphabet", "message-binary", top("body", `"-_-_"`), "invalid base64"},
	{"body-base64-only-padding", "message-binary", top("body", `"===="`), "invalid base64"},
	{"disconnectStatusCode-string", "disconnect", rc("disconnectStatusCode", `"1001"`), invalid("requestContext.disconnectStatusCode", "must be an integer")},
	{"disconnectStatusCode-fraction", "disconnect", rc("disconnectStatusCode", `1001.5`), invalid("requestContext.disconnectStatusCode", "must be an integer")},
	{"disconnectStatusCode-beyond-2**53", "disconnect", rc("disconnectStatusCode", `9007199254740992`), invalid("requestContext.disconnectStatusCode", "must be an integer")},
	{"disconnectStatusCode-float-beyond-2**53", "disconnect", rc("disconnectStatusCode", `-9007199254740992.0`), invalid("requestContext.disconnectStatusCode", "must be an integer")},
	{"disconnectStatusCode-bool", "disconnect", rc("disconnectStatusCode", `true`), invalid("requestContext.disconnectStatusCode", "must be an integer")},
	{"path-number", "message-custom-domain", top("path", `1`), invalid("path", "must be a string")},
	{"requestId-number", "message-default", rc("requestId", `12345`), invalid("requestContext.requestId", "must be a string")},
	// acceptable oddities: the runtime answers 200 and the handler runs
	{"authorizer-list", "message-default", rc("authorizer", `[1,"two",{"three":3}]`), ""},
	{"authorizer-string", "connect", rc("authorizer", `"allow"`), ""},
	{"authorizer-number", "message-default", rc("authorizer", `7`), ""},
	{"authorizer-nested", "connect-authorizer", rc("authorizer", `{"claims":{"groups":["a",{"b":null}]},"n":1.5}`), ""},
	{"identity-null", "message-default", rc("identity", `null`), ""},
	{"headers-null", "connect", top("headers", `null`), ""},
	{"query-null", "connect", top("queryStringParameters", `null`), ""},
	{"body-null", "message-default", top("body", `null`), ""},
	{"body-empty-base64", "message-binary", top("body", `""`), ""},
	{"body-lone-surrogate", "message-default", top("body", `"\ud800 text"`), ""},
	{"unknown-extra-fields", "message-default", both(top("extra", `{"x":[1]}`), rc("newField", `{}`)), ""},
	{"requestTime-string-ignored", "message-default", rc("requestTime", `123`), ""},
	{"header-names-colliding-by-case", "connect", both(inMap("headers", "X-A", `"1"`), inMap("headers", "x-a", `"2"`)), ""},
	{"disconnectStatusCode-negative", "disconnect", rc("disconnectStatusCode", `-1`), ""},
}

func mutated(t *testing.T, base string, m mutation) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(baseEvent(base)))
	dec.UseNumber()
	var event map[string]any
	if err := dec.Decode(&event); err != nil {
		t.Fatal(err)
	}
	m(event)
	raw, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestThereAreAtLeast30MalformedCases(t *testing.T) {
	failing := 0
	for _, tc := range malformedCases {
		if tc.wantFail != "" {
			failing++
		}
	}
	if failing < 30 {
		t.Fatalf("only %d broken shapes", failing)
	}
}

func TestMalformedEventsAnswerAWellFormedResponse(t *testing.T) {
	for _, tc := range malformedCases {
		t.Run(tc.name, func(t *testing.T) {
			ran := 0
			middlewareRan := 0
			app := apptheory.New(apptheory.WithDefaultHandler(func(c *apptheory.Context) (any, error) {
				ws, err := c.AsWebSocket()
				if err != nil {
					return nil, err
				}
				ran++
				return map[string]any{"ok": true, "authorizer": ws.Authorizer(), "headers": ws.Headers()}, nil
			}), apptheory.WithLogWriter(failOnWrite{t}))
			app.Use(func(next apptheory.Handler) apptheory.Handler {
				return func(c *apptheory.Context) (any, error) {
					middlewareRan++
					return next(c)
				}
			})
			event := mutated(t, tc.base, tc.mutate)
			proxy, err := app.HandleLambda(context.Background(), event)
			if err != nil {
				t.Fatalf("HandleLambda returned an error: %v", err)
			}
			assertProxyShape(t, proxy)
			if tc.wantFail == "" {
				if proxy.StatusCode != 200 || ran != 1 || middlewareRan != 1 {
					t.Fatalf("want 200 from the handler, got %d %s", proxy.StatusCode, proxy.Body)
				}
				return
			}
			code, message, requestID := envelope(t, proxy)
			if proxy.StatusCode != 400 || code != apptheory.CodeBadRequest || message != tc.wantFail {
				t.Errorf("got %d %s %q, want 400 %q", proxy.StatusCode, code, message, tc.wantFail)
			}
			if tc.name != "requestId-number" && requestID != malformedRequestID {
				t.Errorf("request id %q", requestID)
			}
			if ran != 0 || middlewareRan != 0 {
				t.Error("a malformed event reached middleware or the handler")
			}
		})
	}
}

func TestHeaderNamesCollidingByCaseKeepDocumentOrder(t *testing.T) {
	app := apptheory.New(apptheory.WithDefaultHandler(func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		return map[string]any{"h": ws.Headers()["x-a"], "m": ws.MultiValueHeaders()["x-a"]}, nil
	}))
	event := `{"requestContext": {"connectionId": "c", "routeKey": "$connect"},
		"headers": {"X-A": "1", "x-a": "2", "X-a": "3", "X-A": "4"},
		"multiValueHeaders": {"X-A": ["1"], "x-a": ["2"], "X-A": ["4", "5"]}}`
	proxy, err := app.HandleLambda(context.Background(), json.RawMessage(event))
	// As Python's json.loads: a repeated key keeps its first position and its last value.
	if err != nil || proxy.Body != `{"h":"3","m":["4","5","2"]}` {
		t.Errorf("got %s %v", proxy.Body, err)
	}
}

type failOnWrite struct{ t *testing.T }

func (f failOnWrite) Write(p []byte) (int, error) {
	f.t.Errorf("unexpected log line: %s", p)
	return len(p), nil
}

func assertProxyShape(t *testing.T, p apptheory.ProxyResponse) {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]json.RawMessage
	_ = json.Unmarshal(raw, &shape)
	for _, key := range []string{"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"} {
		if v, ok := shape[key]; !ok || string(v) == "null" {
			t.Errorf("proxy response lacks %s: %s", key, raw)
		}
	}
	if len(shape) != 5 || p.StatusCode < 100 || p.StatusCode > 599 {
		t.Errorf("malformed proxy response: %s", raw)
	}
}
