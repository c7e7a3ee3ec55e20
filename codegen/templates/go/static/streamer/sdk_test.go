package streamer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/smithy-go"

	"github.com/theory-cloud/apptheory/generated/go/streamer"
)

// The real SDK client against a local server answering as the management API does: connection
// state (unknown or deleted ids are 410 GoneException), AWS REST-JSON errors (x-amzn-ErrorType,
// x-amzn-RequestId, {"message": ...}), every request recorded so retries are counted on the wire.

const (
	cid       = "L0SM9cOFvHcCIhw="
	cidInPath = "L0SM9cOFvHcCIhw%3D"
)

var route = regexp.MustCompile(`^/([^?]+)/@connections/([^/?]+)$`)

type recorded struct {
	method, rawPath string
	header          http.Header
	body            []byte
}

type failure struct {
	status    int
	errorType string // "" sends no x-amzn-ErrorType header
	message   string
}

type connection struct {
	connectedAt, lastActiveAt, sourceIP, userAgent string
	received                                       [][]byte
}

type managementAPI struct {
	*httptest.Server
	mu          sync.Mutex
	requests    []recorded
	connections map[string]*connection
	fail        *failure
	getBody     []byte // when set, GET answers 200 with exactly these bytes
}

func newManagementAPI(t *testing.T) *managementAPI {
	t.Helper()
	api := &managementAPI{connections: map[string]*connection{}}
	api.Server = httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(api.Close)
	return api
}

func (api *managementAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	api.mu.Lock()
	api.requests = append(api.requests, recorded{r.Method, r.URL.EscapedPath(), r.Header.Clone(), body})
	fail := api.fail
	api.mu.Unlock()
	requestID := fmt.Sprintf("req-%d", time.Now().UnixNano())
	if fail != nil {
		writeError(w, requestID, *fail)
		return
	}
	m := route.FindStringSubmatch(r.URL.EscapedPath())
	if m == nil {
		writeError(w, requestID, failure{403, "ForbiddenException", "Forbidden"})
		return
	}
	id, _ := url.PathUnescape(m[2])
	api.mu.Lock()
	conn := api.connections[id]
	if conn != nil && r.Method == http.MethodDelete {
		delete(api.connections, id)
	}
	if conn != nil && r.Method == http.MethodPost {
		conn.received = append(conn.received, body)
	}
	getBody := api.getBody
	api.mu.Unlock()
	switch {
	case conn == nil:
		writeError(w, requestID, failure{410, "GoneException", "connection " + id + " is gone"})
	case r.Method == http.MethodGet && getBody != nil:
		w.Header().Set("x-amzn-RequestId", requestID)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(getBody)
	case false:
		writeError(w, requestID, failure{410, "GoneException", "connection " + id + " is gone"})
	case r.Method == http.MethodGet:
		doc, _ := json.Marshal(map[string]any{
			"connectedAt":  conn.connectedAt,
			"identity":     map[string]string{"sourceIp": conn.sourceIP, "userAgent": conn.userAgent},
			"lastActiveAt": conn.lastActiveAt,
		})
		w.Header().Set("x-amzn-RequestId", requestID)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	case r.Method == http.MethodDelete:
		w.Header().Set("x-amzn-RequestId", requestID)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("x-amzn-RequestId", requestID)
		w.WriteHeader(http.StatusOK)
	}
}

func writeError(w http.ResponseWriter, requestID string, f failure) {
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Type", "application/json")
	if f.errorType != "" {
		w.Header().Set("x-amzn-ErrorType", f.errorType)
	}
	w.WriteHeader(f.status)
	body, _ := json.Marshal(map[string]string{"message": f.message})
	_, _ = w.Write(body)
}

func (api *managementAPI) setFailure(f *failure) {
	api.mu.Lock()
	defer api.mu.Unlock()
	api.fail = f
}

func (api *managementAPI) recorded() []recorded {
	api.mu.Lock()
	defer api.mu.Unlock()
	return append([]recorded(nil), api.requests...)
}

func testConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
}

// noBackoff keeps retried calls fast; one test below runs the SDK's real backoff.
func noBackoff(o *retry.StandardOptions) {
	o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
}

func newClient(t *testing.T, api *managementAPI) *streamer.SDKClient {
	t.Helper()
	c, err := streamer.NewClient(context.Background(), api.URL+"/dev", streamer.WithAWSConfig(testConfig()),
		streamer.WithRetryOptions(noBackoff))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func call(ctx context.Context, c streamer.Client, op string) error {
	switch op {
	case streamer.OpPostToConnection:
		return c.PostToConnection(ctx, cid, []byte("hello"))
	case streamer.OpGetConnection:
		_, err := c.GetConnection(ctx, cid)
		return err
	}
	return c.DeleteConnection(ctx, cid)
}

func TestPostedPayloadArrivesByteExact(t *testing.T) {
	limit := make([]byte, 0, streamer.MessageBytes)
	for len(limit) < streamer.MessageBytes {
		limit = append(limit, byte(len(limit)%256))
	}
	for name, payload := range map[string][]byte{
		"json":                  []byte(`{"type":"hello","n":1}`),
		"non-utf8":              []byte("\xff\xfe\x00\x80 not utf-8 \xc3\x28\r\n"),
		"exact-limit-131072":    limit,
		"html-and-separators":   []byte("<b>&amp;</b> \u2028"),
		"empty-is-still-posted": {},
	} {
		t.Run(name, func(t *testing.T) {
			api := newManagementAPI(t)
			api.connections[cid] = &connection{}
			if err := newClient(t, api).PostToConnection(context.Background(), cid, payload); err != nil {
				t.Fatal(err)
			}
			reqs := api.recorded()
			if len(reqs) != 1 {
				t.Fatalf("want 1 request, got %d", len(reqs))
			}
			req := reqs[0]
			if req.method != http.MethodPost || req.rawPath != "/dev/@connections/"+cidInPath {
				t.Errorf("request %s %s", req.method, req.rawPath)
			}
			if !bytes.Equal(req.body, payload) || !bytes.Equal(api.connections[cid].received[0], payload) {
				t.Errorf("payload changed on the wire: %d bytes sent, %d received", len(payload), len(req.body))
			}
			if got := req.header.Get("Authorization"); !strings.Contains(got, "/us-east-1/execute-api/aws4_request") {
				t.Errorf("not signed for execute-api in us-east-1: %q", got)
			}
		})
	}
}

func TestOversizePayloadFailsLocallyBeforeAnyRequest(t *testing.T) {
	api := newManagementAPI(t)
	api.connections[cid] = &connection{}
	err := newClient(t, api).PostToConnection(context.Background(), cid, make([]byte, streamer.MessageBytes+1))
	var tooLarge *streamer.PayloadTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Status != 413 || tooLarge.AWSCode != "PayloadTooLargeException" {
		t.Fatalf("want a local PayloadTooLargeError, got %v", err)
	}
	if n := len(api.recorded()); n != 0 {
		t.Fatalf("an oversize payload reached the network (%d requests)", n)
	}
}

func TestErrorsMapToTypedErrors(t *testing.T) {
	suffix := ":http://internal.amazon.com/coral/com.amazonaws.apigateway.management/"
	cases := []struct {
		name       string
		op         string
		fail       failure
		class      string
		sentinel   error
		awsCode    string
		retryable  bool
		attempts   int
		sdkErrType any
	}{
		{"gone-post", streamer.OpPostToConnection, failure{410, "GoneException", "gone"}, "GoneError", streamer.ErrGone, "GoneException", false, 1, new(*types.GoneException)},
		{"gone-suffixed-type", streamer.OpGetConnection, failure{410, "GoneException" + suffix, "gone"}, "GoneError", streamer.ErrGone, "GoneException", false, 1, new(*types.GoneException)},
		{"forbidden-get", streamer.OpGetConnection, failure{403, "ForbiddenException", "Forbidden"}, "ForbiddenError", streamer.ErrForbidden, "ForbiddenException", false, 1, new(*types.ForbiddenException)},
		{"payload-too-large", streamer.OpPostToConnection, failure{413, "PayloadTooLargeException", "too big"}, "PayloadTooLargeError", streamer.ErrPayloadTooLarge, "PayloadTooLargeException", false, 1, new(*types.PayloadTooLargeException)},
		{"throttled-delete", streamer.OpDeleteConnection, failure{429, "LimitExceededException", "slow down"}, "ThrottledError", streamer.ErrThrottled, "LimitExceededException", true, streamer.ManagementMaxAttempts, new(*types.LimitExceededException)},
		{"server-500", streamer.OpPostToConnection, failure{500, "InternalServerErrorException", "boom"}, "ServerError", streamer.ErrServer, "InternalServerErrorException", true, streamer.ManagementMaxAttempts, new(smithy.APIError)},
		{"server-503", streamer.OpGetConnection, failure{503, "ServiceUnavailableException", "later"}, "ServerError", streamer.ErrServer, "ServiceUnavailableException", true, streamer.ManagementMaxAttempts, new(smithy.APIError)},
		{"unknown-code", streamer.OpDeleteConnection, failure{400, "BadRequestException", "bad"}, "ManagementError", streamer.ErrManagement, "BadRequestException", false, 1, new(smithy.APIError)},
		{"gone-by-status-only", streamer.OpPostToConnection, failure{410, "", "no type header"}, "GoneError", streamer.ErrGone, "", false, 1, new(smithy.APIError)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newManagementAPI(t)
			api.connections[cid] = &connection{}
			api.setFailure(&tc.fail)
			err := call(context.Background(), newClient(t, api), tc.op)
			if err == nil {
				t.Fatal("want an error")
			}
			if got := fmt.Sprintf("%T", err); got != "*streamer."+tc.class {
				t.Fatalf("want *streamer.%s, got %s: %v", tc.class, got, err)
			}
			if !errors.Is(err, tc.sentinel) || !errors.Is(err, streamer.ErrManagement) {
				t.Errorf("errors.Is(err, sentinel) failed for %v", err)
			}
			var base *streamer.ManagementError
			if !errors.As(err, &base) {
				t.Fatalf("errors.As(err, *ManagementError) failed for %v", err)
			}
			if base.Operation != tc.op || base.ConnectionID != cid || base.Status != tc.fail.status {
				t.Errorf("operation/connection/status: %q %q %d", base.Operation, base.ConnectionID, base.Status)
			}
			if tc.awsCode != "" && base.AWSCode != tc.awsCode {
				t.Errorf("aws code %q, want %q", base.AWSCode, tc.awsCode)
			}
			if base.Retryable != tc.retryable {
				t.Errorf("retryable %v, want %v", base.Retryable, tc.retryable)
			}
			// The SDK's model gives GoneException, ForbiddenException and LimitExceededException no
			// message member, so only the other errors can carry the server's message.
			if _, noMessage := map[string]bool{"GoneException": true, "ForbiddenException": true,
				"LimitExceededException": true}[tc.awsCode]; !noMessage && tc.fail.errorType != "" &&
				base.Message != tc.fail.message {
				t.Errorf("message %q, want %q", base.Message, tc.fail.message)
			}
			if base.Err == nil || !errors.As(err, tc.sdkErrType) {
				t.Errorf("the SDK error (%T) is not the cause of %v", tc.sdkErrType, err)
			}
			if n := len(api.recorded()); n != tc.attempts {
				t.Errorf("want %d attempt(s) on the wire, got %d", tc.attempts, n)
			}
		})
	}
}

