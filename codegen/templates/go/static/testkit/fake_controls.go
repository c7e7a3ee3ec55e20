package testkit

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/streamer"
)

// DefaultFakeEndpoint is the endpoint of a fake made by NewFakeManagementClient.
const DefaultFakeEndpoint = "https://fake.execute-api.invalid/test"

// ConnectionState is the state of a connection the fake knows.
type ConnectionState string

// The states a connection goes through.
const (
	StateConnecting ConnectionState = "connecting" // inside $connect: posting to it is a GoneError, as AWS answers
	StateConnected  ConnectionState = "connected"
	StateGone       ConnectionState = "gone"
)

// RecordedCall is one call the code under test made; Data only for calls that carry a payload.
type RecordedCall struct {
	Op           string
	Endpoint     string
	ConnectionID string
	Data         []byte
}

func (c RecordedCall) String() string {
	if c.Data == nil {
		return fmt.Sprintf("%s %s %s", c.Op, c.Endpoint, c.ConnectionID)
	}
	return fmt.Sprintf("%s %s %s data=%q", c.Op, c.Endpoint, c.ConnectionID, c.Data)
}

// Connection describes a connection to add to the fake; the zero value is connected now, no metadata.
type Connection struct {
	State        ConnectionState // default StateConnected
	ConnectedAt  time.Time       // default now
	LastActiveAt time.Time       // default ConnectedAt
	SourceIP     string
	UserAgent    string
}

// Failure is an error to inject: the next call of Op (for ConnectionID, or any connection when
// empty) is recorded and then fails with the typed error for AWSCode and Status (Status may be 0
// for a code the IDL knows). Sticky makes every matching call fail.
//
// AWSCode may instead name a transport error class: "NetworkError" or "DeadlineExceededError"
// (status 0, retryable; any operation) or "MalformedResponseError" (status 200, not retryable;
// only an operation that returns a body). The call then fails as the SDK client fails when the
// network or the response body does: the typed error carries no AWS code.
type Failure struct {
	Op           string
	AWSCode      string
	Status       int
	ConnectionID string
	Sticky       bool
}

type fakeConnection struct {
	state        ConnectionState
	connectedAt  time.Time
	lastActiveAt time.Time
	sourceIP     string
	userAgent    string
}

type fakeState struct {
	mu          sync.Mutex
	connections map[string]*fakeConnection
	failures    []Failure
	calls       []RecordedCall
}

// NewFakeManagementClient is a fake at DefaultFakeEndpoint knowing these connections (connected).
func NewFakeManagementClient(connectionIDs ...string) *FakeManagementClient {
	f := &FakeManagementClient{endpoint: DefaultFakeEndpoint, state: &fakeState{connections: map[string]*fakeConnection{}}}
	for _, id := range connectionIDs {
		f.AddConnection(id, Connection{})
	}
	return f
}

// ForEndpoint is a fake for another endpoint sharing this fake's connections, failures and calls.
func (f *FakeManagementClient) ForEndpoint(endpoint string) *FakeManagementClient {
	return &FakeManagementClient{endpoint: endpoint, state: f.state}
}

// ClientFactory is for apptheory.WithWebSocketClientFactory: one shared fake per endpoint.
func (f *FakeManagementClient) ClientFactory() apptheory.ClientFactory {
	return func(_ context.Context, endpoint, _ string) (streamer.Client, error) {
		return f.ForEndpoint(endpoint), nil
	}
}

// AddConnection registers (or replaces) a connection.
func (f *FakeManagementClient) AddConnection(connectionID string, c Connection) {
	if c.State == "" {
		c.State = StateConnected
	}
	now := time.Now().UTC()
	if c.ConnectedAt.IsZero() {
		c.ConnectedAt = now
	}
	if c.LastActiveAt.IsZero() {
		c.LastActiveAt = c.ConnectedAt
	}
	f.state.mu.Lock()
	defer f.state.mu.Unlock()
	f.state.connections[connectionID] = &fakeConnection{
		state:        c.State,
		connectedAt:  c.ConnectedAt.UTC(),
		lastActiveAt: c.LastActiveAt.UTC(),
		sourceIP:     c.SourceIP,
		userAgent:    c.UserAgent,
	}
}

