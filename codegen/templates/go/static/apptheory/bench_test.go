package apptheory_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/testkit"
)

// The dispatch benchmark of benchmarks/bench_dispatch.py, in Go:
//
//	go test -run '^$' -bench Dispatch -benchmem ./apptheory
//
// runtime: HandleLambda -> a $default handler reading the connection id, route key, request id and
// JSON body, sending {"echo": body, "from": connection_id} through testkit's fake, returning a map.
// baseline: the same work by hand on aws-lambda-go's event type and encoding/json (the floor).
// empty: HandleLambda -> a $default handler that returns nil (200, empty body): the runtime's own
// cost per event (parse, typed fields, routing, the proxy response), to compare with the floor.

// benchEvent is a real $default text frame (examples/events/message-default.json).
var benchEvent = json.RawMessage(`{
  "requestContext": {
    "routeKey": "$default",
    "eventType": "MESSAGE",
    "extendedRequestId": "Yk3xQF1sjoEFT7w=",
    "requestTime": "26/Nov/2026:06:40:38 +0000",
    "messageDirection": "IN",
    "stage": "prod",
    "connectedAt": 1795675238012,
    "requestTimeEpoch": 1795675238431,
    "identity": {
      "sourceIp": "203.0.113.24",
      "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    },
    "requestId": "Yk3xQF1sjoEFT7w=",
    "domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
    "connectionId": "Yk3xPdTrDoECJbQ=",
    "apiId": "a1b2c3d4e5",
    "messageId": "Yk3zB2xdjoECF9g="
  },
  "body": "{\"action\":\"chat\",\"room\":\"lobby\",\"text\":\"hello, world\"}",
  "isBase64Encoded": false
}`)

const benchConnection = "Yk3xPdTrDoECJbQ="

func benchRuntime(fake *testkit.FakeManagementClient) func(context.Context, json.RawMessage) (apptheory.ProxyResponse, error) {
	app := apptheory.New(apptheory.WithWebSocketClientFactory(fake.ClientFactory()))
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) {
		ws, err := c.AsWebSocket()
		if err != nil {
			return nil, err
		}
		connectionID := ws.ConnectionID()
		var body any
		if err := ws.JSON(&body); err != nil {
			return nil, err
		}
		if err := ws.SendJSONMessage(map[string]any{"echo": body, "from": connectionID}); err != nil {
			return nil, err
		}
		return map[string]any{"ok": true, "route": ws.RouteKey(), "request_id": ws.RequestID()}, nil
	})
	return app.HandleLambda
}

func benchBaseline(fake *testkit.FakeManagementClient) func(context.Context, json.RawMessage) (apptheory.ProxyResponse, error) {
	clients := map[string]*testkit.FakeManagementClient{} // one client per endpoint, like the runtime
	return func(ctx context.Context, raw json.RawMessage) (apptheory.ProxyResponse, error) {
		var event events.APIGatewayWebsocketProxyRequest
		if err := json.Unmarshal(raw, &event); err != nil {
			return apptheory.ProxyResponse{}, err
		}
		rc := event.RequestContext
		var body any
		if err := json.Unmarshal([]byte(event.Body), &body); err != nil {
			return apptheory.ProxyResponse{}, err
		}
		endpoint := "https://" + rc.DomainName + "/" + rc.Stage
		client := clients[endpoint]
		if client == nil {
			client = fake.ForEndpoint(endpoint)
			clients[endpoint] = client
		}
		data, err := json.Marshal(map[string]any{"echo": body, "from": rc.ConnectionID})
		if err != nil {
			return apptheory.ProxyResponse{}, err
		}
		if err := client.PostToConnection(ctx, rc.ConnectionID, data); err != nil {
			return apptheory.ProxyResponse{}, err
		}
		out, err := json.Marshal(map[string]any{"ok": true, "route": rc.RouteKey, "request_id": rc.RequestID})
		if err != nil {
			return apptheory.ProxyResponse{}, err
		}
		return apptheory.ProxyResponse{
			StatusCode:        200,
			Headers:           map[string]string{"content-type": apptheory.ContentTypeJSON},
			MultiValueHeaders: map[string][]string{"content-type": {apptheory.ContentTypeJSON}},
			Body:              string(out),
		}, nil
	}
}

func benchEmpty(fake *testkit.FakeManagementClient) func(context.Context, json.RawMessage) (apptheory.ProxyResponse, error) {
	app := apptheory.New(apptheory.WithWebSocketClientFactory(fake.ClientFactory()))
	app.WebSocket("$default", func(c *apptheory.Context) (any, error) { return nil, nil })
	return app.HandleLambda
}

func runDispatch(b *testing.B, build func(*testkit.FakeManagementClient) func(context.Context, json.RawMessage) (apptheory.ProxyResponse, error)) {
	fake := testkit.NewFakeManagementClient(benchConnection)
	handle := build(fake)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "bench-0000"})
	proxy, err := handle(ctx, benchEvent)
	if empty := len(fake.SentTo(benchConnection)) == 0; empty {
		if err != nil || proxy.StatusCode != 200 || proxy.Body != "" {
			b.Fatalf("empty handler: %+v %v", proxy, err)
		}
	} else if err != nil || proxy.Body != `{"ok":true,"request_id":"Yk3xQF1sjoEFT7w=","route":"$default"}` ||
		string(fake.SentTo(benchConnection)[0]) !=
			`{"echo":{"action":"chat","room":"lobby","text":"hello, world"},"from":"Yk3xPdTrDoECJbQ="}` {
		b.Fatalf("not like for like: %+v %v %q", proxy, err, fake.SentTo(benchConnection))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := handle(ctx, benchEvent); err != nil {
			b.Fatal(err)
		}
		if i%1024 == 1023 { // recorded calls would otherwise grow without bound
			b.StopTimer()
			fake.ResetCalls()
			b.StartTimer()
		}
	}
}

func BenchmarkDispatch(b *testing.B) { runDispatch(b, benchRuntime) }

func BenchmarkDispatchBaseline(b *testing.B) { runDispatch(b, benchBaseline) }

func BenchmarkDispatchEmpty(b *testing.B) { runDispatch(b, benchEmpty) }
