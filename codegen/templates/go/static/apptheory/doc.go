// Package apptheory runs API Gateway WebSocket apps on AWS Lambda, as Lift does: register handlers
// with app.WebSocket(routeKey, h), start with lambda.Start(app.HandleLambda), and in a handler call
// ctx.AsWebSocket() for the typed event fields and the management API (SendMessage,
// SendJSONMessage, GetConnection, Disconnect, Broadcast).
//
//	app := apptheory.New(apptheory.WithWebSocketSupport())
//	app.WebSocket("$default", func(ctx *apptheory.Context) (any, error) {
//		ws, err := ctx.AsWebSocket()
//		if err != nil {
//			return nil, err
//		}
//		return nil, ws.SendMessage(ws.Body())
//	})
//	lambda.Start(app.HandleLambda)
//
// Routing: the exact route key, then the app's default handler, then a registered $default, then
// 404 app.not_found. The behaviour is the same as the Python and TypeScript runtimes', pinned by the
// shared contract fixtures (run by this module's tests).
package apptheory
