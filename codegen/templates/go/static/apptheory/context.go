package apptheory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/theory-cloud/apptheory/generated/go/streamer"
)

// ErrNotWebSocket is returned by AsWebSocket when the request is not a WebSocket event.
var ErrNotWebSocket = errors.New("apptheory: this request is not a WebSocket event")

// Context is what every handler receives; AsWebSocket gives the WebSocket view (as in Lift).
type Context struct {
	ctx       context.Context
	event     json.RawMessage
	requestID string
	ws        *WebSocketContext
	values    map[string]any
}

// Context is the Lambda invocation's context.Context (deadline, cancellation, Lambda metadata).
func (c *Context) Context() context.Context { return c.ctx }

// RequestID is requestContext.requestId, else the Lambda request id, else a generated id.
func (c *Context) RequestID() string { return c.requestID }

// Event is the raw Lambda event.
func (c *Context) Event() json.RawMessage { return c.event }

// LambdaContext is the Lambda context (request id, function ARN...), when running in Lambda.
func (c *Context) LambdaContext() (*lambdacontext.LambdaContext, bool) {
	return lambdacontext.FromContext(c.ctx)
}

// AsWebSocket is the WebSocket view of the request; ErrNotWebSocket for any other request.
func (c *Context) AsWebSocket() (*WebSocketContext, error) {
	if c.ws == nil {
		return nil, ErrNotWebSocket
	}
	return c.ws, nil
}

// Set stores a value for later middleware or the handler.
func (c *Context) Set(key string, value any) {
	if c.values == nil {
		c.values = map[string]any{}
	}
	c.values[key] = value
}

// Get is a value stored with Set (nil when absent).
func (c *Context) Get(key string) any { return c.values[key] }

// ConfigurationError means the app lacks configuration a call needs (e.g. no management endpoint).
type ConfigurationError struct{ Reason string }

func (e *ConfigurationError) Error() string { return e.Reason }

// DefaultBroadcastConcurrency is how many sends a Broadcast runs at once unless told otherwise.
const DefaultBroadcastConcurrency = 8

// WebSocketContext is the WebSocket view of a request: the typed event fields (see
// WebSocketFields), body helpers and management API calls.
type WebSocketContext struct {
	WebSocketFields
	app      *App
	ctx      context.Context
	resolved bool
	endpoint string
	region   string
}

// Context is the Lambda invocation's context.Context, used for management calls.
func (ws *WebSocketContext) Context() context.Context { return ws.ctx }

func (ws *WebSocketContext) resolve() {
	if !ws.resolved {
		ws.endpoint, ws.region = ws.app.resolveEndpoint(ws.domainName, ws.stage, ws.apiID, ws.path)
		ws.resolved = true
	}
}

// ManagementEndpoint is the URL of the management API for this connection ("" when it cannot be known).
func (ws *WebSocketContext) ManagementEndpoint() string {
	ws.resolve()
	return ws.endpoint
}

// Region is the AWS region of the API ("" when unknown).
func (ws *WebSocketContext) Region() string {
	ws.resolve()
	return ws.region
}

// Text is the body as UTF-8 text; a body that is not UTF-8 is a 400 app.bad_request AppError.
func (ws *WebSocketContext) Text() (string, error) {
	if !utf8.Valid(ws.body) {
		return "", MessageInvalidUTF8.Error("")
	}
	return string(ws.body), nil
}

// JSON decodes the body (no content-type needed) into v, as json.Unmarshal does. A body that is not
// strict UTF-8 JSON, nests arrays and objects deeper than MaxJSONNesting, holds a number beyond
// float64's range, or does not fit v, is a 400 app.bad_request AppError ("invalid json"): the same
// rule in every language. An escaped lone surrogate reads as U+FFFD. Into an *any, the value is
// what json.Unmarshal gives (float64 numbers, map[string]any objects), read by the runtime's own parser.
func (ws *WebSocketContext) JSON(v any) error {
	if !utf8.Valid(ws.body) {
		return MessageInvalidJSON.Error("")
	}
	if p, ok := v.(*any); ok && p != nil {
		value, err := decodeFloatJSON(ws.body, MaxJSONNesting)
		if err != nil {
			return MessageInvalidJSON.Error("")
		}
		*p = value
		return nil
	}
	if !checkJSON(ws.body, MaxJSONNesting) {
		return MessageInvalidJSON.Error("")
	}
	if err := json.Unmarshal(ws.body, v); err != nil {
		var invalid *json.InvalidUnmarshalError
		if errors.As(err, &invalid) {
			return err // a programming error (v is not a non-nil pointer), not a bad request
		}
		return MessageInvalidJSON.Error("")
	}
	return nil
}

func (ws *WebSocketContext) client() (streamer.Client, error) {
	ws.resolve()
	if ws.endpoint == "" {
		return nil, &ConfigurationError{Reason: "no management endpoint: the event has no domainName; use " +
			"apptheory.WithManagementEndpoint(...) or set " + streamer.ManagementEndpointEnv}
	}
	return ws.app.ManagementClient(ws.ctx, ws.endpoint, ws.region)
}

