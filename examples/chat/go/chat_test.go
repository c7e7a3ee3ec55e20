package main

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/testkit"
)

// The chat handlers against testkit's strict fake management client, rooms in memory; the same
// cases as tests/test_dev_chat_app.py runs on the Python app.

type chatFixture struct {
	app   *apptheory.App
	fake  *testkit.FakeManagementClient
	rooms *MemoryRooms
}

func newFixture(t *testing.T) chatFixture {
	t.Helper()
	fake := testkit.NewFakeManagementClient()
	rooms := NewMemoryRooms()
	app := newApp(rooms, apptheory.WithWebSocketClientFactory(fake.ClientFactory()))
	return chatFixture{app: app, fake: fake, rooms: rooms}
}

func handle(t *testing.T, app *apptheory.App, route string, opts ...testkit.EventOption) apptheory.ProxyResponse {
	t.Helper()
	proxy, err := app.HandleLambda(context.Background(), testkit.WebSocketEvent(route, opts...))
	if err != nil {
		t.Fatalf("%s: %v", route, err)
	}
	return proxy
}

// join connects cid with a token (room "" means no room parameter) and registers it with the fake.
func (f chatFixture) join(t *testing.T, cid, room string) apptheory.ProxyResponse {
	t.Helper()
	query := map[string]string{"token": "t"}
	if room != "" {
		query["room"] = room
	}
	proxy := handle(t, f.app, "$connect", testkit.ConnectionID(cid), testkit.Query(query))
	f.fake.AddConnection(cid, testkit.Connection{})
	return proxy
}

func say(text any) testkit.EventOption {
	raw, err := json.Marshal(map[string]any{"action": "say", "text": text})
	if err != nil {
		panic(err)
	}
	return testkit.Body(string(raw))
}

type appError struct {
	Code, Message string
}

func errorOf(t *testing.T, p apptheory.ProxyResponse) appError {
	t.Helper()
	var body struct {
		Error appError `json:"error"`
	}
	if err := json.Unmarshal([]byte(p.Body), &body); err != nil {
		t.Fatalf("not an error envelope: %q", p.Body)
	}
	return body.Error
}

func members(t *testing.T, rooms Rooms, room string) []string {
	t.Helper()
	ids, err := rooms.Members(context.Background(), room)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func roomOf(t *testing.T, rooms Rooms, cid string) string {
	t.Helper()
	room, found, err := rooms.RoomOf(context.Background(), cid)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		return "<none>"
	}
	return room
}

func TestConnectNeedsATokenAndAValidRoom(t *testing.T) {
	f := newFixture(t)
	noToken := appError{apptheory.CodeUnauthorized, "a token query parameter is required"}
	badRoom := appError{apptheory.CodeBadRequest, "room must be 1-64 of A-Z a-z 0-9 _ - ."}
	for _, tc := range []struct {
		name  string
		query map[string]string
		want  appError
	}{
		{"no query", nil, noToken},
		{"blank token", map[string]string{"token": " "}, noToken},
		{"separator token", map[string]string{"token": "\x1c\u00a0"}, noToken}, // Python's str.strip() removes both
		{"room with a space", map[string]string{"token": "t", "room": "a b"}, badRoom},
		{"room too long", map[string]string{"token": "t", "room": strings.Repeat("r", 65)}, badRoom},
		{"room with a newline", map[string]string{"token": "t", "room": "r1\n\nx"}, badRoom},
		{"non-ASCII room", map[string]string{"token": "t", "room": "café"}, badRoom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []testkit.EventOption{testkit.ConnectionID("c0")}
			if tc.query != nil {
				opts = append(opts, testkit.Query(tc.query))
			}
			p := handle(t, f.app, "$connect", opts...)
			status, _ := apptheory.StatusOf(tc.want.Code)
			if p.StatusCode != status || errorOf(t, p) != tc.want {
				t.Fatalf("got %d %s, want %d %+v", p.StatusCode, p.Body, status, tc.want)
			}
		})
	}
	if got := roomOf(t, f.rooms, "c0"); got != "<none>" {
		t.Fatalf("a rejected connection joined %q", got)
	}

	if p := f.join(t, "c1", ""); p.StatusCode != 200 || p.Body != "" {
		t.Fatalf("connect: %+v", p)
	}
	if got := roomOf(t, f.rooms, "c1"); got != DefaultRoom {
		t.Fatalf("default room: %q", got)
	}
	long := strings.Repeat("R", 64)
	for cid, room := range map[string]string{"c2": long, "c3": " a-Z_0.9 ", "c4": "\t"} {
		if p := f.join(t, cid, room); p.StatusCode != 200 {
			t.Fatalf("room %q: %+v", room, p)
		}
	}
	if roomOf(t, f.rooms, "c2") != long || roomOf(t, f.rooms, "c3") != "a-Z_0.9" || roomOf(t, f.rooms, "c4") != DefaultRoom {
		t.Fatal("rooms are stripped, blank means lobby")
	}
	if calls := f.fake.Calls(); len(calls) != 0 {
		t.Fatalf("$connect made management calls: %v", calls)
	}
}

