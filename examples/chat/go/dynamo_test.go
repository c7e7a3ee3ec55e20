package main

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/testkit"
)

// DynamoRooms through the real aws-sdk-go-v2 client (made from the environment, as in Lambda) against
// fakeDynamo, a small DynamoDB JSON-protocol server holding one table in the chat layout. It checks
// every request's shape: the key and index layout of examples/chat/python/chat_rooms.py.

const testTable = "chat-connections"

type fakeDynamo struct {
	t        *testing.T
	index    string
	pageSize int // Query page size, to exercise pagination

	mu    sync.Mutex
	order []string          // connection ids, in the order they were written
	rooms map[string]string // connectionId -> room
	ops   []string
}

type attr = map[string]string // {"S": "..."}

func newFakeDynamo(t *testing.T, index string) *fakeDynamo {
	t.Helper()
	f := &fakeDynamo{t: t, index: index, pageSize: 1, rooms: map[string]string{}}
	server := httptest.NewServer(f)
	t.Cleanup(server.Close)
	// The SDK's default configuration, pointed at the fake: no profile, no metadata service.
	for key, value := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":   server.URL,
		"AWS_ACCESS_KEY_ID":           "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "eu-west-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"CONNECTIONS_TABLE":           testTable,
	} {
		t.Setenv(key, value)
	}
	return f
}

// reply writes a response as DynamoDB does, with the X-Amz-Crc32 header the SDK checks.
func reply(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f *fakeDynamo) errorf(w http.ResponseWriter, format string, args ...any) {
	f.t.Errorf(format, args...)
	reply(w, http.StatusBadRequest, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"bad request"}`))
}

func (f *fakeDynamo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	if !ok || r.Method != http.MethodPost {
		f.errorf(w, "unexpected request %s %s %q", r.Method, r.URL, r.Header.Get("X-Amz-Target"))
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var in struct {
		TableName                 string
		IndexName                 string
		Item, Key                 map[string]attr
		ExclusiveStartKey         map[string]attr
		ReturnValues              string
		ConsistentRead            bool
		KeyConditionExpression    string
		ExpressionAttributeNames  map[string]string
		ExpressionAttributeValues map[string]attr
		ProjectionExpression      string
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // nothing but what the layout needs
	if err := dec.Decode(&in); err != nil {
		f.errorf(w, "%s: %v %s", op, err, raw)
		return
	}
	if in.TableName != testTable {
		reply(w, http.StatusBadRequest, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`))
		return
	}
	keyOf := func(key map[string]attr) (string, bool) {
		id, ok := key["connectionId"]["S"]
		return id, ok && len(key) == 1 && len(key["connectionId"]) == 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, op)
	var out any
	switch op {
	case "PutItem":
		id, room := in.Item["connectionId"]["S"], in.Item["room"]["S"]
		if len(in.Item) != 2 || id == "" || room == "" {
			f.errorf(w, "PutItem: items are {connectionId, room}: %s", raw)
			return
		}
		if _, known := f.rooms[id]; !known {
			f.order = append(f.order, id)
		}
		f.rooms[id] = room
		out = map[string]any{}
	case "GetItem":
		id, ok := keyOf(in.Key)
		if !ok || !in.ConsistentRead {
			f.errorf(w, "GetItem: %s", raw)
			return
		}
		out = map[string]any{}
		if room, found := f.rooms[id]; found {
			out = map[string]any{"Item": map[string]attr{"connectionId": {"S": id}, "room": {"S": room}}}
		}
	case "DeleteItem":
		id, ok := keyOf(in.Key)
		if !ok || in.ReturnValues != "ALL_OLD" {
			f.errorf(w, "DeleteItem: %s", raw)
			return
		}
		out = map[string]any{}
		if room, found := f.rooms[id]; found {
			delete(f.rooms, id)
			f.order = slices.DeleteFunc(f.order, func(c string) bool { return c == id })
			out = map[string]any{"Attributes": map[string]attr{"connectionId": {"S": id}, "room": {"S": room}}}
		}
	case "Query":
		room := in.ExpressionAttributeValues[":room"]["S"]
		if in.IndexName != f.index || in.KeyConditionExpression != "#room = :room" ||
			!reflect.DeepEqual(in.ExpressionAttributeNames, map[string]string{"#room": "room"}) || room == "" ||
			in.ProjectionExpression != "connectionId" {
			f.errorf(w, "Query: %s", raw)
			return
		}
		var ids []string
		for _, id := range f.order {
			if f.rooms[id] == room {
				ids = append(ids, id)
			}
		}
		if start := in.ExclusiveStartKey; start != nil {
			i := slices.Index(ids, start["connectionId"]["S"])
			if i < 0 || start["room"]["S"] != room {
				f.errorf(w, "Query: bad ExclusiveStartKey %s", raw)
				return
			}
			ids = ids[i+1:]
		}
		page := map[string]any{}
		if len(ids) > f.pageSize {
			ids = ids[:f.pageSize]
			last := ids[len(ids)-1]
			page["LastEvaluatedKey"] = map[string]attr{"connectionId": {"S": last}, "room": {"S": room}}
		}
		items := []map[string]attr{}
		for _, id := range ids {
			items = append(items, map[string]attr{"connectionId": {"S": id}})
		}
		page["Items"], page["Count"], page["ScannedCount"] = items, len(items), len(items)
		out = page
	default:
		f.errorf(w, "unexpected operation %s", op)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		f.errorf(w, "%s: %v", op, err)
		return
	}
	reply(w, http.StatusOK, body)
}

