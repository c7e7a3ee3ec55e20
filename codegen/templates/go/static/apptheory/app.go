package apptheory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/theory-cloud/apptheory/generated/go/internal/pytext"
	"github.com/theory-cloud/apptheory/generated/go/streamer"
)

// Handler handles one request. Its result becomes the response (see ResponseFrom); an *AppError
// (also wrapped) answers the error envelope with its status; any other error answers 500.
type Handler func(ctx *Context) (any, error)

// Middleware wraps a handler; the first registered with Use runs outermost.
type Middleware func(next Handler) Handler

// ClientFactory makes the management client for an endpoint and region ("" when unknown).
// The app calls it once per endpoint and region, on the first management call, and reuses the client.
type ClientFactory func(ctx context.Context, endpoint, region string) (streamer.Client, error)

// Option configures an App.
type Option func(*App)

// WithWebSocketSupport makes the app accept API Gateway WebSocket events before any route is
// registered (registering a WebSocket route turns support on too, as in Lift).
func WithWebSocketSupport() Option { return func(a *App) { a.websocket.Store(true) } }

// WithWebSocketClientFactory replaces the SDK-backed management client (e.g. with testkit's fake).
// f must not be nil: New panics naming this option (options cannot return errors, and a nil
// factory would otherwise only fail on the first management call).
func WithWebSocketClientFactory(f ClientFactory) Option {
	return func(a *App) {
		if f == nil {
			a.badOptions = append(a.badOptions, "apptheory.WithWebSocketClientFactory: the client factory must be a non-nil function")
		}
		a.clientFactory = f
	}
}

// WithManagementEndpoint sets the management endpoint explicitly (it wins over
// APPTHEORY_WS_MANAGEMENT_ENDPOINT and over the endpoint derived from the event).
func WithManagementEndpoint(url string) Option { return func(a *App) { a.managementEndpoint = url } }

// WithDefaultHandler sets the handler for route keys with no exact registration (tried before a
// registered $default); like a route, it turns WebSocket support on.
func WithDefaultHandler(h Handler) Option { return func(a *App) { a.setDefaultHandler(h) } }

// WithLogWriter sets where unhandled errors are logged (one JSON line each; default os.Stderr;
// nil turns the log off).
func WithLogWriter(w io.Writer) Option { return func(a *App) { a.logWriter = w } }

// App is an AppTheory application; HandleLambda is its Lambda entry point.
type App struct {
	websocket          atomic.Bool
	clientFactory      ClientFactory
	managementEndpoint string
	logWriter          io.Writer
	logMu              sync.Mutex
	badOptions         []string

	mu             sync.Mutex // guards registration and the lazily built routing table
	routes         map[string]Handler
	defaultHandler Handler
	middleware     []Middleware
	table          atomic.Pointer[routeTable]

	clientsMu sync.Mutex
	clients   sync.Map // clientKey -> streamer.Client

	endpointsMu sync.Mutex
	endpoints   map[endpointKey]endpointValue
}

// New makes an App; New(WithWebSocketSupport()) is the usual start, as in Lift. It panics, naming
// the option, for an invalid option value (WithWebSocketClientFactory(nil)).
func New(opts ...Option) *App {
	a := &App{routes: map[string]Handler{}, logWriter: os.Stderr}
	for _, opt := range opts {
		opt(a)
	}
	if len(a.badOptions) > 0 {
		panic(strings.Join(a.badOptions, "; "))
	}
	return a
}