func TestSayBroadcastsToTheRoomOnlyAndPrunesGoneMembers(t *testing.T) {
	f := newFixture(t)
	for _, m := range [][2]string{{"a", "r1"}, {"b", "r1"}, {"c", "r2"}, {"gone", "r1"}} {
		f.join(t, m[0], m[1])
	}
	if err := f.fake.SetState("gone", testkit.StateGone); err != nil {
		t.Fatal(err)
	}
	p := handle(t, f.app, "say", testkit.ConnectionID("a"), say("hi <&> \u2028 é"))
	if p.StatusCode != 200 || p.Body != `{"failed":0,"gone":1,"sent":2}` || p.Headers["content-type"] != apptheory.ContentTypeJSON {
		t.Fatalf("say: %+v", p)
	}
	expected := [][]byte{[]byte("{\"from\":\"a\",\"room\":\"r1\",\"text\":\"hi <&> \u2028 é\",\"type\":\"message\"}")}
	for cid, want := range map[string][][]byte{"a": expected, "b": expected, "c": nil} {
		if got := f.fake.SentTo(cid); !reflect.DeepEqual(got, want) {
			t.Errorf("sent to %s: %q, want %q", cid, got, want)
		}
	}
	if got := members(t, f.rooms, "r1"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("r1 members: %v", got)
	}
}

func TestSayCountsFailedSends(t *testing.T) {
	f := newFixture(t)
	f.join(t, "a", "r1")
	f.join(t, "b", "r1")
	if err := f.fake.Fail(testkit.Failure{Op: "post_to_connection", AWSCode: "LimitExceededException", ConnectionID: "b"}); err != nil {
		t.Fatal(err)
	}
	p := handle(t, f.app, "say", testkit.ConnectionID("a"), say("hi"))
	if p.StatusCode != 200 || p.Body != `{"failed":1,"gone":0,"sent":1}` {
		t.Fatalf("say: %+v", p)
	}
	if got := members(t, f.rooms, "r1"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("a failed (not gone) member stays: %v", got)
	}
}

func TestSayRejectsBadText(t *testing.T) {
	badSay := appError{apptheory.CodeBadRequest, `expected {"action":"say","text":"1-4000 characters"}`}
	invalidJSON := appError{apptheory.CodeBadRequest, "invalid json"}
	for _, tc := range []struct {
		name string
		body testkit.EventOption
		want appError
	}{
		{"empty", say(""), badSay},
		{"number", say(5), badSay},
		{"null", say(nil), badSay},
		{"too long", say(strings.Repeat("x", 4001)), badSay},
		{"too many characters", say(strings.Repeat("é", 4001)), badSay},
		{"no text", testkit.Body(`{"action":"say"}`), badSay},
		{"not an object", testkit.Body(`["say"]`), badSay},
		{"not JSON", testkit.Body(`{"action":"say",`), invalidJSON},
		{"NaN", testkit.Body(`{"action":"say","text":"hi","n":NaN}`), invalidJSON},
		{"binary", testkit.BinaryBody([]byte{0xff, 0xfe}), invalidJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.join(t, "a", "r1")
			p := handle(t, f.app, "say", testkit.ConnectionID("a"), tc.body)
			if p.StatusCode != 400 || errorOf(t, p) != tc.want {
				t.Fatalf("got %d %s, want 400 %+v", p.StatusCode, p.Body, tc.want)
			}
			if calls := f.fake.Calls(); len(calls) != 0 {
				t.Fatalf("management calls: %v", calls)
			}
		})
	}
}

