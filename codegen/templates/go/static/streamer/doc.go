// Package streamer is the client of the API Gateway management API (@connections), as in Lift:
// NewClient(ctx, endpoint, opts...) on aws-sdk-go-v2's apigatewaymanagementapi with the SDK's
// standard retryer. Every failure is a typed error (GoneError, ForbiddenError, ...) that works with
// errors.As and errors.Is and wraps the SDK error.
package streamer
