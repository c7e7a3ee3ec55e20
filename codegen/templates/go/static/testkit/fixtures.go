package testkit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/streamer"
)

// The interpreter of the shared contract fixtures (contract-tests/fixtures/*.json; the format is in
// contract-tests/README.md). It implements the same action vocabulary as the Python runner and
// produces the same canonical response and calls, so every language passes the same files.

// FakeFixtureEndpoint is the endpoint of the fake a fixture run starts with.
const FakeFixtureEndpoint = "https://fake.invalid"

// managedEnv is unset for every run unless the fixture's app.env sets it.
var managedEnv = []string{"AWS_REGION", "AWS_DEFAULT_REGION", "APPTHEORY_WS_MANAGEMENT_ENDPOINT"}

// placeholder is the shape of a placeholder; a string that is exactly this must name a known one.
var placeholder = regexp.MustCompile(`^\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}$`)

// FixtureError means the fixture itself is malformed (unknown action, bad placeholder, wrong type...).
type FixtureError struct{ Reason string }

func (e *FixtureError) Error() string { return "fixture: " + e.Reason }

func fixtureErr(format string, args ...any) error {
	return &FixtureError{Reason: fmt.Sprintf(format, args...)}
}

// Outcome is what running a fixture produced, in the canonical form of the fixture's expect.
type Outcome struct {
	Response map[string]any
	Calls    []any
}

type broadcastSpan struct {
	start, end int
	ids        []string
}

type fixtureRun struct {
	fake       *FakeManagementClient
	broadcasts []broadcastSpan
}

type handlerState struct {
	capture      bool
	err          error
	connection   *streamer.ConnectionInfo
	broadcast    *apptheory.BroadcastResult
	broadcastIDs []string
}

// RunFixture builds the fixture's app, handles its event against the strict fake and returns the
// canonical outcome. The process environment is changed for the run and restored afterwards.
func RunFixture(fixture []byte) (Outcome, error) {
	var doc struct {
		App           json.RawMessage `json:"app"`
		Management    json.RawMessage `json:"management"`
		LambdaContext json.RawMessage `json:"lambda_context"`
		Event         json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(fixture, &doc); err != nil {
		return Outcome{}, fixtureErr("not a JSON object: %v", err)
	}
	appSpec, err := mappingOf(decodeOr(doc.App, map[string]any{}), "app")
	if err != nil {
		return Outcome{}, err
	}
	env := map[string]string{}
	envSpec, err := mappingOf(orDefault(appSpec["env"], map[string]any{}), "app.env")
	if err != nil {
		return Outcome{}, err
	}
	for k, v := range envSpec {
		if env[k], err = stringOf(v, "app.env."+k); err != nil {
			return Outcome{}, err
		}
	}
	event, err := mappingOf(decodeOr(doc.Event, nil), "event")
	if err != nil {
		return Outcome{}, err
	}
	restore := setEnvironment(env)
	defer restore()

	fake := NewFakeManagementClient().ForEndpoint(FakeFixtureEndpoint)
	management, err := mappingOf(decodeOr(doc.Management, map[string]any{}), "management")
	if err != nil {
		return Outcome{}, err
	}
	if err := seed(fake, management, event); err != nil {
		return Outcome{}, err
	}
	run := &fixtureRun{fake: fake}
	app, err := run.buildApp(appSpec)
	if err != nil {
		return Outcome{}, err
	}
	ctx := context.Background()
	if len(doc.LambdaContext) > 0 && string(doc.LambdaContext) != "null" {
		spec, err := mappingOf(decodeOr(doc.LambdaContext, nil), "lambda_context")
		if err != nil {
			return Outcome{}, err
		}
		requestID, err := stringOf(spec["aws_request_id"], "lambda_context.aws_request_id")
		if err != nil {
			return Outcome{}, err
		}
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: requestID})
	}
	proxy, err := app.HandleLambda(ctx, doc.Event)
	if err != nil {
		return Outcome{}, err
	}
	response, err := CanonicalResponse(proxy)
	if err != nil {
		return Outcome{}, err
	}
	calls := []any{}
	for _, c := range orderedCalls(fake.Calls(), run.broadcasts) {
		calls = append(calls, CanonicalCall(c))
	}
	return Outcome{Response: response, Calls: calls}, nil
}

