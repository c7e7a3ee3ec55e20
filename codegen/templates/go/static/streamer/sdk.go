package streamer

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/smithy-go"
)

// Option configures NewClient.
type Option func(*clientOptions)

type clientOptions struct {
	region     string
	awsConfig  *aws.Config
	httpClient aws.HTTPClient
	retry      []func(*retry.StandardOptions)
	sdk        []func(*apigatewaymanagementapi.Options)
}

// WithRegion sets the signing region (default: the execute-api host's, then AWS_REGION, then
// AWS_DEFAULT_REGION, then the SDK's default configuration).
func WithRegion(region string) Option { return func(o *clientOptions) { o.region = region } }

// WithAWSConfig uses this aws.Config instead of loading the default one (credentials, region...).
func WithAWSConfig(cfg aws.Config) Option { return func(o *clientOptions) { o.awsConfig = &cfg } }

// WithHTTPClient sets the HTTP client the SDK uses.
func WithHTTPClient(c aws.HTTPClient) Option { return func(o *clientOptions) { o.httpClient = c } }

// WithRetryOptions adjusts the SDK's standard retryer after the IDL's attempt count is set
// (e.g. a shorter backoff in tests); the retryer stays the SDK's own.
func WithRetryOptions(f func(*retry.StandardOptions)) Option {
	return func(o *clientOptions) { o.retry = append(o.retry, f) }
}

// WithSDKOptions adjusts the apigatewaymanagementapi client options last (escape hatch).
func WithSDKOptions(f func(*apigatewaymanagementapi.Options)) Option {
	return func(o *clientOptions) { o.sdk = append(o.sdk, f) }
}

// SDKClient is the Client on aws-sdk-go-v2's apigatewaymanagementapi, with the SDK's standard
// retryer (ManagementMaxAttempts attempts in all) and every failure mapped to a typed error.
type SDKClient struct {
	endpoint string
	api      *apigatewaymanagementapi.Client
}

var _ Client = (*SDKClient)(nil)

// NewClient is an SDK-backed Client for endpoint: https://{api}.execute-api.{region}.amazonaws.com/{stage}
// or any http(s) URL (a custom domain, a local gateway). A trailing slash is ignored.
func NewClient(ctx context.Context, endpoint string, opts ...Option) (*SDKClient, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("management endpoint must be an http(s) URL, got %q", endpoint)
	}
	endpoint = strings.TrimRight(endpoint, "/")
	var o clientOptions
	for _, opt := range opts {
		opt(&o)
	}
	region := o.region
	if region == "" {
		region = DeriveRegion(DeriveInput{DomainName: u.Hostname()})
	}
	var cfg aws.Config
	if o.awsConfig != nil {
		cfg = o.awsConfig.Copy()
	} else {
		var loadOpts []func(*config.LoadOptions) error
		if region != "" {
			loadOpts = append(loadOpts, config.WithRegion(region))
		}
		if cfg, err = config.LoadDefaultConfig(ctx, loadOpts...); err != nil {
			return nil, fmt.Errorf("loading the AWS configuration for the management client: %w", err)
		}
	}
	optFns := []func(*apigatewaymanagementapi.Options){func(so *apigatewaymanagementapi.Options) {
		so.BaseEndpoint = aws.String(endpoint)
		if region != "" {
			so.Region = region
		}
		if o.httpClient != nil {
			so.HTTPClient = o.httpClient
		}
		// The IDL's attempt count is explicit, so AWS_MAX_ATTEMPTS / AWS_RETRY_MODE do not override it.
		so.RetryMaxAttempts = 0
		so.Retryer = retry.NewStandard(func(ro *retry.StandardOptions) {
			ro.MaxAttempts = ManagementMaxAttempts
			for _, f := range o.retry {
				f(ro)
			}
		})
	}}
	optFns = append(optFns, o.sdk...)
	return &SDKClient{endpoint: endpoint, api: apigatewaymanagementapi.NewFromConfig(cfg, optFns...)}, nil
}

// Endpoint is the management endpoint this client calls.
func (c *SDKClient) Endpoint() string { return c.endpoint }

// API is the underlying SDK client (for advanced use).
func (c *SDKClient) API() *apigatewaymanagementapi.Client { return c.api }

// wrap maps an SDK failure to its typed error (by AWS code, then HTTP status), keeping it as the cause.
func (c *SDKClient) wrap(operation, connectionID string, err error) error {
	if err == nil {
		return nil
	}
	status := 0
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return NewManagementError(operation, connectionID, status, apiErr.ErrorCode(), apiErr.ErrorMessage(), err)
	}
	return NewManagementError(operation, connectionID, status, "", err.Error(), err)
}

func wireTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func wireInt[T ~int | ~int32 | ~int64](v *T) int {
	if v == nil {
		return 0
	}
	return int(*v)
}
