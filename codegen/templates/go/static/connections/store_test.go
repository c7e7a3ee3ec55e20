package connections

// One behaviour suite run against moto's DynamoDB-compatible server and the in-memory store (the
// Python suite's cases, tests/test_connection_store.py), then what only DynamoDB has (layout, TTL,
// error mapping), the table shared with the Python store, and the strict fake.
//
// The DynamoDB tests need APPTHEORY_TEST_DYNAMODB_ENDPOINT (scripts/test-go starts moto and sets it);
// without it they FAIL. For a quick local run without moto, APPTHEORY_TEST_DYNAMODB=skip skips them.
// The cross-language test also runs Python (APPTHEORY_TEST_PYTHON, default the project's .venv).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	endpointEnv = "APPTHEORY_TEST_DYNAMODB_ENDPOINT"
	optOutEnv   = "APPTHEORY_TEST_DYNAMODB"
	pythonEnv   = "APPTHEORY_TEST_PYTHON"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 123456000, time.UTC)

func TestMain(m *testing.M) {
	// The SDK must never find real credentials or a profile in tests that talk to the local server.
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "testing",
		"AWS_CONFIG_FILE":             "/nonexistent/aws-config",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
		"AWS_REGION":                  "us-east-1",
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		os.Setenv(k, v)
	}
	os.Exit(m.Run())
}

// endpoint is moto's URL; a missing one fails the test unless DynamoDB tests are opted out.
func endpoint(t *testing.T) string {
	t.Helper()
	ep := os.Getenv(endpointEnv)
	if ep == "" {
		if os.Getenv(optOutEnv) == "skip" {
			t.Skip(optOutEnv + "=skip: DynamoDB tests skipped (local use only)")
		}
		t.Fatal(endpointEnv + " is not set: the DynamoDB tests need moto's server (scripts/test-go starts one; " +
			"or run `.venv/bin/moto_server -H 127.0.0.1 -p PORT` and set it to http://127.0.0.1:PORT). " +
			optOutEnv + "=skip skips them for a local run.")
	}
	return ep
}

func tableName(t *testing.T) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "connections-" + hex.EncodeToString(b[:])
}

