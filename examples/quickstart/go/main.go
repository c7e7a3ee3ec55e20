// Command quickstart is the README's Go quickstart: an echo app on AppTheory WebSockets.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
)

func main() {
	app := apptheory.New(apptheory.WithWebSocketSupport())
	app.WebSocket("$connect", func(ctx *apptheory.Context) (any, error) {
		return nil, nil // 200: accept the handshake (no sends here: the connection is not open yet)
	})
	app.WebSocket("$disconnect", func(ctx *apptheory.Context) (any, error) {
		return nil, nil // the connection is already closed: clean up state here
	})
	app.WebSocket("$default", func(ctx *apptheory.Context) (any, error) {
		ws, err := ctx.AsWebSocket()
		if err != nil {
			return nil, err
		}
		return map[string]any{"ok": true}, ws.SendMessage(ws.Body()) // echo through the management API
	})
	lambda.Start(app.HandleLambda)
}
