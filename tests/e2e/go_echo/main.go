// A plain aws-lambda-go WebSocket handler using aws-sdk-go-v2's management client, unmodified:
// tests/e2e/test_dev_go_runtime.py runs it under `apptheory dev --cmd` to show that the gateway's
// Lambda Runtime API is what aws-lambda-go expects and its management API is what aws-sdk-go-v2 expects.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
)

func management() *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       os.Getenv("AWS_REGION"),
		BaseEndpoint: aws.String(os.Getenv("APPTHEORY_WS_MANAGEMENT_ENDPOINT")),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY")}, nil
		}),
	})
}

func handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	id := aws.String(rc.ConnectionID)
	client := management()
	switch rc.RouteKey {
	case "$connect":
		if req.QueryStringParameters["token"] == "" {
			return events.APIGatewayProxyResponse{StatusCode: 401, Body: "a token query parameter is required"}, nil
		}
		// Sending during $connect fails: the connection is not established yet.
		_, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: id, Data: []byte("early")})
		var gone *types.GoneException
		if !errors.As(err, &gone) {
			return events.APIGatewayProxyResponse{StatusCode: 500, Body: "expected GoneException during $connect"}, nil
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	case "$disconnect":
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	if req.Body == "delete-me" {
		if _, err := client.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: id}); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	if _, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: id, Data: []byte("sdk:" + req.Body)}); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	info, err := client.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: id})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	lc, _ := lambdacontext.FromContext(ctx)
	_, hasDeadline := ctx.Deadline()
	body, err := json.Marshal(map[string]any{
		"route":        rc.RouteKey,
		"eventType":    rc.EventType,
		"connectionId": rc.ConnectionID,
		"stage":        rc.Stage,
		"body":         req.Body,
		"requestId":    lc.AwsRequestID,
		"deadline":     hasDeadline,
		"sourceIp":     aws.ToString(info.Identity.SourceIp),
		"connectedAt":  info.ConnectedAt != nil && !info.ConnectedAt.IsZero(),
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(body)}, nil
}

func main() { lambda.Start(handle) }