// WebSocket registers the handler of a route key ($connect, $disconnect, $default or a custom key)
// and turns WebSocket support on. Like http.ServeMux, it panics on a programming error: an empty
// route key, a nil handler, or a route key registered twice.
func (a *App) WebSocket(routeKey string, handler Handler) *App {
	if pytext.Strip(routeKey) == "" {
		panic("apptheory: route key must be a non-empty string such as \"$connect\", \"$default\" or \"sendMessage\"")
	}
	if handler == nil {
		panic(fmt.Sprintf("apptheory: handler for route %q must not be nil", routeKey))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, taken := a.routes[routeKey]; taken {
		panic(fmt.Sprintf("apptheory: route %q is already registered", routeKey))
	}
	a.routes[routeKey] = handler
	a.websocket.Store(true)
	a.table.Store(nil)
	return a
}

// Use adds middleware to every WebSocket route; the first registered runs outermost.
func (a *App) Use(mw Middleware) *App {
	if mw == nil {
		panic("apptheory: middleware must not be nil")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.middleware = append(a.middleware, mw)
	a.table.Store(nil)
	return a
}

// SetDefaultHandler sets the handler for route keys with no exact registration (tried before a
// registered $default); nil removes it.
func (a *App) SetDefaultHandler(h Handler) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.setDefaultHandler(h)
}

func (a *App) setDefaultHandler(h Handler) {
	a.defaultHandler = h
	if h != nil {
		a.websocket.Store(true)
	}
	a.table.Store(nil)
}

// WebSocketSupport reports whether the app accepts WebSocket events.
func (a *App) WebSocketSupport() bool { return a.websocket.Load() }

// routeTable is the registration, frozen with middleware applied, for lock-free dispatch.
type routeTable struct {
	routes         map[string]Handler
	defaultHandler Handler
	dollarDefault  Handler
}

func (a *App) routing() *routeTable {
	if t := a.table.Load(); t != nil {
		return t
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if t := a.table.Load(); t != nil {
		return t
	}
	chain := func(h Handler) Handler {
		for i := len(a.middleware) - 1; i >= 0; i-- {
			h = a.middleware[i](h)
		}
		return h
	}
	t := &routeTable{routes: make(map[string]Handler, len(a.routes))}
	for key, h := range a.routes {
		t.routes[key] = chain(h)
	}
	if a.defaultHandler != nil {
		t.defaultHandler = chain(a.defaultHandler)
	}
	t.dollarDefault = t.routes[RouteDefault]
	a.table.Store(t)
	return t
}

// route: the exact route key, then the app's default handler, then a registered $default.
func (t *routeTable) route(routeKey string) Handler {
	if h, ok := t.routes[routeKey]; ok {
		return h
	}
	if t.defaultHandler != nil {
		return t.defaultHandler
	}
	return t.dollarDefault
}

// UnknownEventError means the Lambda event is not one this app handles.
type UnknownEventError struct{ Reason string }

func (e *UnknownEventError) Error() string { return e.Reason }

// IsWebSocketEvent reports whether event is an API Gateway WebSocket event: a JSON object whose
// requestContext is an object with a string connectionId and a routeKey.
func IsWebSocketEvent(event []byte) bool {
	p, isObject, err := parseEvent(event)
	defer p.release()
	return err == nil && isObject && isWebSocketEvent(p)
}

func isWebSocketEvent(p *eventParser) bool {
	return p.slots[slotRequestContext].kind == jsonObjectKind &&
		p.slots[slotRequestContextConnectionId].kind == jsonString &&
		p.slots[slotRequestContextRouteKey].present
}

// HandleLambda is the Lambda entry point, for lambda.Start(app.HandleLambda): it dispatches one
// API Gateway WebSocket event and returns the proxy response. It returns an error (a failed
// invocation) only for an event that is not a WebSocket event, or when WebSocket support is off.
func (a *App) HandleLambda(ctx context.Context, event json.RawMessage) (ProxyResponse, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	p, isObject, err := parseEvent(event)
	if err != nil || !isObject || !isWebSocketEvent(p) {
		p.release()
		return ProxyResponse{}, &UnknownEventError{Reason: "unknown event: expected an API Gateway WebSocket event " +
			"(requestContext.connectionId string and requestContext.routeKey)"}
	}
	if !a.websocket.Load() {
		p.release()
		return ProxyResponse{}, &UnknownEventError{Reason: "WebSocket event received but WebSocket support is off: " +
			"use apptheory.New(apptheory.WithWebSocketSupport()) or register a route with app.WebSocket(...)"}
	}
	requestID := requestIDOf(ctx, p)
	// One allocation for both contexts of the request.
	r := &request{ws: WebSocketContext{app: a, ctx: ctx}}
	ws := &r.ws
	evErr := ws.loadEvent(p)
	p.release() // the fields keep no reference to the parser
	if evErr != nil {
		return appErrorProxy(evErr.AppError(), requestID), nil
	}
	ws.requestID = requestID
	r.ctx = Context{ctx: ctx, event: event, requestID: requestID, ws: ws}
	c := &r.ctx
	handler := a.routing().route(ws.routeKey)
	if handler == nil {
		return appErrorProxy(MessageRouteNotFound.Error(""), requestID), nil
	}
	proxy, err := invoke(handler, c)
	if err == nil {
		return proxy, nil
	}
	var appErr *AppError
	if errors.As(err, &appErr) && appErr.Validate() == nil {
		return appErrorProxy(appErr, requestID), nil
	}
	a.logFailure(err, requestID, ws)
	return appErrorProxy(MessageInternal.Error(""), requestID), nil
}

type request struct {
	ctx Context
	ws  WebSocketContext
}

// invoke runs the handler chain and builds the proxy response; a panic becomes an error.
func invoke(handler Handler, c *Context) (proxy ProxyResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r}
		}
	}()
	result, err := handler(c)
	if err != nil {
		return ProxyResponse{}, err
	}
	return proxyFor(result)
}

