package testkit

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
)

// Defaults of the events WebSocketEvent builds.
const (
	DefaultDomain       = "abc123defg.execute-api.us-east-1.amazonaws.com"
	DefaultConnectionID = "conn-1"
	DefaultStage        = "dev"
	DefaultAPIID        = "abc123defg"
)

// EventOption adjusts an event built by WebSocketEvent.
type EventOption func(*eventSpec)

type eventSpec struct {
	connectionID     string
	eventType        string
	domainName       string
	stage            string
	apiID            string
	requestID        string
	sourceIP         string
	userAgent        string
	connectedAtMs    int64
	requestTimeMs    int64
	headers          map[string]string
	query            map[string]string
	authorizer       map[string]any
	body             *string
	isBase64         bool
	disconnectStatus *int
	disconnectReason *string
}

// ConnectionID sets requestContext.connectionId (default "conn-1").
func ConnectionID(id string) EventOption { return func(s *eventSpec) { s.connectionID = id } }

// EventType sets requestContext.eventType (default: the route's, MESSAGE for custom routes).
func EventType(eventType string) EventOption { return func(s *eventSpec) { s.eventType = eventType } }

// DomainName sets requestContext.domainName (default DefaultDomain).
func DomainName(domain string) EventOption { return func(s *eventSpec) { s.domainName = domain } }

// Stage sets requestContext.stage (default "dev").
func Stage(stage string) EventOption { return func(s *eventSpec) { s.stage = stage } }

// APIID sets requestContext.apiId (default DefaultAPIID).
func APIID(apiID string) EventOption { return func(s *eventSpec) { s.apiID = apiID } }

// RequestID sets requestContext.requestId (default: a random id).
func RequestID(id string) EventOption { return func(s *eventSpec) { s.requestID = id } }

// SourceIP sets requestContext.identity.sourceIp (default "203.0.113.10").
func SourceIP(ip string) EventOption { return func(s *eventSpec) { s.sourceIP = ip } }

// UserAgent sets requestContext.identity.userAgent (default "apptheory-testkit").
func UserAgent(ua string) EventOption { return func(s *eventSpec) { s.userAgent = ua } }

// ConnectedAt sets requestContext.connectedAt in epoch milliseconds.
func ConnectedAt(ms int64) EventOption { return func(s *eventSpec) { s.connectedAtMs = ms } }

// RequestTime sets requestContext.requestTimeEpoch in epoch milliseconds.
func RequestTime(ms int64) EventOption { return func(s *eventSpec) { s.requestTimeMs = ms } }

// Headers adds handshake headers (CONNECT and DISCONNECT events carry headers).
func Headers(h map[string]string) EventOption { return func(s *eventSpec) { s.headers = h } }

// Query sets the handshake's query string parameters.
func Query(q map[string]string) EventOption { return func(s *eventSpec) { s.query = q } }

// Authorizer sets requestContext.authorizer (what a $connect authorizer returned).
func Authorizer(a map[string]any) EventOption { return func(s *eventSpec) { s.authorizer = a } }

// Body sets a text frame.
func Body(text string) EventOption {
	return func(s *eventSpec) { s.body, s.isBase64 = &text, false }
}

// BinaryBody sets a binary frame (base64 in the event, isBase64Encoded true).
func BinaryBody(data []byte) EventOption {
	return func(s *eventSpec) {
		encoded := base64.StdEncoding.EncodeToString(data)
		s.body, s.isBase64 = &encoded, true
	}
}

// JSONBody sets a text frame holding v as compact JSON.
func JSONBody(v any) EventOption {
	return func(s *eventSpec) {
		raw, err := json.Marshal(v)
		if err != nil {
			panic("testkit: JSONBody: " + err.Error())
		}
		text := string(raw)
		s.body, s.isBase64 = &text, false
	}
}

// Disconnect sets the close status code and reason of a DISCONNECT event.
func Disconnect(statusCode int, reason string) EventOption {
	return func(s *eventSpec) { s.disconnectStatus, s.disconnectReason = &statusCode, &reason }
}

