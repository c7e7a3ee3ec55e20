package apptheory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/streamer"
	"github.com/theory-cloud/apptheory/generated/go/testkit"
)

func handle(t *testing.T, app *apptheory.App, event []byte) apptheory.ProxyResponse {
	t.Helper()
	proxy, err := app.HandleLambda(context.Background(), event)
	if err != nil {
		t.Fatalf("HandleLambda: %v", err)
	}
	return proxy
}

func envelope(t *testing.T, p apptheory.ProxyResponse) (code, message, requestID string) {
	t.Helper()
	var body struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(p.Body), &body); err != nil {
		t.Fatalf("not an error envelope: %q", p.Body)
	}
	if p.Headers["content-type"] != apptheory.ContentTypeJSON {
		t.Errorf("envelope content-type %q", p.Headers["content-type"])
	}
	return body.Error.Code, body.Error.Message, body.Error.RequestID
}

func respondWith(name string) apptheory.Handler {
	return func(*apptheory.Context) (any, error) { return map[string]any{"handler": name}, nil }
}

func TestRoutingOrder(t *testing.T) {
	app := apptheory.New()
	app.WebSocket("$default", respondWith("$default"))
	app.WebSocket("typing", respondWith("typing"))
	event := testkit.WebSocketEvent("typing")
	if got := handle(t, app, event).Body; got != `{"handler":"typing"}` {
		t.Errorf("exact route: %s", got)
	}
	if got := handle(t, app, testkit.WebSocketEvent("other")).Body; got != `{"handler":"$default"}` {
		t.Errorf("$default fallback: %s", got)
	}
	app.SetDefaultHandler(respondWith("default"))
	if got := handle(t, app, testkit.WebSocketEvent("other")).Body; got != `{"handler":"default"}` {
		t.Errorf("default handler before $default: %s", got)
	}
	if got := handle(t, app, event).Body; got != `{"handler":"typing"}` {
		t.Errorf("exact route still wins: %s", got)
	}
	bare := apptheory.New(apptheory.WithWebSocketSupport())
	p := handle(t, bare, testkit.WebSocketEvent("$default", testkit.RequestID("r-404")))
	if code, msg, rid := envelope(t, p); p.StatusCode != 404 || code != apptheory.CodeNotFound ||
		msg != "route not found" || rid != "r-404" {
		t.Errorf("no route: %d %s %s %s", p.StatusCode, code, msg, rid)
	}
}

