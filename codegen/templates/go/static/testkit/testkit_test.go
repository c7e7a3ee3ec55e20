package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/streamer"
)

var ctx = context.Background()

func TestFakeBehavesLikeAWS(t *testing.T) {
	fake := NewFakeManagementClient("live")
	fake.AddConnection("joining", Connection{State: StateConnecting})
	fake.AddConnection("left", Connection{State: StateGone})
	for id, wantGone := range map[string]bool{"live": false, "joining": true, "left": true, "never": true} {
		err := fake.PostToConnection(ctx, id, []byte("hi"))
		if streamer.IsGone(err) != wantGone {
			t.Errorf("post to %s: %v", id, err)
		}
	}
	if err := fake.PostToConnection(ctx, "live", make([]byte, streamer.MessageBytes+1)); !errors.Is(err, streamer.ErrPayloadTooLarge) {
		t.Errorf("oversize: %v", err)
	}
	if n := len(fake.Calls()); n != 5 {
		t.Errorf("%d calls recorded; every call is, failed ones too", n)
	}
	// An empty or blank id fails as in the SDK client, before anything reaches "the network".
	for _, id := range []string{"", " ", "\t\n", "\u00a0\u3000"} {
		errs := map[string]error{
			streamer.OpPostToConnection: fake.PostToConnection(ctx, id, []byte("x")),
			streamer.OpDeleteConnection: fake.DeleteConnection(ctx, id),
		}
		_, errs[streamer.OpGetConnection] = fake.GetConnection(ctx, id)
		for op, err := range errs {
			var invalid *streamer.InvalidConnectionError
			var base *streamer.ManagementError
			if !errors.As(err, &invalid) || !errors.Is(err, streamer.ErrInvalidConnection) ||
				!errors.Is(err, streamer.ErrManagement) || !errors.As(err, &base) || base.Operation != op ||
				base.ConnectionID != id || base.Status != 0 || base.AWSCode != "" || base.Retryable {
				t.Errorf("%s %q: %#v", op, id, err)
			}
		}
	}
	if n := len(fake.Calls()); n != 5 {
		t.Errorf("a blank connection id was recorded: %d calls", n)
	}
	// Deleting a gone (or unknown) connection is success when the IDL says so, recorded either way;
	// other failures stay typed.
	goneIsSuccess := streamer.GoneIsSuccess(streamer.OpDeleteConnection)
	for _, id := range []string{"left", "never"} {
		if err := fake.DeleteConnection(ctx, id); (err == nil) != goneIsSuccess || (err != nil && !streamer.IsGone(err)) {
			t.Errorf("delete %s: %v", id, err)
		}
	}
	if err := fake.Fail(Failure{Op: streamer.OpDeleteConnection, AWSCode: "GoneException"}); err != nil {
		t.Fatal(err)
	}
	if err := fake.DeleteConnection(ctx, "live"); (err == nil) != goneIsSuccess {
		t.Errorf("an injected Gone on delete: %v", err)
	}
	if err := fake.Fail(Failure{Op: streamer.OpDeleteConnection, AWSCode: "ForbiddenException"}); err != nil {
		t.Fatal(err)
	}
	if err := fake.DeleteConnection(ctx, "live"); !errors.Is(err, streamer.ErrForbidden) {
		t.Errorf("an injected Forbidden on delete stays typed: %v", err)
	}
	if n := len(fake.Calls()); n != 9 {
		t.Errorf("deletes of gone connections are recorded: %d calls", n)
	}
	if state, _ := fake.StateOf("live"); state != StateConnected {
		t.Errorf("state after failed deletes: %s", state)
	}
	if err := fake.DeleteConnection(ctx, "live"); err != nil {
		t.Fatal(err)
	}
	if state, _ := fake.StateOf("live"); state != StateGone {
		t.Errorf("state after delete: %s", state)
	}
	if _, err := fake.GetConnection(ctx, "live"); !streamer.IsGone(err) {
		t.Errorf("get after delete: %v", err)
	}
	if err := fake.SetState("nobody", StateConnected); err == nil {
		t.Error("SetState on an unknown connection")
	}
	if err := fake.SetState("left", "weird"); err == nil {
		t.Error("SetState to an unknown state")
	}
	if _, known := fake.StateOf("never"); known {
		t.Error("StateOf an unknown connection")
	}
}