type eventIdentity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

type eventRequestContext struct {
	RouteKey             string         `json:"routeKey"`
	EventType            string         `json:"eventType"`
	ExtendedRequestID    string         `json:"extendedRequestId"`
	MessageDirection     string         `json:"messageDirection"`
	Stage                string         `json:"stage"`
	ConnectedAt          int64          `json:"connectedAt"`
	RequestTimeEpoch     int64          `json:"requestTimeEpoch"`
	Identity             eventIdentity  `json:"identity"`
	RequestID            string         `json:"requestId"`
	DomainName           string         `json:"domainName"`
	ConnectionID         string         `json:"connectionId"`
	APIID                string         `json:"apiId"`
	MessageID            string         `json:"messageId,omitempty"`
	Authorizer           map[string]any `json:"authorizer,omitempty"`
	DisconnectStatusCode *int           `json:"disconnectStatusCode,omitempty"`
	DisconnectReason     *string        `json:"disconnectReason,omitempty"`
}

type event struct {
	RequestContext                  eventRequestContext `json:"requestContext"`
	Headers                         map[string]string   `json:"headers,omitempty"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders,omitempty"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters,omitempty"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters,omitempty"`
	Body                            *string             `json:"body,omitempty"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

// WebSocketEvent is an API Gateway WebSocket event shaped like the real ones, for
// app.HandleLambda(ctx, event): CONNECT and DISCONNECT events carry handshake headers, MESSAGE
// events a message id.
func WebSocketEvent(routeKey string, opts ...EventOption) json.RawMessage {
	s := eventSpec{
		connectionID:  DefaultConnectionID,
		domainName:    DefaultDomain,
		stage:         DefaultStage,
		apiID:         DefaultAPIID,
		sourceIP:      "203.0.113.10",
		userAgent:     "apptheory-testkit",
		connectedAtMs: 1795675238012,
		requestTimeMs: 1795675238431,
	}
	for _, opt := range opts {
		opt(&s)
	}
	kind := s.eventType
	if kind == "" {
		if kind = apptheory.RouteEventType(routeKey); kind == "" {
			kind = apptheory.EventTypeMessage
		}
	}
	requestID := s.requestID
	if requestID == "" {
		requestID = randomHex(16)
	}
	rc := eventRequestContext{
		RouteKey:             routeKey,
		EventType:            kind,
		ExtendedRequestID:    requestID,
		MessageDirection:     "IN",
		Stage:                s.stage,
		ConnectedAt:          s.connectedAtMs,
		RequestTimeEpoch:     s.requestTimeMs,
		Identity:             eventIdentity{SourceIP: s.sourceIP, UserAgent: s.userAgent},
		RequestID:            requestID,
		DomainName:           s.domainName,
		ConnectionID:         s.connectionID,
		APIID:                s.apiID,
		Authorizer:           s.authorizer,
		DisconnectStatusCode: s.disconnectStatus,
		DisconnectReason:     s.disconnectReason,
	}
	if kind == apptheory.EventTypeMessage {
		rc.MessageID = randomHex(8)
	}
	ev := event{RequestContext: rc, Body: s.body, IsBase64Encoded: s.isBase64}
	if kind == apptheory.EventTypeConnect || kind == apptheory.EventTypeDisconnect {
		ev.Headers = map[string]string{"Host": s.domainName, "User-Agent": s.userAgent}
		for k, v := range s.headers {
			ev.Headers[k] = v
		}
		ev.MultiValueHeaders = map[string][]string{}
		for k, v := range ev.Headers {
			ev.MultiValueHeaders[k] = []string{v}
		}
	}
	if len(s.query) > 0 {
		ev.QueryStringParameters = s.query
		ev.MultiValueQueryStringParameters = map[string][]string{}
		for k, v := range s.query {
			ev.MultiValueQueryStringParameters[k] = []string{v}
		}
	}
	raw, err := json.Marshal(ev)
	if err != nil { // cannot happen: every field is a plain JSON value
		panic("testkit: WebSocketEvent: " + err.Error())
	}
	return raw
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