func TestHandleLambdaWorksWithLambdaStart(t *testing.T) {
	app := apptheory.New()
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, err := c.AsWebSocket()
		if err != nil {
			return nil, err
		}
		return map[string]string{"request_id": ws.RequestID()}, nil
	})
	// lambda.Start(app.HandleLambda) wraps the handler exactly like this and calls Invoke per event.
	handler := lambda.NewHandler(app.HandleLambda)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-7"})
	out, err := handler.Invoke(ctx, []byte(`{"requestContext": {"connectionId": "c", "routeKey": "$default"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var proxy map[string]any
	if err := json.Unmarshal(out, &proxy); err != nil {
		t.Fatal(err)
	}
	if proxy["statusCode"] != 200.0 || proxy["body"] != `{"request_id":"lambda-7"}` || proxy["isBase64Encoded"] != false ||
		proxy["multiValueHeaders"] == nil {
		t.Errorf("the proxy response Lambda returns: %s", out)
	}
	if _, err := handler.Invoke(ctx, []byte(`{"httpMethod": "GET"}`)); err == nil {
		t.Error("an unknown event must fail the invocation")
	}
}

func TestRegistrationErrorsPanic(t *testing.T) {
	app := apptheory.New()
	app.WebSocket("$connect", respondWith("a"))
	for name, register := range map[string]func(){
		"duplicate":   func() { app.WebSocket("$connect", respondWith("b")) },
		"empty key":   func() { app.WebSocket(" ", respondWith("b")) },
		"nil handler": func() { app.WebSocket("x", nil) },
		"nil mw":      func() { app.Use(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			register()
		}()
	}
}

func TestNilClientFactoryPanicsNamingTheOption(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "WithWebSocketClientFactory") {
			t.Errorf("New(WithWebSocketClientFactory(nil)) recovered %v", r)
		}
	}()
	apptheory.New(apptheory.WithWebSocketClientFactory(nil))
}

func TestUnknownEventsAreInvocationErrors(t *testing.T) {
	app := apptheory.New(apptheory.WithWebSocketSupport())
	for _, event := range []string{
		``, `null`, `[]`, `"x"`, `{}`, `{"requestContext": null}`, `{"requestContext": []}`,
		`{"requestContext": {"routeKey": "$default"}}`,
		`{"requestContext": {"connectionId": 5, "routeKey": "$default"}}`,
		`{"requestContext": {"connectionId": "c"}}`,
		`{"requestContext": {"connectionId": "c", "routeKey": "$default"}`,
		`{"httpMethod": "GET", "path": "/", "requestContext": {"requestId": "r"}}`,
	} {
		_, err := app.HandleLambda(context.Background(), json.RawMessage(event))
		var unknown *apptheory.UnknownEventError
		if !errors.As(err, &unknown) || !strings.HasPrefix(err.Error(), "unknown event:") {
			t.Errorf("%s: want UnknownEventError, got %v", event, err)
		}
		if apptheory.IsWebSocketEvent([]byte(event)) {
			t.Errorf("%s: IsWebSocketEvent", event)
		}
	}
	off := apptheory.New()
	if _, err := off.HandleLambda(context.Background(), testkit.WebSocketEvent("$default")); err == nil ||
		!strings.Contains(err.Error(), "WebSocket support is off") {
		t.Errorf("support off: %v", err)
	}
	if !apptheory.IsWebSocketEvent([]byte(`{"requestContext": {"connectionId": "c", "routeKey": null}}`)) {
		t.Error("a null routeKey is present")
	}
}

func TestRequestIDFallback(t *testing.T) {
	app := apptheory.New()
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, err := c.AsWebSocket()
		if err != nil {
			return nil, err
		}
		return map[string]string{"ctx": c.RequestID(), "ws": ws.RequestID()}, nil
	})
	event := []byte(`{"requestContext": {"connectionId": "c", "routeKey": "$default", "requestId": "  "}}`)
	lc := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: " lambda-1 "})
	proxy, err := app.HandleLambda(lc, event)
	if err != nil || proxy.Body != `{"ctx":"lambda-1","ws":"lambda-1"}` {
		t.Errorf("lambda fallback: %v %s", err, proxy.Body)
	}
	proxy = handle(t, app, event)
	var ids map[string]string
	_ = json.Unmarshal([]byte(proxy.Body), &ids)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(ids["ctx"]) || ids["ctx"] != ids["ws"] {
		t.Errorf("generated request id: %s", proxy.Body)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestUnhandledErrorsAnswer500AndLogOneLine(t *testing.T) {
	cases := map[string]apptheory.Handler{
		"error":       func(*apptheory.Context) (any, error) { return nil, errors.New("db password is hunter2") },
		"panic":       func(*apptheory.Context) (any, error) { panic("hunter2") },
		"bare number": func(*apptheory.Context) (any, error) { return 5, nil },
		"bad status":  func(*apptheory.Context) (any, error) { return &apptheory.Response{Status: 42}, nil },
		"bad header": func(*apptheory.Context) (any, error) {
			return &apptheory.Response{Status: 200, Headers: map[string][]string{"a b": {"x"}}}, nil
		},
		"header injection": func(*apptheory.Context) (any, error) {
			return apptheory.TextResponse(200, "x").WithHeader("x", "a\r\nb"), nil
		},
		"unknown code": func(*apptheory.Context) (any, error) { return nil, apptheory.NewAppError("app.nope", "x") },
		"NaN":          func(*apptheory.Context) (any, error) { return map[string]any{"x": nanValue()}, nil },
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			var log lockedBuffer
			app := apptheory.New(apptheory.WithLogWriter(&log))
			app.WebSocket("$default", h)
			event := testkit.WebSocketEvent("$default", testkit.RequestID("req-9"), testkit.ConnectionID("conn-9"),
				testkit.Body("secret body hunter2"))
			p := handle(t, app, event)
			if code, msg, rid := envelope(t, p); p.StatusCode != 500 || code != apptheory.CodeInternal ||
				msg != "internal error" || rid != "req-9" {
				t.Errorf("%d %s %q %s", p.StatusCode, code, msg, rid)
			}
			lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("want one log line, got %q", log.String())
			}
			var entry map[string]string
			if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
				t.Fatalf("log line is not JSON: %q", lines[0])
			}
			if entry["request_id"] != "req-9" || entry["connection_id"] != "conn-9" || entry["route_key"] != "$default" ||
				entry["level"] != "error" || entry["error_type"] == "" || len(entry) != 6 {
				t.Errorf("log entry %v", entry)
			}
			if strings.Contains(lines[0], "hunter2") {
				t.Errorf("the log line leaks a message or body: %s", lines[0])
			}
		})
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

func TestAppErrorsAndBadEventsAreNotLogged(t *testing.T) {
	var log lockedBuffer
	app := apptheory.New(apptheory.WithLogWriter(&log))
	app.WebSocket("$default", func(*apptheory.Context) (any, error) {
		return nil, fmt.Errorf("wrapped: %w", apptheory.NewAppError(apptheory.CodeConflict, "room exists"))
	})
	p := handle(t, app, testkit.WebSocketEvent("$default"))
	if code, msg, _ := envelope(t, p); p.StatusCode != 409 || code != apptheory.CodeConflict || msg != "room exists" {
		t.Errorf("wrapped AppError: %d %s %s", p.StatusCode, code, msg)
	}
	p = handle(t, app, []byte(`{"requestContext": {"connectionId": "c", "routeKey": "$default", "stage": 5}}`))
	if _, msg, _ := envelope(t, p); p.StatusCode != 400 || msg != "invalid event: requestContext.stage must be a string" {
		t.Errorf("bad event: %d %s", p.StatusCode, msg)
	}
	custom := apptheory.NewAppErrorWithStatus("billing.expired", "renew", 402)
	app2 := apptheory.New()
	app2.WebSocket("$default", func(*apptheory.Context) (any, error) { return nil, custom })
	if p := handle(t, app2, testkit.WebSocketEvent("$default")); p.StatusCode != 402 {
		t.Errorf("custom code status %d", p.StatusCode)
	}
	if log.String() != "" {
		t.Errorf("logged: %s", log.String())
	}
}

func TestHandlerResults(t *testing.T) {
	type point struct {
		Y int `json:"y"`
		X int `json:"x"`
	}
	cases := []struct {
		name   string
		result any
		status int
		ctype  string
		body   string
		base64 bool
	}{
		{"nil", nil, 200, "", "", false},
		{"nil response", (*apptheory.Response)(nil), 200, "", "", false},
		{"map", map[string]any{"b": 1, "a": "<&>"}, 200, apptheory.ContentTypeJSON, `{"a":"<&>","b":1}`, false},
		{"list", []any{1, "two"}, 200, apptheory.ContentTypeJSON, `[1,"two"]`, false},
		{"struct", point{1, 2}, 200, apptheory.ContentTypeJSON, `{"x":2,"y":1}`, false}, // canonical: sorted
		{"struct pointer", &point{3, 4}, 200, apptheory.ContentTypeJSON, `{"x":4,"y":3}`, false},
		{"string", "pong ✓", 200, apptheory.ContentTypeText, "pong ✓", false},
		{"bytes", []byte{0, 1, 2, 255}, 200, apptheory.ContentTypeBinary, "AAEC/w==", true},
		{"response", &apptheory.Response{Status: 201, Headers: map[string][]string{"X-A": {"1", "2"}}, Body: []byte("made")}, 201, "", "made", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := apptheory.New()
			app.WebSocket("$default", func(*apptheory.Context) (any, error) { return tc.result, nil })
			p := handle(t, app, testkit.WebSocketEvent("$default"))
			if p.StatusCode != tc.status || p.Headers["content-type"] != tc.ctype || p.Body != tc.body ||
				p.IsBase64Encoded != tc.base64 {
				t.Errorf("got %+v", p)
			}
			if p.Headers == nil || p.MultiValueHeaders == nil {
				t.Error("headers must be objects, never null")
			}
		})
	}
	resp, _ := apptheory.ResponseFrom(&apptheory.Response{Status: 200, Headers: map[string][]string{"X-A": {"1"}, "x-a": {"2"}}})
	p, err := resp.Proxy()
	if err != nil || strings.Join(p.MultiValueHeaders["x-a"], ",") != "1,2" || p.Headers["x-a"] != "2" {
		t.Errorf("same-name headers merge in name order, last value in headers: %+v %v", p, err)
	}
}

func TestEncodeJSON(t *testing.T) {
	type inner struct {
		Z int `json:"z"`
		A int `json:"a"`
	}
	cases := []struct {
		value any
		want  string
	}{
		{map[string]any{"z": 1, "a": "héllo ✓ 世界", "m": []any{1, map[string]any{"b": 2, "a": 1}}, "n": nil, "f": 1.5},
			`{"a":"héllo ✓ 世界","f":1.5,"m":[1,{"a":1,"b":2}],"n":null,"z":1}`},
		{map[string]any{"s": inner{1, 2}}, `{"s":{"a":2,"z":1}}`},
		{json.RawMessage(`{"b": 1, "a": [2]}`), `{"a":[2],"b":1}`},
		{"<script>&</script>", `"<script>&</script>"`},
		{"line\u2028para\u2029", "\"line\u2028para\u2029\""},
		{`back\u2028slash`, `"back\\u2028slash"`},
		{json.Number("12345678901234567890"), `12345678901234567000`},
	}
	for _, tc := range cases {
		got, err := apptheory.EncodeJSON(tc.value)
		if err != nil || string(got) != tc.want {
			t.Errorf("EncodeJSON(%v) = %s, %v; want %s", tc.value, got, err, tc.want)
		}
	}
	if _, err := apptheory.EncodeJSON(map[string]any{"x": nanValue()}); err == nil {
		t.Error("NaN must not encode")
	}
}

func TestAbsentMapsAreEmptyAndJSONBodyLimits(t *testing.T) {
	app := apptheory.New(apptheory.WithLogWriter(nil))
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		if ws.Headers() == nil || ws.MultiValueHeaders() == nil || ws.Query() == nil || ws.MultiValueQuery() == nil {
			t.Error("an absent map must be empty, not nil")
		}
		var body any
		if err := ws.JSON(&body); err != nil {
			return nil, err
		}
		return map[string]any{"headers": ws.Headers(), "multi": ws.MultiValueHeaders(), "query": ws.Query(),
			"multi_query": ws.MultiValueQuery(), "body": body}, nil
	})
	event := func(body string) []byte {
		doc, _ := json.Marshal(map[string]any{"requestContext": map[string]any{"routeKey": "$default",
			"connectionId": "c1", "requestId": "r1"}, "body": body})
		return doc
	}
	p := handle(t, app, event(`{"n":1.0,"big":9007199254740993,"e":1e21,"z":-0.0,"s":"\ud800"}`))
	want := "{\"body\":{\"big\":9007199254740992,\"e\":1e+21,\"n\":1,\"s\":\"\uFFFD\",\"z\":0}," +
		`"headers":{},"multi":{},"multi_query":{},"query":{}}`
	if p.StatusCode != 200 || p.Body != want {
		t.Errorf("got %d %s\nwant %s", p.StatusCode, p.Body, want)
	}
	// A number beyond float64's range, or nesting deeper than MaxJSONNesting, is invalid JSON (400).
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for body, status := range map[string]int{`{"n":1e400}`: 400, `[-1e309]`: 400, "1" + strings.Repeat("0", 400): 400,
		`[1e-400]`: 200, deep(apptheory.MaxJSONNesting): 200, deep(apptheory.MaxJSONNesting + 1): 400,
		`{"a":` + deep(apptheory.MaxJSONNesting-1) + `}`: 200, `{"a":` + deep(apptheory.MaxJSONNesting) + `}`: 400} {
		p = handle(t, app, event(body))
		if p.StatusCode != status {
			t.Errorf("%.60s: %d %s", body, p.StatusCode, p.Body)
		}
		if status == 400 {
			if code, message, _ := envelope(t, p); code != apptheory.CodeBadRequest || message != "invalid json" {
				t.Errorf("%.60s: %s %s", body, code, message)
			}
		}
	}
	// Into a struct (json.Unmarshal) the same limits hold.
	strict := apptheory.New()
	strict.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		var v struct{ A any }
		return nil, ws.JSON(&v)
	})
	for _, body := range []string{`{"A":` + deep(apptheory.MaxJSONNesting) + `}`, `{"A":[1e400]}`} {
		if p := handle(t, strict, event(body)); p.StatusCode != 400 {
			t.Errorf("struct target %.60s: %d %s", body, p.StatusCode, p.Body)
		}
	}
}

func TestBodyHelpers(t *testing.T) {
	app := apptheory.New()
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		var v struct {
			Action string `json:"action"`
		}
		if err := ws.JSON(&v); err != nil {
			return nil, err
		}
		text, err := ws.Text()
		return map[string]string{"action": v.Action, "text": text}, err
	})
	p := handle(t, app, testkit.WebSocketEvent("$default", testkit.Body(`{"action":"chat"}`)))
	if p.Body != `{"action":"chat","text":"{\"action\":\"chat\"}"}` {
		t.Errorf("body helpers: %s", p.Body)
	}
	for body, want := range map[string]string{
		`{"action":`:      "invalid json",
		"\ufeff{}":        "invalid json",
		`{"action": 5}`:   "invalid json",
		`NaN`:             "invalid json",
		"[" + deep(20000): "invalid json",
	} {
		p := handle(t, app, testkit.WebSocketEvent("$default", testkit.Body(body)))
		if _, msg, _ := envelope(t, p); p.StatusCode != 400 || msg != want {
			t.Errorf("%.20q: %d %s", body, p.StatusCode, msg)
		}
	}
	p = handle(t, app, testkit.WebSocketEvent("$default", testkit.BinaryBody([]byte{0xff, 0xfe})))
	if _, msg, _ := envelope(t, p); msg != "invalid json" {
		t.Errorf("non-UTF-8 JSON: %s", msg)
	}
	textApp := apptheory.New()
	textApp.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		return ws.Text()
	})
	p = handle(t, textApp, testkit.WebSocketEvent("$default", testkit.BinaryBody([]byte{0xff, 0xfe})))
	if _, msg, _ := envelope(t, p); msg != "invalid utf-8" {
		t.Errorf("non-UTF-8 text: %s", msg)
	}
}

func deep(n int) string { return strings.Repeat("[", n) }

func TestManagementCallsThroughTheFake(t *testing.T) {
	fake := testkit.NewFakeManagementClient("conn-1", "conn-2")
	var factoryCalls atomic.Int32
	factory := func(ctx context.Context, endpoint, region string) (streamer.Client, error) {
		factoryCalls.Add(1)
		if region != "us-east-1" {
			t.Errorf("region %q", region)
		}
		return fake.ClientFactory()(ctx, endpoint, region)
	}
	app := apptheory.New(apptheory.WithWebSocketClientFactory(factory))
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		if err := ws.SendJSONMessage(map[string]any{"b": 1, "a": 2}); err != nil {
			return nil, err
		}
		if err := ws.SendMessageTo("conn-2", []byte("hi")); err != nil {
			return nil, err
		}
		info, err := ws.GetConnection(ws.ConnectionID())
		if err != nil {
			return nil, err
		}
		return map[string]any{"connected": !info.ConnectedAt.IsZero()}, ws.Disconnect("conn-2")
	})
	for range 3 {
		if p := handle(t, app, testkit.WebSocketEvent("$default")); p.StatusCode != 200 {
			// conn-2 is gone after the first run: the second send fails and answers 500
			if p.StatusCode != 500 {
				t.Fatalf("status %d", p.StatusCode)
			}
		}
	}
	if n := factoryCalls.Load(); n != 1 {
		t.Errorf("the client factory ran %d times; one client per endpoint is reused", n)
	}
	endpoint := "https://" + testkit.DefaultDomain + "/" + testkit.DefaultStage
	calls := fake.Calls()[:4]
	want := []testkit.RecordedCall{
		{Op: streamer.OpPostToConnection, Endpoint: endpoint, ConnectionID: "conn-1", Data: []byte(`{"a":2,"b":1}`)},
		{Op: streamer.OpPostToConnection, Endpoint: endpoint, ConnectionID: "conn-2", Data: []byte("hi")},
		{Op: streamer.OpGetConnection, Endpoint: endpoint, ConnectionID: "conn-1"},
		{Op: streamer.OpDeleteConnection, Endpoint: endpoint, ConnectionID: "conn-2"},
	}
	for i := range want {
		if calls[i].String() != want[i].String() {
			t.Errorf("call %d: %s, want %s", i, calls[i], want[i])
		}
	}
}

func TestNoEndpointIsAConfigurationError(t *testing.T) {
	app := apptheory.New(apptheory.WithWebSocketClientFactory(testkit.NewFakeManagementClient().ClientFactory()))
	var sendErr error
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		sendErr = ws.SendMessage([]byte("x"))
		return nil, nil
	})
	handle(t, app, []byte(`{"requestContext": {"connectionId": "c", "routeKey": "$default"}}`))
	var cfgErr *apptheory.ConfigurationError
	if !errors.As(sendErr, &cfgErr) || !strings.Contains(sendErr.Error(), apptheory.ManagementEndpointEnv) {
		t.Errorf("want ConfigurationError, got %v", sendErr)
	}
}

// concurrencyClient counts how many posts run at once.
type concurrencyClient struct {
	*testkit.FakeManagementClient
	inFlight, peak atomic.Int32
}

func (c *concurrencyClient) PostToConnection(ctx context.Context, id string, data []byte) error {
	n := c.inFlight.Add(1)
	for {
		peak := c.peak.Load()
		if n <= peak || c.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	defer c.inFlight.Add(-1)
	return c.FakeManagementClient.PostToConnection(ctx, id, data)
}

func TestBroadcastIsBoundedAndReportsEveryTarget(t *testing.T) {
	fake := testkit.NewFakeManagementClient()
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%02d", i)
		fake.AddConnection(ids[i], testkit.Connection{})
	}
	_ = fake.SetState("c03", testkit.StateGone)
	_ = fake.Fail(testkit.Failure{Op: streamer.OpPostToConnection, AWSCode: "ForbiddenException", ConnectionID: "c05"})
	client := &concurrencyClient{FakeManagementClient: fake}
	app := apptheory.New(apptheory.WithWebSocketClientFactory(func(context.Context, string, string) (streamer.Client, error) {
		return client, nil
	}))
	var result apptheory.BroadcastResult
	var bErr error
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		targets := append(append([]string{}, ids...), "c01", "missing")
		result, bErr = ws.Broadcast(targets, []byte("tick"), apptheory.MaxConcurrency(4))
		return nil, nil
	})
	handle(t, app, testkit.WebSocketEvent("$default"))
	if bErr != nil {
		t.Fatal(bErr)
	}
	if peak := client.peak.Load(); peak > 4 || peak < 2 {
		t.Errorf("peak concurrency %d, want 2..4", peak)
	}
	if len(result.Sent) != 38 || result.Sent[0] != "c00" || result.Sent[37] != "c39" {
		t.Errorf("sent %v", result.Sent)
	}
	if strings.Join(result.Gone, ",") != "c03,missing" {
		t.Errorf("gone %v", result.Gone)
	}
	var forbidden *streamer.ForbiddenError
	if len(result.Failed) != 1 || !errors.As(result.Failed["c05"], &forbidden) {
		t.Errorf("failed %v", result.Failed)
	}
	if n := len(fake.Calls()); n != 41 {
		t.Errorf("%d calls; duplicates are sent once", n)
	}
	app.WebSocket("big", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		if _, err := ws.Broadcast(ids, make([]byte, apptheory.MessageBytes+1)); !errors.Is(err, streamer.ErrPayloadTooLarge) {
			t.Errorf("oversize broadcast: %v", err)
		}
		if _, err := ws.Broadcast(ids, []byte("x"), apptheory.MaxConcurrency(0)); err == nil {
			t.Error("concurrency 0 accepted")
		}
		if r, err := ws.Broadcast(nil, []byte("x")); err != nil || len(r.Sent)+len(r.Gone)+len(r.Failed) != 0 {
			t.Errorf("empty broadcast: %+v %v", r, err)
		}
		return nil, nil
	})
	before := len(fake.Calls())
	handle(t, app, testkit.WebSocketEvent("big"))
	if len(fake.Calls()) != before {
		t.Error("a failed broadcast reached the client")
	}
}

func TestTimestampsAreWholeMilliseconds(t *testing.T) {
	app := apptheory.New()
	var got time.Time
	var code int
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		got, code = ws.ConnectedAt(), ws.DisconnectStatusCode()
		return nil, nil
	})
	// A whole number from 1970 through 9999 (1500.0 is 1500: JavaScript cannot tell them apart).
	for literal, want := range map[string]string{
		"1795675238012":   "2026-11-26T06:40:38.012000Z",
		"1500.0":          "1970-01-01T00:00:01.500000Z",
		"1e3":             "1970-01-01T00:00:01.000000Z",
		"0":               "1970-01-01T00:00:00.000000Z",
		"-0.0":            "1970-01-01T00:00:00.000000Z",
		"8590000000001":   "2242-03-17T07:06:40.001000Z",
		"253402300799999": "9999-12-31T23:59:59.999000Z",
	} {
		event := fmt.Sprintf(`{"requestContext": {"connectionId": "c", "routeKey": "$default", "connectedAt": %s}}`, literal)
		if p := handle(t, app, []byte(event)); p.StatusCode != 200 {
			t.Errorf("%s: %d %s", literal, p.StatusCode, p.Body)
			continue
		}
		if s := got.Format("2006-01-02T15:04:05.000000Z"); s != want {
			t.Errorf("%s: %s, want %s", literal, s, want)
		}
	}
	// Integer fields take an integral value within ±(2^53-1).
	for literal, want := range map[string]int{"1000.0": 1000, "1e3": 1000, "9007199254740991": 1<<53 - 1, "-9007199254740991.0": -(1<<53 - 1)} {
		event := fmt.Sprintf(`{"requestContext": {"connectionId": "c", "routeKey": "$default", "disconnectStatusCode": %s}}`, literal)
		if p := handle(t, app, []byte(event)); p.StatusCode != 200 || code != want {
			t.Errorf("%s: %d %s, code %d", literal, p.StatusCode, p.Body, code)
		}
	}
}

func TestDerivedEndpointAndRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv(apptheory.ManagementEndpointEnv, "")
	for host, region := range map[string]string{
		"abc.execute-api.us-east-1.amazonaws.com":     "us-east-1",
		"abc.execute-api.cn-north-1.amazonaws.com.cn": "cn-north-1",
		"abc.execute-api.-.amazonaws.com":             "",
		"ab-c.execute-api.us-east-1.amazonaws.com":    "",
		"abc.execute-api.us-east-1.amazonaws.org":     "",
		"x.abc.execute-api.us-east-1.amazonaws.com":   "",
		"ws.example.com": "",
		"":               "",
	} {
		if got := apptheory.ExecuteAPIRegion(host); got != region {
			t.Errorf("ExecuteAPIRegion(%q) = %q, want %q", host, got, region)
		}
	}
	app := apptheory.New(apptheory.WithManagementEndpoint(" https://mgmt.example.com/prod/ "))
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		return []string{ws.ManagementEndpoint(), ws.Region()}, nil
	})
	if p := handle(t, app, testkit.WebSocketEvent("$default")); p.Body != `["https://mgmt.example.com/prod","us-east-1"]` {
		t.Errorf("explicit endpoint: %s", p.Body)
	}
}

func TestConcurrentDispatchIsSafe(t *testing.T) {
	fake := testkit.NewFakeManagementClient("conn-1")
	app := apptheory.New(apptheory.WithWebSocketClientFactory(fake.ClientFactory()))
	app.Use(func(next apptheory.Handler) apptheory.Handler { return next })
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		c.Set("seen", ws.RequestID())
		return map[string]any{"id": c.Get("seen")}, ws.SendJSONMessage(map[string]string{"id": ws.RequestID()})
	})
	var wg sync.WaitGroup
	var failures atomic.Int32
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := fmt.Sprintf("r-%d-%d", g, i)
				p, err := app.HandleLambda(context.Background(), testkit.WebSocketEvent("$default", testkit.RequestID(id)))
				if err != nil || p.StatusCode != 200 || p.Body != `{"id":"`+id+`"}` {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failures.Load(); n != 0 || len(fake.Calls()) != 400 {
		t.Errorf("%d failures, %d calls", n, len(fake.Calls()))
	}
}