func TestStandardRetryerWithRealBackoff(t *testing.T) {
	api := newManagementAPI(t)
	api.setFailure(&failure{500, "InternalServerErrorException", "boom"})
	c, err := streamer.NewClient(context.Background(), api.URL+"/dev/", streamer.WithAWSConfig(testConfig()))
	if err != nil {
		t.Fatal(err)
	}
	err = c.PostToConnection(context.Background(), cid, []byte("x"))
	var server *streamer.ServerError
	if !errors.As(err, &server) {
		t.Fatalf("want a ServerError, got %v", err)
	}
	reqs := api.recorded()
	if len(reqs) != streamer.ManagementMaxAttempts {
		t.Fatalf("want %d attempts, got %d", streamer.ManagementMaxAttempts, len(reqs))
	}
	for i, req := range reqs {
		header := req.header.Get("amz-sdk-request")
		want := fmt.Sprintf("attempt=%d; max=%d", i+1, streamer.ManagementMaxAttempts)
		if !strings.Contains(header, want) {
			t.Errorf("attempt %d: amz-sdk-request %q lacks %q", i+1, header, want)
		}
	}
}

func TestEnvironmentCannotChangeTheAttemptCount(t *testing.T) {
	t.Setenv("AWS_MAX_ATTEMPTS", "7")
	t.Setenv("AWS_RETRY_MODE", "adaptive")
	api := newManagementAPI(t)
	api.setFailure(&failure{429, "LimitExceededException", "slow"})
	cfg := testConfig()
	cfg.RetryMaxAttempts = 7
	c, err := streamer.NewClient(context.Background(), api.URL+"/dev", streamer.WithAWSConfig(cfg),
		streamer.WithRetryOptions(noBackoff))
	if err != nil {
		t.Fatal(err)
	}
	_ = c.DeleteConnection(context.Background(), cid)
	if n := len(api.recorded()); n != streamer.ManagementMaxAttempts {
		t.Fatalf("want %d attempts, got %d", streamer.ManagementMaxAttempts, n)
	}
}