func newTable(t *testing.T) *DynamoDBConnectionStore {
	t.Helper()
	ctx := context.Background()
	s, err := NewDynamoDBConnectionStore(ctx, tableName(t), WithRegion("us-east-1"), WithEndpoint(endpoint(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// eachStore runs f against the in-memory store and a fresh moto table.
func eachStore(t *testing.T, f func(t *testing.T, s ConnectionStore)) {
	t.Run("memory", func(t *testing.T) { f(t, NewInMemoryConnectionStore()) })
	t.Run("dynamodb", func(t *testing.T) { f(t, newTable(t)) })
}

func conn(id, user, tenant string, created time.Time) *Connection {
	return &Connection{ID: id, UserID: user, TenantID: tenant, CreatedAt: created, ExpiresAt: time.Now().Add(time.Hour)}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s ConnectionStore, id string) *Connection {
	t.Helper()
	c, err := s.Get(context.Background(), id)
	must(t, err)
	return c
}

func count(t *testing.T, s ConnectionStore) int64 {
	t.Helper()
	n, err := s.CountActive(context.Background())
	must(t, err)
	return n
}

// ids of a list; a failed call is one "error: ..." entry (so the comparison shows it).
func ids(list []*Connection, err error) []string {
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	out := []string{}
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

func samplePrincipal() *Principal {
	return &Principal{
		Subject: "u-1",
		Scopes:  []string{"chat:read", "chat:write"},
		Claims:  map[string]any{"iss": "dev", "n": json.Number("3"), "x": []any{json.Number("1"), nil}},
	}
}

// --- the shared suite ---------------------------------------------------------------------------

func TestSaveThenGetRoundTripsEveryField(t *testing.T) {
	eachStore(t, func(t *testing.T, s ConnectionStore) {
		ctx := context.Background()
		c := conn("c1", "u-1", "t-1", t0)
		c.Metadata = map[string]string{"room": "lobby", "é": "ü"}
		c.Principal = samplePrincipal()
		c.ExpiresAt = time.Date(2099, 1, 1, 0, 0, 0, 900000000, time.UTC)
		must(t, s.Save(ctx, c))
		want := &Connection{
			ID:        "c1",
			UserID:    "u-1",
			TenantID:  "t-1",
			CreatedAt: time.Date(2026, 11, 30, 12, 0, 0, 123000000, time.UTC), // kept to the millisecond
			ExpiresAt: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),            // kept to the second
			Metadata:  map[string]string{"room": "lobby", "é": "ü"},
			Principal: samplePrincipal(),
		}
		if got := get(t, s, "c1"); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v\nwant %+v", got, want)
		}
		if c.ExpiresAt.Nanosecond() != 900000000 {
			t.Fatal("Save changed its argument")
		}
	})
}

func TestSaveFillsCreatedAtAndExpiresAtFromTheLifetime(t *testing.T) {
	eachStore(t, func(t *testing.T, s ConnectionStore) {
		before := time.Now().Add(-time.Second)
		must(t, s.Save(context.Background(), &Connection{ID: "c1"}))
		got := get(t, s, "c1")
		if got == nil || got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now()) {
			t.Fatalf("created_at not filled with now: %+v", got)
		}
		if Lifetime != 2*time.Hour {
			t.Fatalf("Lifetime = %v", Lifetime)
		}
		end := got.CreatedAt.Add(Lifetime)
		if got.ExpiresAt.Before(end.Add(-time.Second)) || got.ExpiresAt.After(end) {
			t.Fatalf("expires_at %v, created_at %v", got.ExpiresAt, got.CreatedAt)
		}
		if got.UserID != "" || got.TenantID != "" || got.Metadata != nil || got.Principal != nil {
			t.Fatalf("unset fields came back set: %+v", got)
		}
	})
}

func TestGetOfAnAbsentIDIsNilNotAnError(t *testing.T) {
	eachStore(t, func(t *testing.T, s ConnectionStore) {
		if got := get(t, s, "nope"); got != nil {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestSavingTheSameIDTwiceReplacesItAndCountsItOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s ConnectionStore) {
		ctx := context.Background()
		first := conn("c1", "u-1", "", t0)
		first.Metadata = map[string]string{"v": "1"}
		second := conn("c1", "u-2", "", t0)
		second.Metadata = map[string]string{"v": "2"}
		must(t, s.Save(ctx, first))
		must(t, s.Save(ctx, second))
		if n := count(t, s); n != 1 {
			t.Fatalf("count %d", n)
		}
		got := get(t, s, "c1")
		if got.UserID != "u-2" || got.Metadata["v"] != "2" {
			t.Fatalf("got %+v", got)
		}
		if got := ids(s.ListByUser(ctx, "u-1")); len(got) != 0 {
			t.Fatalf("u-1: %v", got)
		}
		if got := ids(s.ListByUser(ctx, "u-2")); !slices.Equal(got, []string{"c1"}) {
			t.Fatalf("u-2: %v", got)
		}
	})
}

func TestDeletingTwiceUncountsOnceAndAnAbsentDeleteIsANoOp(t *testing.T) {
	eachStore(t, func(t *testing.T, s ConnectionStore) {
		ctx := context.Background()
		must(t, s.Delete(ctx, "never-saved"))
		want := func(n int64) {
			t.Helper()
			if got := count(t, s); got != n {
				t.Fatalf("count %d, want %d", got, n)
			}
		}
		want(0)
		must(t, s.Save(ctx, conn("c1", "", "", t0)))
		must(t, s.Save(ctx, conn("c2", "", "", t0)))
		want(2)
		must(t, s.Delete(ctx, "c1"))
		must(t, s.Delete(ctx, "c1"))
		want(1)
		if get(t, s, "c1") != nil {
			t.Fatal("c1 still there")
		}
		must(t, s.Delete(ctx, "c2"))
		must(t, s.Delete(ctx, "c2"))
		want(0)
		must(t, s.Save(ctx, conn("c1", "", "", t0))) // saved again after a delete: counted again
		want(1)
	})
}

func TestListByUserAndTenantAreOldestFirstAndExact(t *testing.T) {
	eachStore(t, func(t *testing.T, s ConnectionStore) {
		ctx := context.Background()
		must(t, s.Save(ctx, conn("c3", "u-1", "t-1", t0.Add(3*time.Second))))
		must(t, s.Save(ctx, conn("c1", "u-1", "t-2", t0.Add(1*time.Second))))
		must(t, s.Save(ctx, conn("c2", "u-2", "t-1", t0.Add(2*time.Second))))
		must(t, s.Save(ctx, conn("c4", "", "", t0)))         // anonymous: in no index
		must(t, s.Save(ctx, conn("c5", "u-10", "t-10", t0))) // a longer id sharing a prefix is another user
		for _, c := range []struct {
			list func(context.Context, string) ([]*Connection, error)
			arg  string
			want []string
		}{
			{s.ListByUser, "u-1", []string{"c1", "c3"}},
			{s.ListByUser, "u-2", []string{"c2"}},
			{s.ListByTenant, "t-1", []string{"c2", "c3"}},
			{s.ListByTenant, "t-2", []string{"c1"}},
			{s.ListByUser, "", []string{}},
			{s.ListByTenant, "", []string{}},
			{s.ListByUser, "nobody", []string{}},
		} {
			if got := ids(c.list(ctx, c.arg)); !slices.Equal(got, c.want) {
				t.Errorf("%q: got %v, want %v", c.arg, got, c.want)
			}
		}
	})
}

func TestExpiredRecordsAreLeftOutOfReadsButStayCountedUntilDeleted(t *testing.T) {
	eachStore(t, func(t *testing.T, s ConnectionStore) {
		ctx := context.Background()
		old := conn("old", "u-1", "t-1", t0)
		old.ExpiresAt = time.Now().Add(-5 * time.Second)
		must(t, s.Save(ctx, old))
		must(t, s.Save(ctx, conn("new", "u-1", "t-1", t0)))
		if get(t, s, "old") != nil {
			t.Fatal("an expired record was returned")
		}
		if got := ids(s.ListByUser(ctx, "u-1")); !slices.Equal(got, []string{"new"}) {
			t.Fatalf("by user: %v", got)
		}
		if got := ids(s.ListByTenant(ctx, "t-1")); !slices.Equal(got, []string{"new"}) {
			t.Fatalf("by tenant: %v", got)
		}
		if n := count(t, s); n != 2 {
			t.Fatalf("count %d", n)
		}
		must(t, s.Delete(ctx, "old"))
		if n := count(t, s); n != 1 {
			t.Fatalf("count %d", n)
		}
	})
}

func TestAnInvalidIDIsAnErrorBeforeAnyCall(t *testing.T) {
	eachStore(t, func(t *testing.T, s ConnectionStore) {
		ctx := context.Background()
		for _, bad := range []string{"", "  ", "\u3000"} {
			if _, err := s.Get(ctx, bad); !errors.Is(err, ErrInvalidConnectionID) || !strings.HasPrefix(err.Error(), "get: connection id must be a non-empty string, got ") {
				t.Errorf("get %q: %v", bad, err)
			}
			if err := s.Delete(ctx, bad); !errors.Is(err, ErrInvalidConnectionID) || !strings.HasPrefix(err.Error(), "delete: ") {
				t.Errorf("delete %q: %v", bad, err)
			}
			if err := s.Save(ctx, &Connection{ID: bad}); !errors.Is(err, ErrInvalidConnectionID) {
				t.Errorf("save %q: %v", bad, err)
			}
		}
		if err := s.Save(ctx, nil); !errors.Is(err, ErrInvalidConnectionID) {
			t.Errorf("save nil: %v", err)
		}
	})
}

// --- DynamoDB only ------------------------------------------------------------------------------

func scan(t *testing.T, s *DynamoDBConnectionStore) map[[2]string]map[string]types.AttributeValue {
	t.Helper()
	out, err := s.Client().Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(s.TableName())})
	must(t, err)
	items := map[[2]string]map[string]types.AttributeValue{}
	for _, item := range out.Items {
		items[[2]string{getString(item, PartitionKey), getString(item, SortKey)}] = item
	}
	return items
}

func TestTableLayoutKeysIndexesTTLAndCounterItem(t *testing.T) {
	s := newTable(t)
	ctx := context.Background()
	c := conn("c1", "u-1", "t-1", t0)
	c.ExpiresAt = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, s.Save(ctx, c))
	table, err := s.Client().DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.TableName())})
	must(t, err)
	keys := map[string]types.KeyType{}
	for _, k := range table.Table.KeySchema {
		keys[*k.AttributeName] = k.KeyType
	}
	if !reflect.DeepEqual(keys, map[string]types.KeyType{"pk": types.KeyTypeHash, "sk": types.KeyTypeRange}) {
		t.Fatalf("keys %v", keys)
	}
	indexes := map[string][]string{}
	for _, ix := range table.Table.GlobalSecondaryIndexes {
		for _, k := range ix.KeySchema {
			indexes[*ix.IndexName] = append(indexes[*ix.IndexName], *k.AttributeName+" "+string(k.KeyType))
		}
	}
	if !reflect.DeepEqual(indexes, map[string][]string{
		IndexByUser.Name:   {"user_id HASH", "created_at RANGE"},
		IndexByTenant.Name: {"tenant_id HASH", "created_at RANGE"},
	}) {
		t.Fatalf("indexes %v", indexes)
	}
	ttl, err := s.Client().DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(s.TableName())})
	must(t, err)
	if ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled || *ttl.TimeToLiveDescription.AttributeName != "expires_at" {
		t.Fatalf("ttl %+v", ttl.TimeToLiveDescription)
	}
	items := scan(t, s)
	if len(items) != 2 {
		t.Fatalf("items %v", items)
	}
	record := items[[2]string{ItemPrefix + "c1", ItemSort}]
	want := map[string]types.AttributeValue{
		PartitionKey:    &types.AttributeValueMemberS{Value: ItemPrefix + "c1"},
		SortKey:         &types.AttributeValueMemberS{Value: ItemSort},
		"connection_id": &types.AttributeValueMemberS{Value: "c1"},
		"user_id":       &types.AttributeValueMemberS{Value: "u-1"},
		"tenant_id":     &types.AttributeValueMemberS{Value: "t-1"},
		"created_at":    &types.AttributeValueMemberN{Value: "1796040000123"},
		"expires_at":    &types.AttributeValueMemberN{Value: "4070908800"},
	}
	if !reflect.DeepEqual(record, want) {
		t.Fatalf("record item %#v", record)
	}
	counter := items[[2]string{CounterPartition, CounterSort}]
	if n := counter[CounterAttribute].(*types.AttributeValueMemberN).Value; n != "1" {
		t.Fatalf("counter %s", n)
	}
}