type panicError struct{ value any }

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

func appErrorProxy(err *AppError, requestID string) ProxyResponse {
	status := err.Status
	if status < 400 || status > 599 {
		status, _ = StatusOf(CodeInternal)
	}
	return errorProxy(err.Code, err.Message, status, requestID)
}

// requestIDOf: requestContext.requestId, else the Lambda context's request id, else a generated one.
func requestIDOf(ctx context.Context, p *eventParser) string {
	if rid := p.get(slotRequestContextRequestId); rid.kind == jsonString {
		if s := pytext.Strip(rid.str()); s != "" {
			return s
		}
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc != nil {
		if rid := pytext.Strip(lc.AwsRequestID); rid != "" {
			return rid
		}
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // a version-4 UUID, as hex (like Python's uuid4().hex)
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// logFailure writes one JSON line per unhandled error: ids and the error type, never bodies or headers.
func (a *App) logFailure(err error, requestID string, ws *WebSocketContext) {
	if a.logWriter == nil {
		return
	}
	errorType := fmt.Sprintf("%T", err)
	if _, ok := err.(*panicError); ok {
		errorType = "panic"
	}
	line, encErr := EncodeJSON(map[string]any{
		"level":         "error",
		"message":       "unhandled error in WebSocket handler",
		"request_id":    requestID,
		"connection_id": ws.connectionID,
		"route_key":     ws.routeKey,
		"error_type":    errorType,
	})
	if encErr != nil {
		return
	}
	a.logMu.Lock()
	defer a.logMu.Unlock()
	_, _ = a.logWriter.Write(append(line, '\n'))
}

// ---- management clients and endpoints -------------------------------------------------------------

type clientKey struct{ endpoint, region string }

// ManagementClient is the one client for this endpoint and region, created on first use and reused.
func (a *App) ManagementClient(ctx context.Context, endpoint, region string) (streamer.Client, error) {
	key := clientKey{endpoint, region}
	if c, ok := a.clients.Load(key); ok {
		return c.(streamer.Client), nil
	}
	a.clientsMu.Lock()
	defer a.clientsMu.Unlock()
	if c, ok := a.clients.Load(key); ok {
		return c.(streamer.Client), nil
	}
	factory := a.clientFactory
	if factory == nil {
		factory = defaultClientFactory
	}
	c, err := factory(ctx, endpoint, region)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("apptheory: the WebSocket client factory returned no client for %s", endpoint)
	}
	a.clients.Store(key, c)
	return c, nil
}

func defaultClientFactory(ctx context.Context, endpoint, region string) (streamer.Client, error) {
	var opts []streamer.Option
	if region != "" {
		opts = append(opts, streamer.WithRegion(region))
	}
	return streamer.NewClient(ctx, endpoint, opts...)
}

type endpointKey struct {
	domainName, stage, apiID, path, envEndpoint, envRegion, envDefaultRegion string
}

type endpointValue struct{ endpoint, region string }

// resolveEndpoint is (management endpoint, region) for an event's fields, memoized per distinct input.
func (a *App) resolveEndpoint(domainName, stage, apiID, path string) (string, string) {
	key := endpointKey{
		domainName, stage, apiID, path,
		os.Getenv(streamer.ManagementEndpointEnv), os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"),
	}
	a.endpointsMu.Lock()
	defer a.endpointsMu.Unlock()
	if v, ok := a.endpoints[key]; ok {
		return v.endpoint, v.region
	}
	getenv := func(name string) string {
		switch name {
		case streamer.ManagementEndpointEnv:
			return key.envEndpoint
		case "AWS_REGION":
			return key.envRegion
		case "AWS_DEFAULT_REGION":
			return key.envDefaultRegion
		}
		return os.Getenv(name)
	}
	in := streamer.DeriveInput{
		Override: a.managementEndpoint, DomainName: domainName, Stage: stage, APIID: apiID, Path: path, Getenv: getenv,
	}
	v := endpointValue{streamer.DeriveManagementEndpoint(in), streamer.DeriveRegion(in)}
	if a.endpoints == nil {
		a.endpoints = map[endpointKey]endpointValue{}
	}
	if len(a.endpoints) < 1024 { // bounded: a warm container sees few distinct APIs
		a.endpoints[key] = v
	}
	return v.endpoint, v.region
}