func TestFakeGetConnectionReturnsMetadata(t *testing.T) {
	fake := NewFakeManagementClient()
	at := time.Date(2026, 11, 26, 6, 38, 20, 0, time.UTC)
	fake.AddConnection("c", Connection{ConnectedAt: at, SourceIP: "198.51.100.7", UserAgent: "okhttp/4.12.0"})
	info, err := fake.GetConnection(ctx, "c")
	if err != nil || !info.ConnectedAt.Equal(at) || !info.LastActiveAt.Equal(at) || info.SourceIP != "198.51.100.7" ||
		info.UserAgent != "okhttp/4.12.0" {
		t.Errorf("%+v %v", info, err)
	}
	before := time.Now()
	_ = fake.PostToConnection(ctx, "c", []byte("x"))
	if info, _ := fake.GetConnection(ctx, "c"); info.LastActiveAt.Before(before) {
		t.Error("a post does not update last_active_at")
	}
}

func TestFakeInjectedFailures(t *testing.T) {
	fake := NewFakeManagementClient("a", "b")
	mustFail := func(f Failure) {
		if err := fake.Fail(f); err != nil {
			t.Fatal(err)
		}
	}
	mustFail(Failure{Op: streamer.OpPostToConnection, AWSCode: "LimitExceededException"})
	mustFail(Failure{Op: streamer.OpGetConnection, AWSCode: "ForbiddenException", ConnectionID: "b", Sticky: true})
	mustFail(Failure{Op: streamer.OpDeleteConnection, AWSCode: "InternalServerErrorException", Status: 500})
	var throttled *streamer.ThrottledError
	if err := fake.PostToConnection(ctx, "a", []byte("1")); !errors.As(err, &throttled) || !throttled.Retryable {
		t.Errorf("first post: %v", err)
	}
	if err := fake.PostToConnection(ctx, "a", []byte("2")); err != nil {
		t.Errorf("a failure without Sticky fails once: %v", err)
	}
	if _, err := fake.GetConnection(ctx, "a"); err != nil {
		t.Errorf("a failure for b hit a: %v", err)
	}
	for range 2 {
		if _, err := fake.GetConnection(ctx, "b"); !errors.Is(err, streamer.ErrForbidden) {
			t.Errorf("sticky failure: %v", err)
		}
	}
	var server *streamer.ServerError
	if err := fake.DeleteConnection(ctx, "a"); !errors.As(err, &server) || server.AWSCode != "InternalServerErrorException" {
		t.Errorf("5xx: %v", err)
	}
	if err := fake.Fail(Failure{Op: "publish", AWSCode: "GoneException"}); err == nil {
		t.Error("an unknown operation was accepted")
	}
	if err := fake.Fail(Failure{Op: streamer.OpPostToConnection, AWSCode: "TeapotException"}); err == nil {
		t.Error("an unknown code without a status was accepted")
	}
}