func TestAMissingTableIsATypedError(t *testing.T) {
	ctx := context.Background()
	s, err := NewDynamoDBConnectionStore(ctx, "no-such-table", WithRegion("us-east-1"), WithEndpoint(endpoint(t)))
	must(t, err)
	_, err = s.Get(ctx, "c1")
	var notFound *StoreTableNotFoundError
	if !errors.As(err, &notFound) || !errors.Is(err, ErrStoreTableNotFound) || !errors.Is(err, ErrConnectionStore) {
		t.Fatalf("get: %v", err)
	}
	if notFound.Operation != "get" || notFound.Code != "ResourceNotFoundException" || notFound.Retryable || notFound.Err == nil {
		t.Fatalf("%+v", notFound)
	}
	var base *ConnectionStoreError
	if !errors.As(err, &base) || base.Code != "ResourceNotFoundException" {
		t.Fatalf("base: %v", base)
	}
	if err := s.Save(ctx, conn("c1", "", "", t0)); !errors.Is(err, ErrStoreTableNotFound) {
		t.Fatalf("save: %v", err)
	}
	if _, err := s.CountActive(ctx); !errors.Is(err, ErrStoreTableNotFound) {
		t.Fatalf("count_active: %v", err)
	}
}

func TestAnUnreachableStoreIsTheRetryableNetworkError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0") // a port nothing listens on once closed
	must(t, err)
	addr := l.Addr().String()
	l.Close()
	ctx := context.Background()
	s, err := NewDynamoDBConnectionStore(ctx, "t", WithRegion("us-east-1"), WithEndpoint("http://"+addr))
	must(t, err)
	_, err = s.CountActive(ctx)
	var unavailable *StoreUnavailableError
	if !errors.As(err, &unavailable) || unavailable.Operation != "count_active" || !unavailable.Retryable {
		t.Fatalf("%v", err)
	}
	if !strings.HasPrefix(err.Error(), "count_active: ") {
		t.Fatalf("%v", err)
	}
}