func TestSayAcceptsTheLongestText(t *testing.T) {
	f := newFixture(t)
	f.join(t, "a", "r1")
	text := strings.Repeat("é", MaxText) // 4000 characters, 8000 bytes
	if p := handle(t, f.app, "say", testkit.ConnectionID("a"), say(text)); p.StatusCode != 200 {
		t.Fatalf("say: %+v", p)
	}
	var got map[string]string
	if err := json.Unmarshal(f.fake.SentTo("a")[0], &got); err != nil || got["text"] != text {
		t.Fatalf("sent: %v %v", got, err)
	}
}

func TestSayFromAConnectionOutsideAnyRoomIsAConflict(t *testing.T) {
	f := newFixture(t)
	p := handle(t, f.app, "say", testkit.ConnectionID("stranger"), say("hi"))
	want := appError{apptheory.CodeConflict, "this connection is not in a room; reconnect"}
	if p.StatusCode != 409 || errorOf(t, p) != want {
		t.Fatalf("got %+v", p)
	}
}

func TestDefaultTellsTheSenderAndDisconnectLeaves(t *testing.T) {
	f := newFixture(t)
	f.join(t, "a", "r1")
	if p := handle(t, f.app, "$default", testkit.ConnectionID("a"), testkit.Body("hello?")); p.StatusCode != 200 || p.Body != "" {
		t.Fatalf("$default: %+v", p)
	}
	want := `{"message":"unknown message; send {\"action\":\"say\",\"text\":\"...\"}","type":"error"}`
	if got := f.fake.SentTo("a"); len(got) != 1 || string(got[0]) != want {
		t.Fatalf("$default sent %q", got)
	}
	// A frame with an action that is no route lands on $default too (as API Gateway routes it).
	if p := handle(t, f.app, "$default", testkit.ConnectionID("a"), testkit.Body(`{"action":"shout"}`)); p.StatusCode != 200 {
		t.Fatalf("$default: %+v", p)
	}
	if p := handle(t, f.app, "$disconnect", testkit.ConnectionID("a"), testkit.Disconnect(1001, "Going away")); p.StatusCode != 200 || p.Body != "" {
		t.Fatalf("$disconnect: %+v", p)
	}
	if roomOf(t, f.rooms, "a") != "<none>" || len(members(t, f.rooms, "r1")) != 0 {
		t.Fatal("a is still in r1")
	}
	// Disconnecting a connection that is in no room is fine.
	if p := handle(t, f.app, "$disconnect", testkit.ConnectionID("a")); p.StatusCode != 200 {
		t.Fatalf("second $disconnect: %+v", p)
	}
}

func TestRejoiningMovesAConnection(t *testing.T) {
	f := newFixture(t)
	f.join(t, "a", "r1")
	f.join(t, "b", "r1")
	f.join(t, "a", "r2")
	if got := members(t, f.rooms, "r1"); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("r1: %v", got)
	}
	if got := members(t, f.rooms, "r2"); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("r2: %v", got)
	}
}

func TestMemoryIsTheDefault(t *testing.T) {
	t.Setenv("CONNECTIONS_TABLE", " ")
	if _, ok := roomsFromEnv().(*MemoryRooms); !ok {
		t.Fatal("a blank CONNECTIONS_TABLE must mean memory")
	}
}

func TestDynamoWhenConnectionsTableIsSet(t *testing.T) {
	t.Setenv("CONNECTIONS_TABLE", " chat-connections ")
	t.Setenv("ROOM_INDEX", "")
	d, ok := roomsFromEnv().(*DynamoRooms)
	if !ok || d.Table != "chat-connections" || d.Index != "room-index" || d.client != nil {
		t.Fatalf("got %#v", d)
	}
	t.Setenv("ROOM_INDEX", " by-room ")
	if d := roomsFromEnv().(*DynamoRooms); d.Index != "by-room" {
		t.Fatalf("ROOM_INDEX: %q", d.Index)
	}
}

func TestPyStrip(t *testing.T) {
	for in, want := range map[string]string{
		"": "", " x ": "x", "\t\n\v\f\r x\x1c\x1d\x1e\x1f": "x", "\u00a0\u2003x\u3000\u0085": "x", "\u200bx": "\u200bx",
	} {
		if got := pyStrip(in); got != want {
			t.Errorf("pyStrip(%q) = %q, want %q", in, got, want)
		}
	}
}