func TestGetConnectionParsesTimestampsAndIdentity(t *testing.T) {
	api := newManagementAPI(t)
	api.connections[cid] = &connection{
		connectedAt:  "2026-11-26T06:40:38.012Z",
		lastActiveAt: "2026-11-26T06:41:02.500Z",
		sourceIP:     "203.0.113.7",
		userAgent:    "Mozilla/5.0 (X11; Linux x86_64)",
	}
	info, err := newClient(t, api).GetConnection(context.Background(), cid)
	if err != nil {
		t.Fatal(err)
	}
	wantConnected := time.Date(2026, 11, 26, 6, 40, 38, 12_000_000, time.UTC)
	wantActive := time.Date(2026, 11, 26, 6, 41, 2, 500_000_000, time.UTC)
	if !info.ConnectedAt.Equal(wantConnected) || info.ConnectedAt.Location() != time.UTC {
		t.Errorf("ConnectedAt %v, want %v (UTC)", info.ConnectedAt, wantConnected)
	}
	if !info.LastActiveAt.Equal(wantActive) {
		t.Errorf("LastActiveAt %v, want %v", info.LastActiveAt, wantActive)
	}
	if info.SourceIP != "203.0.113.7" || info.UserAgent != "Mozilla/5.0 (X11; Linux x86_64)" {
		t.Errorf("identity %q %q", info.SourceIP, info.UserAgent)
	}
	req := api.recorded()[0]
	if req.method != http.MethodGet || req.rawPath != "/dev/@connections/"+cidInPath {
		t.Errorf("request %s %s", req.method, req.rawPath)
	}
}