func TestTheTableNameComesFromTheEnvironment(t *testing.T) {
	t.Setenv(TableEnv, "from-env")
	s, err := NewDynamoDBConnectionStore(context.Background(), "", WithRegion("us-east-1"))
	must(t, err)
	if s.TableName() != "from-env" {
		t.Fatal(s.TableName())
	}
	t.Setenv(TableEnv, "")
	_, err = NewDynamoDBConnectionStore(context.Background(), "", WithRegion("us-east-1"))
	if err == nil || err.Error() != "no connections table: pass a table name or set APPTHEORY_CONNECTIONS_TABLE" {
		t.Fatalf("%v", err)
	}
}

// --- the table shared with Python -------------------------------------------------------------

// pythonScript writes (or checks) the same record with Python's DynamoDBConnectionStore.
const pythonScript = `
import sys
from datetime import UTC, datetime
from apptheory.connections import Connection, DynamoDBConnectionStore, Principal
mode, endpoint, table = sys.argv[1:4]
store = DynamoDBConnectionStore(table, region="us-east-1", endpoint_url=endpoint)
record = Connection(
    id="c1", user_id="u-1", tenant_id="t-1",
    created_at=datetime(2026, 11, 30, 12, 0, 0, 123000, tzinfo=UTC),
    expires_at=datetime(2099, 1, 1, tzinfo=UTC),
    metadata={"room": "lobby", "é": "ü", "q": "\"\\\n<&>"},
    principal=Principal(subject="u-1", scopes=("chat:read", "chat:write"),
        claims={"iss": "dev", "n": 3, "f": 1.5, "big": 1e16, "x": [1, None, True], "z": {"b": "é", "a": "\u2028"}, "é": "\u0001"}),
)
if mode == "write":
    store.save(record)
    store.save(Connection(id="c2", user_id="u-1"))
else:
    got = store.get("c1")
    assert got == record, (got, record)
    print(",".join(c.id for c in store.list_by_user("u-1")), store.count_active())
`

