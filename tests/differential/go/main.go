// Command go is the Go probe of the differential harness (tests/differential): it reads one raw
// Lambda event per stdin line and writes one line of canonical JSON per event, in order:
// {"response": <the proxy response>, "calls": [<the management calls the strict fake recorded>]},
// or {"raised": true} when HandleLambda returns an error (not a WebSocket event). Each event gets a
// fresh fake and app, the probe handler as the app's default handler, and the Lambda request id
// "lambda-<line index>". Its behaviour is identical to the Python and TypeScript probes.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/streamer"
	"github.com/theory-cloud/apptheory/generated/go/testkit"
)

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	for index := 0; ; index++ {
		line, err := in.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if err != io.EOF {
				fmt.Fprintln(os.Stderr, "probe: reading stdin:", err)
				os.Exit(1)
			}
			break
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		_, _ = out.Write(runOne(index, line))
		_ = out.WriteByte('\n')
		if in.Buffered() == 0 { // flush whenever the input so far is answered
			if err := out.Flush(); err != nil {
				os.Exit(1)
			}
		}
	}
	if err := out.Flush(); err != nil {
		os.Exit(1)
	}
}

// runOne handles one event with a fresh strict fake and app and returns the canonical output line.
func runOne(index int, event []byte) []byte {
	fake := testkit.NewFakeManagementClient()
	if own, state, ok := ownConnection(event); ok {
		fake.AddConnection(own, testkit.Connection{State: state})
	}
	fake.AddConnection("peer-1", testkit.Connection{State: testkit.StateConnected})
	app := apptheory.New(
		apptheory.WithWebSocketSupport(),
		apptheory.WithWebSocketClientFactory(fake.ClientFactory()),
		apptheory.WithDefaultHandler(probe),
		apptheory.WithLogWriter(nil),
	)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: fmt.Sprintf("lambda-%d", index)})
	proxy, err := app.HandleLambda(ctx, json.RawMessage(event))
	var result any
	if err != nil {
		result = map[string]any{"raised": true}
	} else {
		calls := []any{}
		for _, c := range fake.Calls() {
			var data any
			if c.Op == streamer.OpPostToConnection {
				data = base64.StdEncoding.EncodeToString(c.Data)
			}
			calls = append(calls, map[string]any{"op": c.Op, "endpoint": c.Endpoint, "connection_id": c.ConnectionID, "data": data})
		}
		result = map[string]any{
			"response": map[string]any{
				"statusCode":        proxy.StatusCode,
				"headers":           proxy.Headers,
				"multiValueHeaders": proxy.MultiValueHeaders,
				"body":              proxy.Body,
				"isBase64Encoded":   proxy.IsBase64Encoded,
			},
			"calls": calls,
		}
	}
	line, err := apptheory.EncodeJSON(result)
	if err != nil { // cannot happen: strings, ints, bools and maps of them always encode
		panic(err)
	}
	return line
}

// ownConnection is requestContext.connectionId when it is a non-empty string, in state connecting
// for a CONNECT event (requestContext.eventType), else connected.
func ownConnection(event []byte) (string, testkit.ConnectionState, bool) {
	var root struct {
		RequestContext any `json:"requestContext"`
	}
	if json.Unmarshal(event, &root) != nil {
		return "", "", false
	}
	rc, _ := root.RequestContext.(map[string]any)
	own, _ := rc["connectionId"].(string)
	if own == "" {
		return "", "", false
	}
	if eventType, _ := rc["eventType"].(string); eventType == "CONNECT" {
		return own, testkit.StateConnecting, true
	}
	return own, testkit.StateConnected, true
}

// probe reads every context field, the body as text and as JSON, sends it all as canonical JSON,
// echoes the body, and returns it all.
func probe(c *apptheory.Context) (any, error) {
	ws, err := c.AsWebSocket()
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"connection_id":          ws.ConnectionID(),
		"route_key":              ws.RouteKey(),
		"event_type":             ws.EventType(),
		"domain_name":            ws.DomainName(),
		"stage":                  ws.Stage(),
		"request_id":             ws.RequestID(),
		"api_id":                 ws.APIID(),
		"message_id":             ws.MessageID(),
		"connected_at":           timestamp(ws.ConnectedAt()),
		"request_time":           timestamp(ws.RequestTime()),
		"source_ip":              ws.SourceIP(),
		"user_agent":             ws.UserAgent(),
		"headers":                ws.Headers(),
		"multi_value_headers":    ws.MultiValueHeaders(),
		"query":                  ws.Query(),
		"multi_value_query":      ws.MultiValueQuery(),
		"authorizer":             ws.Authorizer(),
		"path":                   ws.Path(),
		"body":                   base64.StdEncoding.EncodeToString(ws.Body()),
		"is_base64":              ws.IsBase64(),
		"disconnect_status_code": ws.DisconnectStatusCode(),
		"disconnect_reason":      ws.DisconnectReason(),
		"management_endpoint":    ws.ManagementEndpoint(),
		"region":                 ws.Region(),
	}
	if text, err := ws.Text(); err != nil {
		out["text"], err = appErrorOf(err)
		if err != nil {
			return nil, err
		}
	} else {
		out["text"] = text
	}
	var value any
	if err := ws.JSON(&value); err != nil {
		if out["json"], err = appErrorOf(err); err != nil {
			return nil, err
		}
	} else {
		out["json"] = value
	}
	if err := ws.SendJSONMessage(out); err != nil {
		name, ok := managementErrorName(err)
		if !ok {
			return nil, err
		}
		out["send_json_error"] = name
	}
	if err := ws.SendMessage(ws.Body()); err != nil {
		name, ok := managementErrorName(err)
		if !ok {
			return nil, err
		}
		out["send_error"] = name
	}
	return out, nil
}

// timestamp is ISO-8601 UTC with milliseconds, or nil for the zero time (absent).
func timestamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// appErrorOf is {"error": <message>} for an AppError; any other error is returned.
func appErrorOf(err error) (any, error) {
	var appErr *apptheory.AppError
	if errors.As(err, &appErr) {
		return map[string]any{"error": appErr.Message}, nil
	}
	return nil, err
}

// managementErrorName is the class name of a management error (GoneError, ManagementError...).
func managementErrorName(err error) (string, bool) {
	var base *streamer.ManagementError
	if !errors.As(err, &base) {
		return "", false
	}
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name(), true
}