func TestBlankConnectionIDFailsBeforeAnyRequest(t *testing.T) {
	api := newManagementAPI(t)
	c := newClient(t, api)
	ctx := context.Background()
	for _, id := range []string{"", " ", "\t\r\n", "\u2028\u00a0"} {
		errs := map[string]error{
			streamer.OpPostToConnection: c.PostToConnection(ctx, id, []byte("x")),
			streamer.OpDeleteConnection: c.DeleteConnection(ctx, id),
		}
		_, errs[streamer.OpGetConnection] = c.GetConnection(ctx, id)
		for op, err := range errs {
			var invalid *streamer.InvalidConnectionError
			var base *streamer.ManagementError
			if !errors.As(err, &invalid) || !errors.Is(err, streamer.ErrInvalidConnection) ||
				!errors.Is(err, streamer.ErrManagement) || !errors.As(err, &base) || base.Operation != op ||
				base.Status != 0 || base.AWSCode != "" || base.Retryable || !strings.Contains(err.Error(), op) {
				t.Errorf("%s %q: %#v", op, id, err)
			}
		}
	}
	// Before the payload check too: a blank id with an oversize payload is an invalid connection.
	err := c.PostToConnection(ctx, "", make([]byte, streamer.MessageBytes+1))
	if !errors.Is(err, streamer.ErrInvalidConnection) {
		t.Errorf("blank id and oversize payload: %v", err)
	}
	if n := len(api.recorded()); n != 0 {
		t.Errorf("the server saw %d request(s) for blank connection ids", n)
	}
}

func TestDeleteOfAGoneConnectionIsSuccess(t *testing.T) {
	api := newManagementAPI(t)
	c := newClient(t, api)
	if !streamer.GoneIsSuccess(streamer.OpDeleteConnection) {
		t.Skip("the IDL does not make Gone a success for delete_connection")
	}
	// Unknown to the server: it answers 410 GoneException.
	if err := c.DeleteConnection(context.Background(), cid); err != nil {
		t.Fatalf("delete of a gone connection: %v", err)
	}
	reqs := api.recorded()
	if len(reqs) != 1 || reqs[0].method != http.MethodDelete {
		t.Fatalf("want one DELETE on the wire, got %d request(s)", len(reqs))
	}
	// Other operations keep GoneError; other errors on delete stay typed.
	if err := c.PostToConnection(context.Background(), cid, []byte("x")); !streamer.IsGone(err) {
		t.Errorf("post to a gone connection: %v", err)
	}
	api.setFailure(&failure{403, "ForbiddenException", "Forbidden"})
	if err := c.DeleteConnection(context.Background(), cid); !errors.Is(err, streamer.ErrForbidden) {
		t.Errorf("forbidden delete: %v", err)
	}
}

func TestDeleteThenPostIsGone(t *testing.T) {
	api := newManagementAPI(t)
	api.connections[cid] = &connection{}
	c := newClient(t, api)
	if err := c.DeleteConnection(context.Background(), cid); err != nil {
		t.Fatal(err)
	}
	err := c.PostToConnection(context.Background(), cid, []byte("bye"))
	if !streamer.IsGone(err) {
		t.Fatalf("want gone after delete, got %v", err)
	}
	if got := api.recorded()[0]; got.method != http.MethodDelete {
		t.Errorf("first request %s", got.method)
	}
}