func interopRecord() *Connection {
	return &Connection{
		ID: "c1", UserID: "u-1", TenantID: "t-1",
		CreatedAt: time.Date(2026, 11, 30, 12, 0, 0, 123000000, time.UTC),
		ExpiresAt: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		Metadata:  map[string]string{"room": "lobby", "é": "ü", "q": "\"\\\n<&>"},
		Principal: &Principal{
			Subject: "u-1",
			Scopes:  []string{"chat:read", "chat:write"},
			Claims: map[string]any{
				"iss": "dev", "n": 3, "f": 1.5, "big": 1e16, "x": []any{1, nil, true},
				"z": map[string]any{"b": "é", "a": "\u2028"}, "é": "\u0001",
			},
		},
	}
}

func python(t *testing.T, args ...string) string {
	t.Helper()
	exe := os.Getenv(pythonEnv)
	if exe == "skip" {
		t.Skip(pythonEnv + "=skip: another IDL's module (Python's store is the project's)")
	}
	if exe == "" {
		exe = filepath.Join("..", "..", "..", ".venv", "bin", "python")
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("the cross-language test runs Python's store: %s not found (set %s to a Python with apptheory and boto3)", exe, pythonEnv)
	}
	cmd := exec.Command(exe, append([]string{"-c", pythonScript}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestATableWrittenByPythonIsReadByGoAndTheItemsAreTheSameBytes(t *testing.T) {
	ctx := context.Background()
	fromPython, fromGo := newTable(t), newTable(t)
	python(t, "write", endpoint(t), fromPython.TableName())
	must(t, fromGo.Save(ctx, interopRecord()))
	must(t, fromGo.Save(ctx, &Connection{ID: "c2", UserID: "u-1"}))
	// The same record, saved by each language: identical items (every attribute, the principal's JSON text).
	py, gov := scan(t, fromPython), scan(t, fromGo)
	key := [2]string{ItemPrefix + "c1", ItemSort}
	if !reflect.DeepEqual(py[key], gov[key]) {
		t.Fatalf("items differ:\npython %#v\ngo     %#v", py[key], gov[key])
	}
	wantPrincipal := `{"claims":{"big":1e+16,"f":1.5,"iss":"dev","n":3,"x":[1,null,true],"z":{"a":"` + "\u2028" + `","b":"é"},"é":"\u0001"},"scopes":["chat:read","chat:write"],"subject":"u-1"}`
	if got := gov[key]["principal"].(*types.AttributeValueMemberS).Value; got != wantPrincipal {
		t.Fatalf("principal JSON %s", got)
	}
	// Go reads Python's table: the record, the lists, the counter; and deletes from it.
	got := get(t, fromPython, "c1")
	if got == nil || got.CreatedAt != interopRecord().CreatedAt || got.Metadata["q"] != "\"\\\n<&>" {
		t.Fatalf("got %+v", got)
	}
	text, err := got.Principal.JSON()
	must(t, err)
	if text != wantPrincipal {
		t.Fatalf("principal read back %s", text)
	}
	if n := count(t, fromPython); n != 2 {
		t.Fatalf("count %d", n)
	}
	must(t, fromPython.Delete(ctx, "c2"))
	// Python reads Go's table (and the counter Go keeps).
	if out := python(t, "check", endpoint(t), fromGo.TableName()); out != "c1,c2 2" {
		t.Fatalf("python check: %s", out)
	}
	must(t, fromGo.Delete(ctx, "c2"))
	if out := python(t, "check", endpoint(t), fromGo.TableName()); out != "c1 1" {
		t.Fatalf("python check after delete: %s", out)
	}
}

// --- the strict fake --------------------------------------------------------------------------

func TestFakeRecordsCallsAndBehavesLikeTheInMemoryStore(t *testing.T) {
	ctx := context.Background()
	fake := NewFakeConnectionStore(*conn("c1", "u-1", "", t0))
	c2 := conn("c2", "u-1", "", t0)
	must(t, fake.Save(ctx, c2))
	if got := ids(fake.ListByUser(ctx, "u-1")); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Fatal(got)
	}
	if get(t, fake, "zz") != nil {
		t.Fatal("zz")
	}
	must(t, fake.Delete(ctx, "c1"))
	if count(t, fake) != 1 {
		t.Fatal("count")
	}
	want := []StoreCall{
		{OpSave, []any{*c2}},
		{OpListByUser, []any{"u-1"}},
		{OpGet, []any{"zz"}},
		{OpDelete, []any{"c1"}},
		{OpCountActive, []any{}},
	}
	if got := fake.Calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %#v", got)
	}
	if recs := fake.Records(); len(recs) != 1 || recs[0].ID != "c2" {
		t.Fatalf("records %v", recs)
	}
}

func TestFakeInjectsADeclaredErrorOnceOrSticky(t *testing.T) {
	ctx := context.Background()
	fake := NewFakeConnectionStore()
	must(t, fake.Fail(OpSave, "StoreThrottledError", false))
	err := fake.Save(ctx, conn("c1", "", "", t0))
	var throttled *StoreThrottledError
	if !errors.As(err, &throttled) || err.Error() != "save: injected by FakeConnectionStore" || !throttled.Retryable {
		t.Fatalf("%v", err)
	}
	must(t, fake.Save(ctx, conn("c1", "", "", t0))) // once: the next call succeeds
	must(t, fake.Fail(OpGet, "StoreUnavailableError", true))
	for range 2 {
		if _, err := fake.Get(ctx, "c1"); !errors.Is(err, ErrStoreUnavailable) {
			t.Fatalf("%v", err)
		}
	}
	if count(t, fake) != 1 { // other operations are unaffected
		t.Fatal("count")
	}
	fake.ClearFailures()
	if get(t, fake, "c1") == nil {
		t.Fatal("c1")
	}
	var ops []string
	for _, c := range fake.Calls() {
		ops = append(ops, c.Op)
	}
	if !slices.Equal(ops, []string{"save", "save", "get", "get", "count_active", "get"}) {
		t.Fatal(ops)
	}
}

func TestFakeRefusesUndeclaredErrorsAndUnknownOperations(t *testing.T) {
	fake := NewFakeConnectionStore()
	err := fake.Fail(OpSave, "GoneError", false)
	if err == nil || err.Error() != `save does not declare "GoneError"; it declares: StoreThrottledError, StoreUnavailableError, StoreTableNotFoundError` {
		t.Fatalf("%v", err)
	}
	err = fake.Fail("put", "StoreThrottledError", false)
	if err == nil || err.Error() != `unknown store operation "put"; known: save, get, delete, list_by_user, list_by_tenant, count_active` {
		t.Fatalf("%v", err)
	}
}

func TestPythonJSONMatchesPythonsDumps(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{map[string]any{"b": 1, "a": []any{true, false, nil}}, `{"a":[true,false,null],"b":1}`},
		{1.0, `1.0`}, {1e16, `1e+16`}, {1e-5, `1e-05`}, {0.0001, `0.0001`}, {123.25, `123.25`}, {math.Copysign(0, -1), `-0.0`},
		{1.5e300, `1.5e+300`}, {int64(-7), `-7`}, {json.Number("3.0"), `3.0`},
		{"\x00\x1f\b\f\n\r\t\"\\\x7f<>&\u2028é😀", `"\u0000\u001f\b\f\n\r\t\"\\` + "\x7f<>&\u2028é😀" + `"`},
		{map[string]any{"\uffff": 1, "😀": 2, "z": 3}, `{"z":3,"` + "\uffff" + `":1,"😀":2}`},
		{[]string(nil), `[]`}, {map[string]string{"k": "v"}, `{"k":"v"}`},
	} {
		got, err := EncodePythonJSON(c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("%#v: got %s (%v), want %s", c.in, got, err, c.want)
		}
	}
}