func (f *fakeDynamo) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ops)
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestDynamoRoomsBehaveLikeMemoryRooms(t *testing.T) {
	fake := newFakeDynamo(t, DefaultRoomIndex)
	rooms, ok := roomsFromEnv().(*DynamoRooms)
	if !ok || rooms.client != nil {
		t.Fatalf("want a DynamoRooms whose client is made on first use, got %#v", rooms)
	}
	ctx := context.Background()
	for _, m := range [][2]string{{"a", "r1"}, {"b", "r1"}, {"c", "r2"}, {"d", "r1"}} {
		if err := rooms.Join(ctx, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	if got := sorted(members(t, rooms, "r1")); !reflect.DeepEqual(got, []string{"a", "b", "d"}) {
		t.Fatalf("r1: %v", got) // three pages of one
	}
	if got := roomOf(t, rooms, "c"); got != "r2" {
		t.Fatalf("room of c: %q", got)
	}
	if room, found, err := rooms.Leave(ctx, "a"); room != "r1" || !found || err != nil {
		t.Fatalf("leave a: %q %v %v", room, found, err)
	}
	if room, found, err := rooms.Leave(ctx, "a"); room != "" || found || err != nil {
		t.Fatalf("leave a again: %q %v %v", room, found, err)
	}
	if got := roomOf(t, rooms, "a"); got != "<none>" {
		t.Fatalf("room of a: %q", got)
	}
	if got := sorted(members(t, rooms, "r1")); !reflect.DeepEqual(got, []string{"b", "d"}) {
		t.Fatalf("r1: %v", got)
	}
	if err := rooms.Join(ctx, "b", "r2"); err != nil { // moving rooms replaces the item
		t.Fatal(err)
	}
	if got := sorted(members(t, rooms, "r2")); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Fatalf("r2: %v", got)
	}
	if got := members(t, rooms, "empty"); got == nil || len(got) != 0 {
		t.Fatalf("empty room: %#v", got)
	}
	if len(fake.calls()) == 0 || rooms.client == nil {
		t.Fatal("no DynamoDB calls were made")
	}
}

func TestRoomIndexOverride(t *testing.T) {
	newFakeDynamo(t, "by-room")
	t.Setenv("ROOM_INDEX", "by-room")
	rooms := roomsFromEnv()
	if err := rooms.Join(context.Background(), "a", "r1"); err != nil {
		t.Fatal(err)
	}
	if got := members(t, rooms, "r1"); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("r1: %v", got)
	}
}

func TestChatAppOnDynamoDB(t *testing.T) {
	fakeDB := newFakeDynamo(t, DefaultRoomIndex)
	fake := testkit.NewFakeManagementClient()
	app := newApp(nil, apptheory.WithWebSocketClientFactory(fake.ClientFactory())) // rooms from the environment, on first use
	if calls := fakeDB.calls(); len(calls) != 0 {
		t.Fatalf("DynamoDB called before the first event: %v", calls)
	}
	f := chatFixture{app: app, fake: fake}
	for _, cid := range []string{"a", "b", "gone"} {
		if p := f.join(t, cid, "r1"); p.StatusCode != 200 {
			t.Fatalf("connect %s: %+v", cid, p)
		}
	}
	if err := fake.SetState("gone", testkit.StateGone); err != nil {
		t.Fatal(err)
	}
	p := handle(t, app, "say", testkit.ConnectionID("b"), say("via dynamo"))
	if p.StatusCode != 200 || p.Body != `{"failed":0,"gone":1,"sent":2}` {
		t.Fatalf("say: %+v", p)
	}
	want := `{"from":"b","room":"r1","text":"via dynamo","type":"message"}`
	for _, cid := range []string{"a", "b"} {
		if got := fake.SentTo(cid); len(got) != 1 || string(got[0]) != want {
			t.Fatalf("sent to %s: %q", cid, got)
		}
	}
	handle(t, app, "$disconnect", testkit.ConnectionID("a"))
	if got := members(t, roomsFromEnv(), "r1"); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("r1 after a left and gone was pruned: %v", got)
	}
	p = handle(t, app, "say", testkit.ConnectionID("a"), say("hi"))
	if p.StatusCode != 409 {
		t.Fatalf("a left: %+v", p)
	}
}

func TestDynamoFailureIsAnInternalError(t *testing.T) {
	newFakeDynamo(t, DefaultRoomIndex)
	t.Setenv("CONNECTIONS_TABLE", "no-such-table")
	var logs bytes.Buffer
	fake := testkit.NewFakeManagementClient()
	app := newApp(nil, apptheory.WithWebSocketClientFactory(fake.ClientFactory()), apptheory.WithLogWriter(&logs))
	p := handle(t, app, "$connect", testkit.Query(map[string]string{"token": "secret-token"}))
	if p.StatusCode != 500 || errorOf(t, p) != (appError{apptheory.CodeInternal, "internal error"}) {
		t.Fatalf("got %+v", p)
	}
	if !strings.Contains(logs.String(), `"route_key":"$connect"`) || strings.Contains(logs.String(), "secret-token") {
		t.Fatalf("log: %s", logs.String())
	}
}