// CheckFixture runs a fixture and compares its outcome with its expect section (and its id with
// wantID when not empty); the error shows both sides.
func CheckFixture(fixture []byte, wantID string) error {
	var doc struct {
		ID     string          `json:"id"`
		Expect json.RawMessage `json:"expect"`
	}
	if err := json.Unmarshal(fixture, &doc); err != nil {
		return fixtureErr("not a JSON object: %v", err)
	}
	if wantID != "" && doc.ID != wantID {
		return fixtureErr("id is %q, want %q", doc.ID, wantID)
	}
	expect, err := mappingOf(decodeOr(doc.Expect, nil), "expect")
	if err != nil {
		return err
	}
	outcome, err := RunFixture(fixture)
	if err != nil {
		return err
	}
	var problems []string
	if !JSONEqual(outcome.Response, expect["response"]) {
		problems = append(problems, "response differs:\n  want: "+jsonText(expect["response"])+"\n  got:  "+jsonText(outcome.Response))
	}
	if !JSONEqual(outcome.Calls, expect["calls"]) {
		problems = append(problems, "calls differ:\n  want: "+jsonText(expect["calls"])+"\n  got:  "+jsonText(outcome.Calls))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

func setEnvironment(env map[string]string) (restore func()) {
	names := append([]string{}, managedEnv...)
	for name := range env {
		names = append(names, name)
	}
	type saved struct {
		value string
		set   bool
	}
	before := map[string]saved{}
	for _, name := range names {
		value, set := os.LookupEnv(name)
		before[name] = saved{value, set}
	}
	for _, name := range managedEnv {
		_ = os.Unsetenv(name)
	}
	for name, value := range env {
		_ = os.Setenv(name, value)
	}
	return func() {
		for name, s := range before {
			if s.set {
				_ = os.Setenv(name, s.value)
			} else {
				_ = os.Unsetenv(name)
			}
		}
	}
}

// ---- canonical forms ------------------------------------------------------------------------------

// CanonicalResponse is the proxy response as a fixture states it (contract-tests/README.md): the
// runtime's own values, unconverted: {status, headers: multiValueHeaders exactly as produced,
// body: the body string exactly, is_base64}. It fails when the proxy's single-value headers map is
// not the last value of each multiValueHeaders list (an invariant of every runtime's proxy response).
func CanonicalResponse(p apptheory.ProxyResponse) (map[string]any, error) {
	want := make(map[string]string, len(p.MultiValueHeaders))
	for name, values := range p.MultiValueHeaders {
		if len(values) > 0 {
			want[name] = values[len(values)-1]
		}
	}
	if p.Headers == nil || p.MultiValueHeaders == nil || !reflect.DeepEqual(want, p.Headers) {
		return nil, fmt.Errorf("proxy headers %v are not the last of each multiValueHeaders list %v", p.Headers, p.MultiValueHeaders)
	}
	return map[string]any{
		"status":    p.StatusCode,
		"headers":   p.MultiValueHeaders,
		"body":      p.Body,
		"is_base64": p.IsBase64Encoded,
	}, nil
}

// CanonicalCall is the canonical form of one recorded management call.
func CanonicalCall(c RecordedCall) map[string]any {
	out := map[string]any{"op": c.Op, "endpoint": c.Endpoint, "connection_id": c.ConnectionID}
	if c.Op == streamer.OpPostToConnection {
		if utf8.Valid(c.Data) {
			out["data"] = map[string]any{"encoding": "utf8", "value": string(c.Data)}
		} else {
			out["data"] = map[string]any{"encoding": "base64", "value": base64.StdEncoding.EncodeToString(c.Data)}
		}
	}
	return out
}

// orderedCalls keeps the calls in order, except that each broadcast's calls follow its ids' order.
func orderedCalls(calls []RecordedCall, spans []broadcastSpan) []RecordedCall {
	ordered := append([]RecordedCall(nil), calls...)
	for _, span := range spans {
		rank := map[string]int{}
		for i := len(span.ids) - 1; i >= 0; i-- {
			rank[span.ids[i]] = i
		}
		rankOf := func(id string) int {
			if r, ok := rank[id]; ok {
				return r
			}
			return len(span.ids)
		}
		segment := ordered[span.start:span.end]
		sort.SliceStable(segment, func(i, j int) bool { return rankOf(segment[i].ConnectionID) < rankOf(segment[j].ConnectionID) })
	}
	return ordered
}

// ---- app and fake set-up ------------------------------------------------------------------------------

func seed(fake *FakeManagementClient, management, event map[string]any) error {
	listed := map[string]bool{}
	entries, err := sequenceOf(orDefault(management["connections"], []any{}), "management.connections")
	if err != nil {
		return err
	}
	for i, entry := range entries {
		where := fmt.Sprintf("management.connections[%d]", i)
		if id, ok := entry.(string); ok {
			fake.AddConnection(id, Connection{})
			listed[id] = true
			continue
		}
		spec, err := mappingOf(entry, where)
		if err != nil {
			return err
		}
		id, err := stringOf(spec["id"], where+".id")
		if err != nil {
			return err
		}
		c := Connection{State: StateConnected}
		if state, ok := spec["state"]; ok {
			s, err := stringOf(state, where+".state")
			if err != nil {
				return err
			}
			c.State = ConnectionState(s)
		}
		if c.ConnectedAt, err = epochMillis(spec["connected_at"], where+".connected_at"); err != nil {
			return err
		}
		if c.LastActiveAt, err = epochMillis(spec["last_active_at"], where+".last_active_at"); err != nil {
			return err
		}
		if c.SourceIP, err = stringOf(orDefault(spec["source_ip"], ""), where+".source_ip"); err != nil {
			return err
		}
		if c.UserAgent, err = stringOf(orDefault(spec["user_agent"], ""), where+".user_agent"); err != nil {
			return err
		}
		fake.AddConnection(id, c)
		listed[id] = true
	}
	if rc, ok := event["requestContext"].(map[string]any); ok && rc["eventType"] == "CONNECT" {
		if own, ok := rc["connectionId"].(string); ok && own != "" && !listed[own] {
			fake.AddConnection(own, Connection{State: StateConnecting})
		}
	}
	failures, err := sequenceOf(orDefault(management["fail"], []any{}), "management.fail")
	if err != nil {
		return err
	}
	for i, entry := range failures {
		where := fmt.Sprintf("management.fail[%d]", i)
		spec, err := mappingOf(entry, where)
		if err != nil {
			return err
		}
		var f Failure
		if f.Op, err = stringOf(spec["op"], where+".op"); err != nil {
			return err
		}
		if f.AWSCode, err = stringOf(spec["aws_code"], where+".aws_code"); err != nil {
			return err
		}
		if status, ok := spec["status"]; ok && status != nil {
			if f.Status, err = intOf(status, where+".status"); err != nil {
				return err
			}
		}
		if scope, ok := spec["connection_id"]; ok && scope != nil {
			if f.ConnectionID, err = stringOf(scope, where+".connection_id"); err != nil {
				return err
			}
		}
		f.Sticky = spec["sticky"] == true
		if err := fake.Fail(f); err != nil {
			return err
		}
	}
	return nil
}

func epochMillis(value any, where string) (time.Time, error) {
	if value == nil {
		return time.Time{}, nil
	}
	ms, err := intOf(value, where)
	if err != nil {
		return time.Time{}, fixtureErr("%s must be epoch milliseconds (integer)", where)
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

func (r *fixtureRun) buildApp(spec map[string]any) (*apptheory.App, error) {
	opts := []apptheory.Option{apptheory.WithWebSocketClientFactory(r.fake.ClientFactory())}
	support := orDefault(spec["websocket_support"], true)
	if b, ok := support.(bool); !ok {
		return nil, fixtureErr("app.websocket_support must be a boolean")
	} else if b {
		opts = append(opts, apptheory.WithWebSocketSupport())
	}
	if endpoint, ok := spec["management_endpoint"]; ok && endpoint != nil {
		url, err := stringOf(endpoint, "app.management_endpoint")
		if err != nil {
			return nil, err
		}
		opts = append(opts, apptheory.WithManagementEndpoint(url))
	}
	if actions, ok := spec["default_handler"]; ok && actions != nil {
		list, err := sequenceOf(actions, "app.default_handler")
		if err != nil {
			return nil, err
		}
		h, err := r.makeHandler(list, "app.default_handler")
		if err != nil {
			return nil, err
		}
		opts = append(opts, apptheory.WithDefaultHandler(h))
	}
	app := apptheory.New(opts...)
	middleware, err := sequenceOf(orDefault(spec["middleware"], []any{}), "app.middleware")
	if err != nil {
		return nil, err
	}
	for i, entry := range middleware {
		where := fmt.Sprintf("app.middleware[%d]", i)
		name, arg, err := singleKey(entry, where)
		if err != nil {
			return nil, err
		}
		if name != "append_header" {
			return nil, fixtureErr("%s: unknown middleware %q", where, name)
		}
		header, err := mappingOf(arg, where+".append_header")
		if err != nil {
			return nil, err
		}
		headerName, err := stringOf(header["name"], where+".append_header.name")
		if err != nil {
			return nil, err
		}
		headerValue, err := stringOf(header["value"], where+".append_header.value")
		if err != nil {
			return nil, err
		}
		app.Use(appendHeader(headerName, headerValue))
	}
	routes, err := mappingOf(orDefault(spec["routes"], map[string]any{}), "app.routes")
	if err != nil {
		return nil, err
	}
	for _, key := range sortedKeys(routes) {
		where := fmt.Sprintf("app.routes[%q]", key)
		list, err := sequenceOf(routes[key], where)
		if err != nil {
			return nil, err
		}
		h, err := r.makeHandler(list, where)
		if err != nil {
			return nil, err
		}
		app.WebSocket(key, h)
	}
	return app, nil
}

// appendHeader appends value to response header name after the inner handler returns.
func appendHeader(name, value string) apptheory.Middleware {
	return func(next apptheory.Handler) apptheory.Handler {
		return func(c *apptheory.Context) (any, error) {
			result, err := next(c)
			if err != nil {
				return nil, err
			}
			resp, err := apptheory.ResponseFrom(result)
			if err != nil {
				return nil, err
			}
			headers := map[string][]string{}
			for _, key := range sortedKeys(resp.Headers) {
				lower := strings.ToLower(key)
				headers[lower] = append(headers[lower], resp.Headers[key]...)
			}
			headers[strings.ToLower(name)] = append(headers[strings.ToLower(name)], value)
			return &apptheory.Response{Status: resp.Status, Headers: headers, Body: resp.Body, IsBase64: resp.IsBase64}, nil
		}
	}
}

// ---- handlers --------------------------------------------------------------------------------------

var (
	respondActions    = map[string]bool{"respond_json": true, "respond_text": true, "respond_base64": true, "respond_none": true, "respond": true}
	managementActions = map[string]bool{"send_json": true, "send_json_to": true, "send": true, "get_connection": true, "delete_connection": true, "broadcast": true}
	otherActions      = map[string]bool{"capture_errors": true, "parse_json": true, "raise_app_error": true, "raise_error": true}
)

type step struct {
	name string
	arg  any
}

func (r *fixtureRun) makeHandler(actions []any, where string) (apptheory.Handler, error) {
	steps := make([]step, 0, len(actions))
	for i, action := range actions {
		name, arg, err := singleKey(action, fmt.Sprintf("%s[%d]", where, i))
		if err != nil {
			return nil, err
		}
		if !respondActions[name] && !managementActions[name] && !otherActions[name] {
			return nil, fixtureErr("%s[%d]: unknown action %q", where, i, name)
		}
		steps = append(steps, step{name, arg})
	}
	return func(c *apptheory.Context) (any, error) {
		ws, err := c.AsWebSocket()
		if err != nil {
			return nil, err
		}
		st := &handlerState{}
		for i, s := range steps {
			at := fmt.Sprintf("%s[%d].%s", where, i, s.name)
			switch {
			case respondActions[s.name]:
				return respond(s.name, s.arg, ws, st, at)
			case managementActions[s.name]:
				if err := r.manage(s.name, s.arg, ws, st, at); err != nil {
					if !st.capture || !isManagementError(err) {
						return nil, err
					}
					st.err = err
				}
			case s.name == "capture_errors":
				st.capture = true
			case s.name == "parse_json":
				var value any
				if err := ws.JSON(&value); err != nil {
					return nil, err
				}
			case s.name == "raise_app_error":
				spec, err := mappingOf(s.arg, at)
				if err != nil {
					return nil, err
				}
				code, err := stringOf(spec["code"], at+".code")
				if err != nil {
					return nil, err
				}
				message, err := substituteString(spec["message"], ws, st, at+".message")
				if err != nil {
					return nil, err
				}
				return nil, apptheory.NewAppError(code, message)
			case s.name == "raise_error":
				message, err := stringOf(s.arg, at)
				if err != nil {
					return nil, err
				}
				return nil, errors.New(message)
			}
		}
		return nil, nil
	}, nil
}

func respond(name string, arg any, ws *apptheory.WebSocketContext, st *handlerState, at string) (any, error) {
	switch name {
	case "respond_json":
		return substitute(arg, ws, st)
	case "respond_text":
		return substituteString(arg, ws, st, at)
	case "respond_base64":
		text, err := substituteString(arg, ws, st, at)
		if err != nil {
			return nil, err
		}
		return decodeBase64(text, at)
	case "respond_none":
		return nil, nil
	}
	spec, err := mappingOf(arg, at)
	if err != nil {
		return nil, err
	}
	status, err := intOf(spec["status"], at+".status")
	if err != nil {
		return nil, err
	}
	headerSpec, err := mappingOf(orDefault(spec["headers"], map[string]any{}), at+".headers")
	if err != nil {
		return nil, err
	}
	headers := map[string][]string{}
	for key, value := range headerSpec {
		v, err := substituteString(value, ws, st, at+".headers."+key)
		if err != nil {
			return nil, err
		}
		headers[key] = []string{v}
	}
	body, err := substituteString(orDefault(spec["body"], ""), ws, st, at+".body")
	if err != nil {
		return nil, err
	}
	return &apptheory.Response{Status: status, Headers: headers, Body: []byte(body)}, nil
}

func payload(spec map[string]any, ws *apptheory.WebSocketContext, st *handlerState, at string) ([]byte, error) {
	utf8Value, hasUTF8 := spec["utf8"]
	base64Value, hasBase64 := spec["base64"]
	if hasUTF8 == hasBase64 {
		return nil, fixtureErr("%s needs exactly one of utf8 or base64", at)
	}
	var data []byte
	if hasUTF8 {
		text, err := substituteString(utf8Value, ws, st, at+".utf8")
		if err != nil {
			return nil, err
		}
		data = []byte(text)
	} else {
		text, err := substituteString(base64Value, ws, st, at+".base64")
		if err != nil {
			return nil, err
		}
		if data, err = decodeBase64(text, at+".base64"); err != nil {
			return nil, err
		}
	}
	repeat := 1
	if value, ok := spec["repeat"]; ok {
		n, err := intOf(value, at+".repeat")
		if err != nil || n < 1 {
			return nil, fixtureErr("%s.repeat must be a positive integer", at)
		}
		repeat = n
	}
	return bytes.Repeat(data, repeat), nil
}

func (r *fixtureRun) manage(name string, arg any, ws *apptheory.WebSocketContext, st *handlerState, at string) error {
	switch name {
	case "send_json":
		value, err := substitute(arg, ws, st)
		if err != nil {
			return err
		}
		return ws.SendJSONMessage(value)
	case "send_json_to":
		spec, err := mappingOf(arg, at)
		if err != nil {
			return err
		}
		target, err := substituteString(spec["connection_id"], ws, st, at+".connection_id")
		if err != nil {
			return err
		}
		raw, ok := spec["value"]
		if !ok {
			return fixtureErr("%s needs a value", at)
		}
		value, err := substitute(raw, ws, st)
		if err != nil {
			return err
		}
		return ws.SendJSONMessageTo(target, value)
	case "send":
		spec, err := mappingOf(arg, at)
		if err != nil {
			return err
		}
		data, err := payload(spec, ws, st, at)
		if err != nil {
			return err
		}
		raw, ok := spec["connection_id"]
		if !ok || raw == nil {
			return ws.SendMessage(data) // the caller
		}
		target, err := substituteString(raw, ws, st, at+".connection_id")
		if err != nil {
			return err
		}
		return ws.SendMessageTo(target, data)
	case "get_connection":
		id, err := substituteString(arg, ws, st, at)
		if err != nil {
			return err
		}
		info, err := ws.GetConnection(id)
		if err != nil {
			return err
		}
		st.connection = &info
		return nil
	case "delete_connection":
		id, err := substituteString(arg, ws, st, at)
		if err != nil {
			return err
		}
		return ws.Disconnect(id)
	}
	// broadcast
	spec, err := mappingOf(arg, at)
	if err != nil {
		return err
	}
	items, err := sequenceOf(spec["connection_ids"], at+".connection_ids")
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(items))
	for i, item := range items {
		id, err := substituteString(item, ws, st, fmt.Sprintf("%s.connection_ids[%d]", at, i))
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	data, err := payload(spec, ws, st, at)
	if err != nil {
		return err
	}
	start := len(r.fake.Calls())
	result, err := ws.Broadcast(ids, data)
	if err != nil {
		return err
	}
	st.broadcast = &result
	st.broadcastIDs = ids
	r.broadcasts = append(r.broadcasts, broadcastSpan{start: start, end: len(r.fake.Calls()), ids: ids})
	return nil
}

// ---- placeholders ------------------------------------------------------------------------------------

// substitute replaces every string that is exactly {namespace.name}, at any depth (map keys excepted).
func substitute(value any, ws *apptheory.WebSocketContext, st *handlerState) (any, error) {
	switch v := value.(type) {
	case string:
		if m := placeholder.FindStringSubmatch(v); m != nil {
			return resolve(m[1], m[2], ws, st)
		}
		return v, nil
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			s, err := substitute(item, ws, st)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			s, err := substitute(item, ws, st)
			if err != nil {
				return nil, err
			}
			out[key] = s
		}
		return out, nil
	}
	return value, nil
}

func substituteString(value any, ws *apptheory.WebSocketContext, st *handlerState, at string) (string, error) {
	resolved, err := substitute(value, ws, st)
	if err != nil {
		return "", err
	}
	return stringOf(resolved, at)
}

func resolve(namespace, name string, ws *apptheory.WebSocketContext, st *handlerState) (any, error) {
	label := "{" + namespace + "." + name + "}"
	switch namespace {
	case "ws":
		if value, ok := wsField(ws, name); ok {
			return render(value), nil
		}
	case "body":
		switch name {
		case "text":
			return ws.Text()
		case "json":
			var value any // the runtime's own value, as a handler reads it
			if err := ws.JSON(&value); err != nil {
				return nil, err
			}
			return value, nil
		case "base64":
			return base64.StdEncoding.EncodeToString(ws.Body()), nil
		case "length":
			return len(ws.Body()), nil
		case "sha256":
			sum := sha256.Sum256(ws.Body())
			return hex.EncodeToString(sum[:]), nil
		}
	case "connection":
		if st.connection == nil {
			return nil, fixtureErr("%s used before any get_connection action", label)
		}
		if value, ok := connectionField(*st.connection, name); ok {
			return render(value), nil
		}
	case "broadcast":
		if st.broadcast == nil {
			return nil, fixtureErr("%s used before any broadcast action", label)
		}
		chosen := map[string]bool{}
		switch name {
		case "sent":
			for _, id := range st.broadcast.Sent {
				chosen[id] = true
			}
		case "gone":
			for _, id := range st.broadcast.Gone {
				chosen[id] = true
			}
		case "failed":
			for id := range st.broadcast.Failed {
				chosen[id] = true
			}
		default:
			return nil, fixtureErr("unknown placeholder %s", label)
		}
		out := []any{}
		seen := map[string]bool{}
		for _, id := range st.broadcastIDs {
			if chosen[id] && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return out, nil
	case "error":
		if value, ok := errorField(st.err, name); ok {
			return value, nil
		}
	}
	return nil, fixtureErr("unknown placeholder %s", label)
}

// render is a runtime value for a placeholder: the value itself (maps, lists, strings, numbers and
// booleans as the runtime holds them, encoded by the runtime's own encoder), except the conversions
// the fixture format defines identically for every language: a timestamp is ISO-8601 UTC with
// milliseconds (the zero time, i.e. absent, is null) and bytes are standard base64.
func render(value any) any {
	switch v := value.(type) {
	case time.Time:
		if v.IsZero() {
			return nil
		}
		return v.UTC().Format("2006-01-02T15:04:05.000Z")
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	}
	return value
}

// ---- JSON helpers -----------------------------------------------------------------------------------

func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func decodeOr(raw json.RawMessage, fallback any) any {
	if len(raw) == 0 {
		return fallback
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return fallback
	}
	return v
}

func orDefault(value, fallback any) any {
	if value == nil {
		return fallback
	}
	return value
}

// JSONEqual compares two JSON values as the Python runner does: numbers by value (1 == 1.0),
// objects by keys, arrays in order.
func JSONEqual(a, b any) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

func normalize(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	tree, err := decodeJSON(raw)
	if err != nil {
		return v
	}
	return normalizeTree(tree)
}

func normalizeTree(v any) any {
	switch t := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(t))
		if !ok {
			return string(t)
		}
		return r.RatString()
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			out[k] = normalizeTree(item)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = normalizeTree(item)
		}
		return out
	}
	return v
}

func jsonText(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(raw)
}

func singleKey(value any, where string) (string, any, error) {
	m, ok := value.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil, fixtureErr("%s must be an object with exactly one key", where)
	}
	for k, v := range m {
		return k, v, nil
	}
	return "", nil, nil
}

func mappingOf(value any, where string) (map[string]any, error) {
	m, ok := value.(map[string]any)
	if !ok {
		return nil, fixtureErr("%s must be an object", where)
	}
	return m, nil
}

func sequenceOf(value any, where string) ([]any, error) {
	s, ok := value.([]any)
	if !ok {
		return nil, fixtureErr("%s must be an array", where)
	}
	return s, nil
}

func stringOf(value any, where string) (string, error) {
	s, ok := value.(string)
	if !ok {
		return "", fixtureErr("%s must be a string, got %T", where, value)
	}
	return s, nil
}

func intOf(value any, where string) (int, error) {
	n, ok := value.(json.Number)
	if !ok {
		return 0, fixtureErr("%s must be an integer", where)
	}
	i, err := n.Int64()
	if err != nil {
		return 0, fixtureErr("%s must be an integer", where)
	}
	return int(i), nil
}

func decodeBase64(text, where string) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(text)
	if err != nil || strings.ContainsAny(text, "\r\n") {
		return nil, fixtureErr("%s is not valid base64", where)
	}
	return data, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