func TestFakeTransportErrorsCanBeInjected(t *testing.T) {
	fake := NewFakeManagementClient("c1", "c2")
	mustFail := func(f Failure) {
		t.Helper()
		if err := fake.Fail(f); err != nil {
			t.Fatal(err)
		}
	}
	var (
		base    *streamer.ManagementError
		network *streamer.NetworkError
		late    *streamer.DeadlineExceededError
		bad     *streamer.MalformedResponseError
	)

	mustFail(Failure{Op: streamer.OpPostToConnection, AWSCode: "NetworkError"})
	err := fake.PostToConnection(ctx, "c1", []byte("x"))
	if _, exact := err.(*streamer.NetworkError); !exact || !errors.As(err, &network) || !errors.As(err, &base) {
		t.Fatalf("NetworkError: %T %v", err, err)
	}
	if network.Status != 0 || !network.Retryable || network.AWSCode != "" || network.Operation != streamer.OpPostToConnection ||
		network.ConnectionID != "c1" || !errors.Is(err, streamer.ErrNetwork) || errors.Is(err, streamer.ErrDeadlineExceeded) {
		t.Errorf("NetworkError: %+v", network)
	}
	if got, want := err.Error(), "post_to_connection c1: error (HTTP 0): injected by FakeManagementClient"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}

	mustFail(Failure{Op: streamer.OpDeleteConnection, AWSCode: "DeadlineExceededError"})
	err = fake.DeleteConnection(ctx, "c1")
	if _, exact := err.(*streamer.DeadlineExceededError); !exact || !errors.As(err, &late) || !errors.As(err, &network) {
		t.Fatalf("DeadlineExceededError (a NetworkError): %T %v", err, err)
	}
	if late.Status != 0 || !late.Retryable || late.AWSCode != "" || !errors.Is(err, streamer.ErrDeadlineExceeded) ||
		!errors.Is(err, streamer.ErrNetwork) || streamer.IsGone(err) {
		t.Errorf("DeadlineExceededError: %+v", late)
	}
	if state, _ := fake.StateOf("c1"); state != StateConnected {
		t.Errorf("a delete that timed out closed the connection: %s", state)
	}

	mustFail(Failure{Op: streamer.OpGetConnection, AWSCode: "MalformedResponseError"})
	_, err = fake.GetConnection(ctx, "c1")
	if _, exact := err.(*streamer.MalformedResponseError); !exact || !errors.As(err, &bad) || !errors.As(err, &base) ||
		errors.As(err, &network) {
		t.Fatalf("MalformedResponseError: %T %v", err, err)
	}
	if bad.Status != 200 || bad.Retryable || bad.AWSCode != "" || !errors.Is(err, streamer.ErrMalformedResponse) {
		t.Errorf("MalformedResponseError: %+v", bad)
	}
	for _, op := range []string{streamer.OpPostToConnection, streamer.OpDeleteConnection} {
		err := fake.Fail(Failure{Op: op, AWSCode: "MalformedResponseError"})
		want := "testkit: MalformedResponseError needs an operation that returns a body: " + streamer.OpGetConnection
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", op, err, want)
		}
	}

	if err := fake.PostToConnection(ctx, "c1", []byte("ok")); err != nil { // each injection was used once
		t.Errorf("after the injections: %v", err)
	}
	fake.AssertCalls(t,
		RecordedCall{Op: streamer.OpPostToConnection, Endpoint: DefaultFakeEndpoint, ConnectionID: "c1", Data: []byte("x")},
		RecordedCall{Op: streamer.OpDeleteConnection, Endpoint: DefaultFakeEndpoint, ConnectionID: "c1"},
		RecordedCall{Op: streamer.OpGetConnection, Endpoint: DefaultFakeEndpoint, ConnectionID: "c1"},
		RecordedCall{Op: streamer.OpPostToConnection, Endpoint: DefaultFakeEndpoint, ConnectionID: "c1", Data: []byte("ok")},
	)

	// Scoped and sticky work as for AWS codes; a Status given to Fail is kept.
	mustFail(Failure{Op: streamer.OpPostToConnection, AWSCode: "DeadlineExceededError", ConnectionID: "c2", Sticky: true})
	mustFail(Failure{Op: streamer.OpGetConnection, AWSCode: "MalformedResponseError", Status: 203})
	for range 2 {
		if err := fake.PostToConnection(ctx, "c2", []byte("y")); !errors.Is(err, streamer.ErrDeadlineExceeded) {
			t.Errorf("sticky, scoped: %v", err)
		}
	}
	if err := fake.PostToConnection(ctx, "c1", []byte("y")); err != nil {
		t.Errorf("a failure for c2 hit c1: %v", err)
	}
	if _, err := fake.GetConnection(ctx, "c2"); !errors.As(err, &bad) || bad.Status != 203 {
		t.Errorf("explicit status: %v", err)
	}
}

type recordingTB struct {
	failed  bool
	message string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed, r.message = true, fmt.Sprintf(format, args...)
}

func TestAssertCallsAndSharedEndpoints(t *testing.T) {
	fake := NewFakeManagementClient("a")
	other := fake.ForEndpoint("https://other.example.com/prod")
	_ = other.PostToConnection(ctx, "a", []byte("x"))
	_, _ = fake.GetConnection(ctx, "a")
	want := []RecordedCall{
		{Op: streamer.OpPostToConnection, Endpoint: "https://other.example.com/prod", ConnectionID: "a", Data: []byte("x")},
		{Op: streamer.OpGetConnection, Endpoint: DefaultFakeEndpoint, ConnectionID: "a"},
	}
	fake.AssertCalls(t, want...)
	tb := &recordingTB{}
	fake.AssertCalls(tb, want[0])
	if !tb.failed || !strings.Contains(tb.message, "expected:") || !strings.Contains(tb.message, "actual:") {
		t.Errorf("AssertCalls did not fail with a diff: %q", tb.message)
	}
	if got := fake.SentTo("a"); len(got) != 1 || string(got[0]) != "x" {
		t.Errorf("SentTo: %q", got)
	}
	fake.ResetCalls()
	fake.AssertCalls(t)
}