// SetState moves a known connection to another state (e.g. connected once $connect succeeded).
func (f *FakeManagementClient) SetState(connectionID string, state ConnectionState) error {
	switch state {
	case StateConnecting, StateConnected, StateGone:
	default:
		return fmt.Errorf("testkit: state must be connecting, connected or gone, got %q", state)
	}
	f.state.mu.Lock()
	defer f.state.mu.Unlock()
	conn := f.state.connections[connectionID]
	if conn == nil {
		return fmt.Errorf("testkit: unknown connection %q", connectionID)
	}
	conn.state = state
	return nil
}

// StateOf is the connection's state; false when the fake never heard of it.
func (f *FakeManagementClient) StateOf(connectionID string) (ConnectionState, bool) {
	f.state.mu.Lock()
	defer f.state.mu.Unlock()
	conn := f.state.connections[connectionID]
	if conn == nil {
		return "", false
	}
	return conn.state, true
}

// Fail injects a failure (see Failure); an unknown operation, an unknown AWS code without a
// status, or a MalformedResponseError for an operation without a body, is an error.
func (f *FakeManagementClient) Fail(failure Failure) error {
	if err := checkOperation(failure.Op); err != nil {
		return err
	}
	if status, ok, needsBody := transportStatus(failure.AWSCode); ok {
		if needsBody && !slices.Contains(fakeBodyOperations, failure.Op) {
			return fmt.Errorf("testkit: %s needs an operation that returns a body: %s",
				failure.AWSCode, strings.Join(fakeBodyOperations, ", "))
		}
		if failure.Status == 0 {
			failure.Status = status
		}
	} else if failure.Status == 0 {
		status, ok := knownStatus(failure.AWSCode)
		if !ok {
			return fmt.Errorf("testkit: unknown AWS error code %q; give its Status", failure.AWSCode)
		}
		failure.Status = status
	}
	f.state.mu.Lock()
	defer f.state.mu.Unlock()
	f.state.failures = append(f.state.failures, failure)
	return nil
}

// Calls is every call made so far, in order.
func (f *FakeManagementClient) Calls() []RecordedCall {
	f.state.mu.Lock()
	defer f.state.mu.Unlock()
	return append([]RecordedCall(nil), f.state.calls...)
}

// SentTo is the payloads posted to one connection, in order.
func (f *FakeManagementClient) SentTo(connectionID string) [][]byte {
	var sent [][]byte
	for _, c := range f.Calls() {
		if c.ConnectionID == connectionID && c.Data != nil {
			sent = append(sent, c.Data)
		}
	}
	return sent
}

// ResetCalls forgets the recorded calls.
func (f *FakeManagementClient) ResetCalls() {
	f.state.mu.Lock()
	defer f.state.mu.Unlock()
	f.state.calls = nil
}

// TB is the part of testing.TB that AssertCalls uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// AssertCalls fails the test with a readable diff unless the recorded calls equal expected exactly.
func (f *FakeManagementClient) AssertCalls(t TB, expected ...RecordedCall) {
	t.Helper()
	actual := f.Calls()
	same := len(actual) == len(expected)
	for i := 0; same && i < len(actual); i++ {
		a, e := actual[i], expected[i]
		same = a.Op == e.Op && a.Endpoint == e.Endpoint && a.ConnectionID == e.ConnectionID &&
			bytes.Equal(a.Data, e.Data) && (a.Data == nil) == (e.Data == nil)
	}
	if same {
		return
	}
	var b strings.Builder
	b.WriteString("management calls differ:\n  expected:\n")
	writeCalls(&b, expected)
	b.WriteString("  actual:\n")
	writeCalls(&b, actual)
	t.Fatalf("%s", b.String())
}

func writeCalls(b *strings.Builder, calls []RecordedCall) {
	if len(calls) == 0 {
		b.WriteString("    (none)\n")
	}
	for _, c := range calls {
		b.WriteString("    " + c.String() + "\n")
	}
}