func TestConnectionRefusedIsANetworkError(t *testing.T) {
	api := newManagementAPI(t)
	c := newClient(t, api)
	api.Close() // nothing listens any more
	_, err := c.GetConnection(context.Background(), cid)
	var network *streamer.NetworkError
	var base *streamer.ManagementError
	if !errors.As(err, &network) || !errors.Is(err, streamer.ErrNetwork) || !errors.As(err, &base) ||
		base.Status != 0 || base.AWSCode != "" || !base.Retryable || base.Err == nil {
		t.Fatalf("want a NetworkError with status 0 wrapping the cause, got %T %v", err, err)
	}
	if fmt.Sprintf("%T", err) != "*streamer.NetworkError" {
		t.Errorf("connection refused is a %T", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.DeleteConnection(ctx, cid); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context is not visible through the error: %v", err)
	}
}

func TestNewClientEndpointAndRegion(t *testing.T) {
	for _, bad := range []string{"", "not a url", "ftp://x.example.com/dev", "https://", "//host/dev"} {
		if _, err := streamer.NewClient(context.Background(), bad, streamer.WithAWSConfig(testConfig())); err == nil {
			t.Errorf("NewClient(%q) accepted a bad endpoint", bad)
		}
	}
	api := newManagementAPI(t)
	api.connections[cid] = &connection{}
	// An execute-api endpoint gives its region; the HTTP client sends everything to the test server.
	target, _ := url.Parse(api.URL)
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.URL.Scheme, r.URL.Host = target.Scheme, target.Host
		return http.DefaultTransport.RoundTrip(r)
	})}
	cfg := testConfig()
	cfg.Region = ""
	c, err := streamer.NewClient(context.Background(), "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev/",
		streamer.WithAWSConfig(cfg), streamer.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev" {
		t.Errorf("endpoint %q keeps its trailing slash", c.Endpoint())
	}
	if err := c.PostToConnection(context.Background(), cid, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if auth := api.recorded()[0].header.Get("Authorization"); !strings.Contains(auth, "/eu-west-1/execute-api/aws4_request") {
		t.Errorf("not signed for the host's region: %q", auth)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewManagementErrorMapping(t *testing.T) {
	cause := errors.New("sdk")
	for _, tc := range []struct {
		status  int
		code    string
		class   string
		retries bool
	}{
		{410, "GoneException", "GoneError", false},
		{400, "GoneException", "GoneError", false}, // the code wins over the status
		{403, "", "ForbiddenError", false},
		{413, "", "PayloadTooLargeError", false},
		{429, "", "ThrottledError", true},
		{502, "BadGatewayException", "ServerError", true},
		{400, "BadRequestException", "ManagementError", false},
		{0, "", "ManagementError", false},
	} {
		err := streamer.NewManagementError("post_to_connection", "c1", tc.status, tc.code, "m", cause)
		if got := fmt.Sprintf("%T", err); got != "*streamer."+tc.class {
			t.Errorf("%d %q: got %s, want %s", tc.status, tc.code, got, tc.class)
		}
		var base *streamer.ManagementError
		if !errors.As(err, &base) || base.Retryable != tc.retries || !errors.Is(err, cause) {
			t.Errorf("%d %q: base %+v", tc.status, tc.code, base)
		}
	}
	err := streamer.NewManagementError("get_connection", "c9", 410, "GoneException", "closed", nil)
	if want := "get_connection c9: GoneException (HTTP 410): closed"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if streamer.IsGone(errors.New("x")) || !streamer.IsGone(fmt.Errorf("wrapped: %w", err)) {
		t.Error("IsGone does not see through wrapping")
	}
}

// Hostile endpoints: every call ends with a typed error within its deadline.

const (
	shortConnect  = 300 * time.Millisecond
	shortRead     = 500 * time.Millisecond
	shortDeadline = 1500 * time.Millisecond
	// margin is a hang guard, not a performance claim: generous for a loaded CI machine.
	margin = 3 * time.Second
)

// hostileServer reads each request's head, then: "silent" never answers; "drip" answers 200 with a
// 1 MB Content-Length and one body byte every 100 ms; "drip-head" sends the head one byte every
// 100 ms; "reset" closes with SO_LINGER 0 (a TCP RST).
func hostileServer(t *testing.T, mode string) (endpoint string, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var mu sync.Mutex
	count := 0
	var conns []net.Conn
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			count++
			conns = append(conns, conn)
			mu.Unlock()
			go serveHostile(conn, mode, stop)
		}
	}()
	t.Cleanup(func() {
		close(stop)
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/dev", func() int { mu.Lock(); defer mu.Unlock(); return count }
}

func serveHostile(conn net.Conn, mode string, stop <-chan struct{}) {
	head := make([]byte, 0, 4096)
	buf := make([]byte, 4096)
	for !bytes.Contains(head, []byte("\r\n\r\n")) {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		head = append(head, buf[:n]...)
	}
	var data []byte
	switch mode {
	case "reset":
		_ = conn.(*net.TCPConn).SetLinger(0)
		_ = conn.Close()
		return
	case "drip":
		_, _ = conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"))
		data = append([]byte("{"), bytes.Repeat([]byte(" "), 999_999)...)
	case "drip-head":
		data = append([]byte("HTTP/1.1 200 OK\r\nX-Slow: "), bytes.Repeat([]byte("a"), 1000)...)
	}
	for _, b := range data {
		select {
		case <-stop:
			return
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{b}); err != nil {
			return
		}
	}
	<-stop
}

func shortClient(t *testing.T, endpoint string) *streamer.SDKClient {
	t.Helper()
	c, err := streamer.NewClient(context.Background(), endpoint, streamer.WithAWSConfig(testConfig()),
		streamer.WithRetryOptions(noBackoff), streamer.WithTimeouts(shortConnect, shortRead, shortDeadline))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServersThatNeverFinishEndInDeadlineExceeded(t *testing.T) {
	for _, mode := range []string{"silent", "drip", "drip-head"} {
		for _, op := range []string{streamer.OpPostToConnection, streamer.OpGetConnection, streamer.OpDeleteConnection} {
			t.Run(mode+"/"+op, func(t *testing.T) {
				t.Parallel()
				endpoint, accepted := hostileServer(t, mode)
				start := time.Now()
				err := call(context.Background(), shortClient(t, endpoint), op)
				elapsed := time.Since(start)
				var deadline *streamer.DeadlineExceededError
				var network *streamer.NetworkError
				var base *streamer.ManagementError
				if !errors.As(err, &deadline) || !errors.As(err, &network) || !errors.As(err, &base) ||
					!errors.Is(err, streamer.ErrDeadlineExceeded) || !errors.Is(err, streamer.ErrNetwork) {
					t.Fatalf("want a DeadlineExceededError, got %T %v", err, err)
				}
				if base.Operation != op || base.ConnectionID != cid || base.Status != 0 || !base.Retryable || base.Err == nil {
					t.Errorf("fields: %+v", base)
				}
				if elapsed > shortDeadline+margin {
					t.Errorf("the call outlived its deadline: %v", elapsed)
				}
				if accepted() < 1 {
					t.Error("the server saw no connection")
				}
			})
		}
	}
}

func TestTheCallersEarlierDeadlineWins(t *testing.T) {
	endpoint, _ := hostileServer(t, "drip")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := shortClient(t, endpoint).GetConnection(ctx, cid)
	if !errors.Is(err, streamer.ErrDeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a DeadlineExceededError wrapping context.DeadlineExceeded, got %T %v", err, err)
	}
	if elapsed := time.Since(start); elapsed > 200*time.Millisecond+margin {
		t.Errorf("the call outlived the caller's deadline: %v", elapsed)
	}
}

func TestIDLTimeoutsAreWellUnderTheIntegrationLimit(t *testing.T) {
	if streamer.ManagementConnectTimeout > streamer.ManagementCallDeadline ||
		streamer.ManagementReadTimeout > streamer.ManagementCallDeadline ||
		streamer.ManagementCallDeadline >= 29*time.Second {
		t.Fatalf("timeouts %v %v %v", streamer.ManagementConnectTimeout, streamer.ManagementReadTimeout,
			streamer.ManagementCallDeadline)
	}
	if _, err := streamer.NewClient(context.Background(), "http://127.0.0.1:1/dev", streamer.WithAWSConfig(testConfig()),
		streamer.WithTimeouts(0, time.Second, time.Second)); err == nil {
		t.Error("a zero timeout was accepted")
	}
}

func TestAResetConnectionIsANetworkError(t *testing.T) {
	for _, op := range []string{streamer.OpPostToConnection, streamer.OpGetConnection, streamer.OpDeleteConnection} {
		t.Run(op, func(t *testing.T) {
			endpoint, accepted := hostileServer(t, "reset")
			start := time.Now()
			err := call(context.Background(), shortClient(t, endpoint), op)
			var network *streamer.NetworkError
			if !errors.As(err, &network) || network.Status != 0 || !network.Retryable || network.Operation != op {
				t.Fatalf("want a NetworkError, got %T %v", err, err)
			}
			if fmt.Sprintf("%T", err) == "*streamer.NetworkError" && accepted() != streamer.ManagementMaxAttempts {
				t.Errorf("want %d attempts, the server saw %d", streamer.ManagementMaxAttempts, accepted())
			}
			if elapsed := time.Since(start); elapsed > shortDeadline+margin {
				t.Errorf("the call outlived its deadline: %v", elapsed)
			}
		})
	}
}

func TestAnUnresolvableHostIsANetworkError(t *testing.T) {
	start := time.Now()
	_, err := shortClient(t, "http://management.invalid/dev").GetConnection(context.Background(), cid)
	var network *streamer.NetworkError
	if !errors.As(err, &network) || network.Status != 0 || !network.Retryable {
		t.Fatalf("want a NetworkError, got %T %v", err, err)
	}
	if elapsed := time.Since(start); elapsed > shortDeadline+margin {
		t.Errorf("the call outlived its deadline: %v", elapsed)
	}
}

func TestMalformedGetConnectionBodiesAreTypedErrors(t *testing.T) {
	for _, tc := range []struct{ name, body, problem string }{
		{"not-utf8", "\xff\xfe{}", "body is not UTF-8"},
		{"truncated", `{"connectedAt": "2026-11-26T06:40:38.012Z", "identity": {"sourceIp": "203.0`, "body is not JSON"},
		{"empty", "", "body is not JSON"},
		{"html", "<html>Bad gateway</html>", "body is not JSON"},
		{"nan", `{"connectedAt": NaN}`, "body is not JSON"},
		{"array", "[]", "body is not a JSON object"},
		{"string", `"text"`, "body is not a JSON object"},
		{"boolean", `{"connectedAt": true}`, "connectedAt is not a timestamp"},
		{"not-a-date", `{"connectedAt": "yesterday"}`, "connectedAt is not a timestamp"},
		{"month-13", `{"lastActiveAt": "2026-13-01T00:00:00Z"}`, "lastActiveAt is not a timestamp"},
		{"identity-string", `{"identity": "203.0.113.7"}`, "identity is not an object"},
		{"ip-number", `{"identity": {"sourceIp": 7}}`, "identity.sourceIp is not a string"},
		{"ua-list", `{"identity": {"userAgent": ["x"]}}`, "identity.userAgent is not a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newManagementAPI(t)
			api.connections[cid] = &connection{}
			api.getBody = []byte(tc.body)
			_, err := newClient(t, api).GetConnection(context.Background(), cid)
			var malformed *streamer.MalformedResponseError
			if !errors.As(err, &malformed) || !errors.Is(err, streamer.ErrMalformedResponse) || !errors.Is(err, streamer.ErrManagement) {
				t.Fatalf("want a MalformedResponseError, got %T %v", err, err)
			}
			if malformed.Status != 200 || malformed.Retryable || malformed.Operation != streamer.OpGetConnection ||
				malformed.ConnectionID != cid || malformed.Err == nil || !strings.HasSuffix(err.Error(), "malformed response: "+tc.problem) {
				t.Errorf("fields: %+v (%v)", malformed, err)
			}
			if n := len(api.recorded()); n != 1 {
				t.Errorf("a malformed body was retried: %d requests", n)
			}
		})
	}
}

func TestWellFormedBodiesWithAbsentMembersParse(t *testing.T) {
	for _, body := range []string{`{}`, `{"connectedAt": null, "identity": null, "extra": [1, {"x": 2}]}`,
		`{"connectedAt": "2026-11-26T07:40:38.012345678+01:00"}`} {
		api := newManagementAPI(t)
		api.connections[cid] = &connection{}
		api.getBody = []byte(body)
		info, err := newClient(t, api).GetConnection(context.Background(), cid)
		if err != nil || info.SourceIP != "" {
			t.Errorf("%s: %+v %v", body, info, err)
		}
	}
}
