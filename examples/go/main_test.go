package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/streamer"
	"github.com/theory-cloud/apptheory/generated/go/testkit"
)

// The sample events in examples/events/ through the app, against testkit's fake.

func run(t *testing.T, fake *testkit.FakeManagementClient, name string) apptheory.ProxyResponse {
	t.Helper()
	event, err := os.ReadFile(filepath.Join("..", "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := newApp(apptheory.WithWebSocketClientFactory(fake.ClientFactory())).HandleLambda(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	return proxy
}

func errorCode(t *testing.T, p apptheory.ProxyResponse) string {
	t.Helper()
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(p.Body), &body)
	return body.Error.Code
}

func TestSampleEvents(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1") // as Lambda sets it; the custom-domain event needs a region
	fake := testkit.NewFakeManagementClient("Yk3xPdTrDoECJbQ=")
	if p := run(t, fake, "connect"); p.StatusCode != 200 || p.Body != "" {
		t.Errorf("$connect: %+v", p)
	}
	if p := run(t, fake, "disconnect"); p.StatusCode != 200 {
		t.Errorf("$disconnect: %+v", p)
	}
	p := run(t, fake, "message-default")
	if p.StatusCode != 200 || p.Body != `{"ok":true}` {
		t.Fatalf("$default: %+v", p)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Op != streamer.OpPostToConnection ||
		calls[0].Endpoint != "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod" ||
		string(calls[0].Data) != `{"action":"chat","room":"lobby","text":"hello, world"}` {
		t.Errorf("$default echo: %v", calls)
	}
	if p := run(t, fake, "message-binary"); p.StatusCode != 400 || errorCode(t, p) != apptheory.CodeBadRequest {
		t.Errorf("binary frame: %+v", p)
	}
}

func TestConnectWithoutTokenIsRefused(t *testing.T) {
	app := newApp(apptheory.WithWebSocketClientFactory(testkit.NewFakeManagementClient().ClientFactory()))
	p, err := app.HandleLambda(context.Background(), testkit.WebSocketEvent("$connect"))
	if err != nil || p.StatusCode != 401 || errorCode(t, p) != apptheory.CodeUnauthorized {
		t.Errorf("%+v %v", p, err)
	}
}

func TestSendMessageToAGoneRecipientIs404(t *testing.T) {
	fake := testkit.NewFakeManagementClient("me", "you")
	app := newApp(apptheory.WithWebSocketClientFactory(fake.ClientFactory()))
	send := func() apptheory.ProxyResponse {
		p, err := app.HandleLambda(context.Background(), testkit.WebSocketEvent("sendMessage", testkit.ConnectionID("me"),
			testkit.Body(`{"action":"sendMessage","to":"you","text":"hi"}`)))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := send(); p.StatusCode != 200 || p.Body != `{"ok":true,"to":"you"}` || string(fake.SentTo("you")[0]) != "hi" {
		t.Errorf("relay: %+v", p)
	}
	_ = fake.SetState("you", testkit.StateGone)
	if p := send(); p.StatusCode != 404 || errorCode(t, p) != apptheory.CodeNotFound {
		t.Errorf("gone recipient: %+v", p)
	}
}