func TestWebSocketEventIsWhatTheRuntimeParses(t *testing.T) {
	app := apptheory.New()
	var seen map[string]any
	app.SetDefaultHandler(func(c *apptheory.Context) (any, error) {
		ws, _ := c.AsWebSocket()
		seen = map[string]any{
			"route": ws.RouteKey(), "type": ws.EventType(), "conn": ws.ConnectionID(), "body": string(ws.Body()),
			"base64": ws.IsBase64(), "host": ws.Headers()["host"], "query": ws.Query()["room"],
			"code": ws.DisconnectStatusCode(), "reason": ws.DisconnectReason(), "endpoint": ws.ManagementEndpoint(),
		}
		return nil, nil
	})
	check := func(event json.RawMessage, want map[string]any) {
		t.Helper()
		if !apptheory.IsWebSocketEvent(event) {
			t.Fatalf("not a WebSocket event: %s", event)
		}
		if _, err := app.HandleLambda(ctx, event); err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if seen[k] != v {
				t.Errorf("%s: %v, want %v", k, seen[k], v)
			}
		}
	}
	check(WebSocketEvent("$connect", Query(map[string]string{"room": "lobby"})), map[string]any{
		"route": "$connect", "type": "CONNECT", "conn": DefaultConnectionID, "host": DefaultDomain, "query": "lobby",
		"endpoint": "https://" + DefaultDomain + "/dev",
	})
	check(WebSocketEvent("$disconnect", Disconnect(1001, "Going away")), map[string]any{
		"type": "DISCONNECT", "code": 1001, "reason": "Going away",
	})
	check(WebSocketEvent("sendMessage", ConnectionID("c9"), BinaryBody([]byte{0, 1, 255})), map[string]any{
		"type": "MESSAGE", "conn": "c9", "body": "\x00\x01\xff", "base64": true,
	})
	check(WebSocketEvent("$default", JSONBody(map[string]int{"n": 1}), Stage("prod")), map[string]any{
		"body": `{"n":1}`, "endpoint": "https://" + DefaultDomain + "/prod",
	})
}

func TestCheckFixtureDetectsEveryKindOfMismatch(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixturesDir, "default.send_json.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckFixture(data, "default.send_json"); err != nil {
		t.Fatalf("the unchanged fixture fails: %v", err)
	}
	edits := map[string]func(expect map[string]any){
		"status": func(e map[string]any) { e["response"].(map[string]any)["status"] = 201 },
		"header": func(e map[string]any) { e["response"].(map[string]any)["headers"] = map[string]any{} },
		"body":   func(e map[string]any) { e["response"].(map[string]any)["body"] = `{"sent": true}` },
		"call data": func(e map[string]any) {
			e["calls"].([]any)[0].(map[string]any)["data"].(map[string]any)["value"] = `{"ok":false}`
		},
		"missing call":  func(e map[string]any) { e["calls"] = []any{} },
		"call endpoint": func(e map[string]any) { e["calls"].([]any)[0].(map[string]any)["endpoint"] = "https://x" },
	}
	for name, edit := range edits {
		var doc map[string]any
		_ = json.Unmarshal(data, &doc)
		edit(doc["expect"].(map[string]any))
		changed, _ := json.Marshal(doc)
		if err := CheckFixture(changed, ""); err == nil {
			t.Errorf("%s: a wrong expectation passed", name)
		}
	}
	if err := CheckFixture(data, "another.id"); err == nil {
		t.Error("a wrong id passed")
	}
}

func TestRunFixtureRejectsMalformedFixtures(t *testing.T) {
	base := `{"id": "x", "doc": "d", "event": {"requestContext": {"connectionId": "c", "routeKey": "$default"}},
		"expect": {"response": {"status": 200, "headers": {}, "body": "", "is_base64": false}, "calls": []}, `
	for name, app := range map[string]string{
		"unknown action":     `"app": {"routes": {"$default": [{"dance": true}]}}}`,
		"two keys":           `"app": {"routes": {"$default": [{"respond_none": true, "parse_json": true}]}}}`,
		"unknown middleware": `"app": {"middleware": [{"gzip": {}}]}}`,
		"bad support":        `"app": {"websocket_support": "yes"}}`,
	} {
		if _, err := RunFixture([]byte(base + app)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// An unknown placeholder fails inside the handler: the runtime answers 500, as in Python.
	outcome, err := RunFixture([]byte(base + `"app": {"routes": {"$default": [{"respond_json": {"a": "{ws.nope}"}}]}}}`))
	if err != nil || fmt.Sprint(outcome.Response["status"]) != "500" {
		t.Errorf("unknown placeholder: %v %v", outcome.Response, err)
	}
}

func TestJSONEqualComparesNumbersByValue(t *testing.T) {
	if !JSONEqual(map[string]any{"n": json.Number("1")}, map[string]any{"n": 1.0}) {
		t.Error("1 != 1.0")
	}
	if JSONEqual([]any{1, 2}, []any{2, 1}) || JSONEqual(map[string]any{"a": 1}, map[string]any{"a": 1, "b": nil}) {
		t.Error("order or keys ignored")
	}
}
