// Command echo is the Go version of examples/echo_app.py: an AppTheory WebSocket app on Lambda.
//
//	$connect     requires a token query parameter (else 401 app.unauthorized) and accepts
//	$disconnect  logs the connection id and close code (never headers, tokens or bodies)
//	$default     sends the parsed JSON frame back through the management API, answers {"ok": true}
//	sendMessage  {"action": "sendMessage", "to": "<id>", "text": "..."} relays text to another connection
//
// Build for Lambda (provided.al2023, arm64):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap .
package main

import (
	"encoding/json"
	"errors"
	"log"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
	"github.com/theory-cloud/apptheory/generated/go/streamer"
)

func main() {
	lambda.Start(newApp().HandleLambda)
}

// newApp builds the app; tests pass apptheory.WithWebSocketClientFactory(fake.ClientFactory()).
func newApp(opts ...apptheory.Option) *apptheory.App {
	app := apptheory.New(append([]apptheory.Option{apptheory.WithWebSocketSupport()}, opts...)...)
	app.WebSocket("$connect", onConnect)
	app.WebSocket("$disconnect", onDisconnect)
	app.WebSocket("$default", onDefault)
	app.WebSocket("sendMessage", onSendMessage)
	return app
}

func onConnect(ctx *apptheory.Context) (any, error) {
	ws, err := ctx.AsWebSocket()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(ws.Query()["token"]) == "" {
		return nil, apptheory.NewAppError(apptheory.CodeUnauthorized, "a token query parameter is required")
	}
	return nil, nil // 200 with an empty body: API Gateway accepts the connection
}

func onDisconnect(ctx *apptheory.Context) (any, error) {
	ws, err := ctx.AsWebSocket()
	if err != nil {
		return nil, err
	}
	// Ids and the close code only: headers, query strings (tokens) and bodies are never logged.
	line, _ := json.Marshal(map[string]any{
		"event":         "disconnect",
		"connection_id": ws.ConnectionID(),
		"request_id":    ws.RequestID(),
		"status_code":   ws.DisconnectStatusCode(),
	})
	log.Print(string(line))
	return nil, nil
}

func onDefault(ctx *apptheory.Context) (any, error) {
	ws, err := ctx.AsWebSocket()
	if err != nil {
		return nil, err
	}
	var message any
	if err := ws.JSON(&message); err != nil { // not JSON (e.g. a binary frame): 400 app.bad_request
		return nil, err
	}
	if err := ws.SendJSONMessage(message); err != nil {
		return nil, err
	}
	return map[string]any{"ok": true}, nil
}

func onSendMessage(ctx *apptheory.Context) (any, error) {
	ws, err := ctx.AsWebSocket()
	if err != nil {
		return nil, err
	}
	var body struct {
		To   *string `json:"to"`
		Text *string `json:"text"`
	}
	if err := ws.JSON(&body); err != nil || body.To == nil || strings.TrimSpace(*body.To) == "" || body.Text == nil {
		return nil, apptheory.NewAppError(apptheory.CodeBadRequest, `expected {"to": "<connection id>", "text": "..."}`)
	}
	to := strings.TrimSpace(*body.To)
	if err := ws.SendMessageTo(to, []byte(*body.Text)); err != nil {
		if errors.Is(err, streamer.ErrGone) {
			return nil, apptheory.NewAppError(apptheory.CodeNotFound, "recipient is gone")
		}
		return nil, err
	}
	return map[string]any{"ok": true, "to": to}, nil
}