// SendMessage sends data to the calling connection.
func (ws *WebSocketContext) SendMessage(data []byte) error {
	return ws.SendMessageTo(ws.connectionID, data)
}

// SendMessageTo sends data to a connection. An empty or blank connection id (a
// streamer.InvalidConnectionError) and a payload over 128 KiB (a PayloadTooLargeError) fail
// locally, before any network call.
func (ws *WebSocketContext) SendMessageTo(connectionID string, data []byte) error {
	if err := streamer.CheckConnectionID(streamer.OpPostToConnection, connectionID); err != nil {
		return err
	}
	if err := streamer.CheckPayloadSize(streamer.OpPostToConnection, connectionID, data, MessageBytes); err != nil {
		return err
	}
	c, err := ws.client()
	if err != nil {
		return err
	}
	return c.PostToConnection(ws.ctx, connectionID, data)
}

// SendJSONMessage sends v to the calling connection as canonical JSON (EncodeJSON, RFC 8785).
func (ws *WebSocketContext) SendJSONMessage(v any) error {
	return ws.SendJSONMessageTo(ws.connectionID, v)
}

// SendJSONMessageTo sends v to a connection as canonical JSON (EncodeJSON); see SendMessageTo.
func (ws *WebSocketContext) SendJSONMessageTo(connectionID string, v any) error {
	data, err := EncodeJSON(v)
	if err != nil {
		return err
	}
	return ws.SendMessageTo(connectionID, data)
}

// GetConnection describes a connection (ws.ConnectionID() for the caller); an empty or blank id
// is a streamer.InvalidConnectionError, before any network call.
func (ws *WebSocketContext) GetConnection(connectionID string) (streamer.ConnectionInfo, error) {
	c, err := ws.client()
	if err != nil {
		return streamer.ConnectionInfo{}, err
	}
	return c.GetConnection(ws.ctx, connectionID)
}

// Disconnect closes a connection (ws.ConnectionID() for the caller). It is idempotent: a
// connection that is already gone counts as closed (no error). An empty or blank id is a
// streamer.InvalidConnectionError, before any network call.
func (ws *WebSocketContext) Disconnect(connectionID string) error {
	c, err := ws.client()
	if err != nil {
		return err
	}
	return c.DeleteConnection(ws.ctx, connectionID)
}

// BroadcastResult is the outcome of a fan-out, each list in the order of the ids given.
type BroadcastResult struct {
	Sent   []string         // delivered
	Gone   []string         // the connection was gone (a GoneError)
	Failed map[string]error // any other management error, by connection id
}

// BroadcastOption configures a Broadcast.
type BroadcastOption func(*broadcastOptions)

type broadcastOptions struct{ maxConcurrency int }

// MaxConcurrency bounds how many sends a Broadcast runs at once (default DefaultBroadcastConcurrency).
func MaxConcurrency(n int) BroadcastOption { return func(o *broadcastOptions) { o.maxConcurrency = n } }

// Broadcast sends one payload to many connections (duplicates once) with a bounded number of
// goroutines. One bad target never fails the call: it is reported in the result. It returns an
// error only when nothing could be sent (oversize payload, no endpoint, no client, bad option).
func (ws *WebSocketContext) Broadcast(connectionIDs []string, data []byte, opts ...BroadcastOption) (BroadcastResult, error) {
	options := broadcastOptions{maxConcurrency: DefaultBroadcastConcurrency}
	for _, opt := range opts {
		opt(&options)
	}
	if options.maxConcurrency < 1 {
		return BroadcastResult{}, fmt.Errorf("apptheory: broadcast concurrency must be at least 1, got %d", options.maxConcurrency)
	}
	seen := make(map[string]bool, len(connectionIDs))
	targets := make([]string, 0, len(connectionIDs))
	for _, id := range connectionIDs {
		if !seen[id] {
			seen[id] = true
			targets = append(targets, id)
		}
	}
	result := BroadcastResult{Sent: []string{}, Gone: []string{}, Failed: map[string]error{}}
	if len(targets) == 0 {
		return result, nil
	}
	if err := streamer.CheckPayloadSize(streamer.OpPostToConnection, targets[0], data, MessageBytes); err != nil {
		return BroadcastResult{}, err
	}
	c, err := ws.client()
	if err != nil {
		return BroadcastResult{}, err
	}
	outcomes := make([]error, len(targets))
	send := func(i int) {
		defer func() {
			if r := recover(); r != nil {
				outcomes[i] = fmt.Errorf("apptheory: management client panicked: %v", r)
			}
		}()
		outcomes[i] = c.PostToConnection(ws.ctx, targets[i], data)
	}
	workers := min(options.maxConcurrency, len(targets))
	if workers == 1 {
		for i := range targets {
			send(i)
		}
	} else {
		next := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					send(i)
				}
			}()
		}
		for i := range targets {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	for i, target := range targets {
		switch err := outcomes[i]; {
		case err == nil:
			result.Sent = append(result.Sent, target)
		case streamer.IsGone(err):
			result.Gone = append(result.Gone, target)
		default:
			result.Failed[target] = err
		}
	}
	return result, nil
}
