package streamer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Option configures NewClient.
type Option func(*clientOptions)

type clientOptions struct {
	region     string
	awsConfig  *aws.Config
	httpClient aws.HTTPClient
	retry      []func(*retry.StandardOptions)
	sdk        []func(*apigatewaymanagementapi.Options)
	timeouts   [3]time.Duration // connect, read, call deadline
}

// WithTimeouts replaces the IDL's ManagementConnectTimeout, ManagementReadTimeout and
// ManagementCallDeadline (e.g. shorter ones in tests). The connect and read timeouts apply to the
// HTTP client NewClient builds (not one given WithHTTPClient); the deadline applies to every call.
func WithTimeouts(connect, read, deadline time.Duration) Option {
	return func(o *clientOptions) { o.timeouts = [3]time.Duration{connect, read, deadline} }
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
	deadline time.Duration
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
	o := clientOptions{timeouts: [3]time.Duration{ManagementConnectTimeout, ManagementReadTimeout, ManagementCallDeadline}}
	for _, opt := range opts {
		opt(&o)
	}
	for _, d := range o.timeouts {
		if d <= 0 {
			return nil, fmt.Errorf("management client timeouts must be positive, got %v", o.timeouts)
		}
	}
	connect, read := o.timeouts[0], o.timeouts[1]
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
		} else {
			so.HTTPClient = awshttp.NewBuildableClient().
				WithDialerOptions(func(d *net.Dialer) { d.Timeout = connect }).
				WithTransportOptions(func(tr *http.Transport) {
					tr.TLSHandshakeTimeout = connect
					tr.ResponseHeaderTimeout = read
				})
		}
		so.APIOptions = append(so.APIOptions, func(stack *middleware.Stack) error {
			if err := awshttp.AddResponseReadTimeoutMiddleware(stack, read); err != nil {
				return err
			}
			return stack.Deserialize.Add(checkBodyMiddleware{}, middleware.After)
		})
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
	api := apigatewaymanagementapi.NewFromConfig(cfg, optFns...)
	return &SDKClient{endpoint: endpoint, api: api, deadline: o.timeouts[2]}, nil
}

// callContext bounds one call (every attempt, backoff and the body) by the client's deadline.
func (c *SDKClient) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.deadline)
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
	var malformed *malformedBody
	var decodeErr *smithy.DeserializationError
	if errors.As(err, &malformed) || (status >= 200 && status < 300 && errors.As(err, &decodeErr)) {
		return NewTransportError("MalformedResponseError", operation, connectionID, status,
			"malformed response: "+malformedText(malformed, decodeErr), err)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return NewManagementError(operation, connectionID, status, apiErr.ErrorCode(), apiErr.ErrorMessage(), err)
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		// The caller cancelled: not a network failure (errors.Is(err, context.Canceled) still holds).
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return NewTransportError("DeadlineExceededError", operation, connectionID, 0, err.Error(), err)
	case status == 0 && isNetwork(err):
		return NewTransportError("NetworkError", operation, connectionID, 0, err.Error(), err)
	}
	return NewManagementError(operation, connectionID, status, "", err.Error(), err)
}

// isNetwork reports a transport failure: a dial, read or write error, or a connection closed early.
func isNetwork(err error) bool {
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var bodyErr *bodyReadError
	return errors.As(err, &netErr) || errors.As(err, &opErr) || errors.As(err, &dnsErr) ||
		errors.As(err, &bodyErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

func malformedText(m *malformedBody, d *smithy.DeserializationError) string {
	if m != nil {
		return m.problem
	}
	return d.Error()
}

// bodyMember is one member of an operation's success body: its JSON path and IDL type.
type bodyMember struct {
	path []string
	kind string
}

// malformedBody is what checkBodyMiddleware returns for a success body it refuses; never retried.
type malformedBody struct{ problem string }

func (e *malformedBody) Error() string        { return "malformed response: " + e.problem }
func (e *malformedBody) RetryableError() bool { return false }

// bodyReadError is a failure to read a success body (e.g. a connection reset mid-body); retried.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string        { return "reading the response body: " + e.err.Error() }
func (e *bodyReadError) Unwrap() error        { return e.err }
func (e *bodyReadError) RetryableError() bool { return true }

// checkBodyMiddleware reads every success body and refuses a malformed one of an operation with
// output before the SDK's deserializer sees it (which would accept invalid UTF-8 and an empty body).
type checkBodyMiddleware struct{}

func (checkBodyMiddleware) ID() string { return "AppTheoryCheckBody" }

func (checkBodyMiddleware) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return out, md, nil
	}
	// Every success body is read to its end here, so one that drips or breaks off is a typed error
	// (the SDK discards the body of an operation without output and ignores a failure to read it).
	body, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if readErr != nil {
		return out, md, &bodyReadError{readErr}
	}
	members, checked := bodyMembers[middleware.GetOperationName(ctx)]
	if problem := bodyProblem(body, members); checked && problem != "" {
		return out, md, &malformedBody{problem}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return out, md, nil
}

// dateTime is RFC 3339 as API Gateway sends it (and every SDK parses it).
var dateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$`)

// bodyProblem says why a success body is malformed ("" when it is fine): not UTF-8, not a JSON
// object, or a member of the wrong type. Absent or null members are fine; unknown ones are ignored.
func bodyProblem(body []byte, members []bodyMember) string {
	if !utf8.Valid(body) {
		return "body is not UTF-8"
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return "body is not JSON"
	}
	if _, ok := doc.(map[string]any); !ok {
		return "body is not a JSON object"
	}
	for _, m := range members {
		node := doc
		for depth, key := range m.path {
			if node == nil {
				break
			}
			obj, ok := node.(map[string]any)
			if !ok {
				return strings.Join(m.path[:depth], ".") + " is not an object"
			}
			node = obj[key]
		}
		if node != nil && !memberOK(node, m.kind) {
			return strings.Join(m.path, ".") + " is not a " + m.kind
		}
	}
	return ""
}

func memberOK(v any, kind string) bool {
	switch kind {
	case "string":
		_, ok := v.(string)
		return ok
	case "int":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "bool":
		_, ok := v.(bool)
		return ok
	case "timestamp":
		text, ok := v.(string)
		if !ok || !dateTime.MatchString(text) {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, text)
		return err == nil && t.UTC().Year() >= 1 && t.UTC().Year() <= 9999
	}
	return false
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
