// Command chat is the chat example on AppTheory in Go: the same protocol as
// examples/chat/python/app.py (routes, messages, JSON shapes and errors); tests/e2e checks both.
//
//	connect   wss://.../{stage}?token=T&room=R: token is required (non-empty) else 401; room defaults
//	          to "lobby" (1-64 of A-Z a-z 0-9 _ - ., else 400)
//	say       {"action":"say","text":"..."} (text: a non-empty string, at most 4000 characters): every
//	          connection in the sender's room, the sender included, receives
//	          {"from":"<sender connection id>","room":"<room>","text":"...","type":"message"}
//	          (compact JSON, sorted keys); connections found gone while broadcasting leave the room
//	$default  any other frame: the sender receives {"message":"...","type":"error"}
//	$disconnect  the connection leaves its room
//
// Rooms live in memory, or in DynamoDB when CONNECTIONS_TABLE is set (see rooms.go, dynamo.go).
//
// Build for Lambda (provided.al2023, arm64):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap .
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(newApp(nil).HandleLambda)
}
