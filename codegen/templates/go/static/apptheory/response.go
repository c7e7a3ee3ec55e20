package apptheory

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Content types of the responses the runtime builds.
const (
	ContentTypeJSON   = "application/json; charset=utf-8"
	ContentTypeText   = "text/plain; charset=utf-8"
	ContentTypeBinary = "application/octet-stream"
)

// Response is an explicit handler result: status, headers (one or more values each) and body.
// A binary Response (IsBase64) is sent base64-encoded; otherwise Body must be UTF-8 text.
type Response struct {
	Status   int
	Headers  map[string][]string
	Body     []byte
	IsBase64 bool
}

// JSONResponse is a Response with v as its canonical JSON body (EncodeJSON) and the JSON content type.
func JSONResponse(status int, v any) (*Response, error) {
	body, err := EncodeJSON(v)
	if err != nil {
		return nil, err
	}
	return &Response{Status: status, Headers: map[string][]string{"content-type": {ContentTypeJSON}}, Body: body}, nil
}

// TextResponse is a Response with a UTF-8 text body.
func TextResponse(status int, text string) *Response {
	return &Response{Status: status, Headers: map[string][]string{"content-type": {ContentTypeText}}, Body: []byte(text)}
}

// BinaryResponse is a Response with a binary body (sent base64-encoded).
func BinaryResponse(status int, data []byte) *Response {
	return &Response{
		Status:   status,
		Headers:  map[string][]string{"content-type": {ContentTypeBinary}},
		Body:     data,
		IsBase64: true,
	}
}

// WithHeader appends a value to a header and returns the response (names are case-insensitive).
func (r *Response) WithHeader(name, value string) *Response {
	if r.Headers == nil {
		r.Headers = map[string][]string{}
	}
	r.Headers[name] = append(r.Headers[name], value)
	return r
}

// ResponseFrom turns a handler's result into a Response: a *Response as it is; nil answers 200 with
// an empty body; a string text; []byte a binary body; a map, slice, array or struct (or a pointer
// to one) JSON. Any other value (a bare number or bool, a channel...) is an error (answered 500).
func ResponseFrom(result any) (*Response, error) {
	switch r := result.(type) {
	case nil:
		return &Response{Status: 200}, nil
	case *Response:
		if r == nil {
			return &Response{Status: 200}, nil
		}
		return r, nil
	case Response:
		return &r, nil
	case string:
		return TextResponse(200, r), nil
	case []byte:
		return BinaryResponse(200, r), nil
	}
	if !isJSONResult(reflect.TypeOf(result)) {
		return nil, fmt.Errorf("handler returned %T; return a *Response, map, slice, struct, string, []byte or nil", result)
	}
	return JSONResponse(200, result)
}

func isJSONResult(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct:
		return true
	}
	return false
}

// ProxyResponse is the API Gateway Lambda proxy response the runtime returns to Lambda.
type ProxyResponse struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// Proxy is the Lambda proxy form: header names lower-cased (same-name headers merged in name
// order), `headers` holding each header's last value. It fails for a status outside 100-599, a
// header name that is empty or holds CR, LF, ':' or a space, and a value holding CR or LF.
func (r *Response) Proxy() (ProxyResponse, error) {
	if r.Status < 100 || r.Status > 599 {
		return ProxyResponse{}, fmt.Errorf("response status must be an integer 100-599, got %d", r.Status)
	}
	names := make([]string, 0, len(r.Headers))
	for name := range r.Headers {
		names = append(names, name)
	}
	if len(names) > 1 {
		sort.Strings(names)
	}
	multi := make(map[string][]string, len(names))
	for _, name := range names {
		if name == "" || strings.ContainsAny(name, "\r\n: ") {
			return ProxyResponse{}, fmt.Errorf("invalid response header name %q", name)
		}
		values := r.Headers[name]
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n") {
				return ProxyResponse{}, fmt.Errorf("invalid value for response header %q", name)
			}
		}
		key := asciiLower(name)
		if existing, ok := multi[key]; ok {
			multi[key] = append(existing, values...)
		} else {
			multi[key] = append(make([]string, 0, len(values)), values...)
		}
	}
	single := make(map[string]string, len(multi))
	for name, values := range multi {
		if len(values) > 0 {
			single[name] = values[len(values)-1]
		}
	}
	out := ProxyResponse{StatusCode: r.Status, Headers: single, MultiValueHeaders: multi}
	if r.IsBase64 {
		out.Body = base64.StdEncoding.EncodeToString(r.Body)
		out.IsBase64Encoded = true
	} else {
		out.Body = string(r.Body)
	}
	return out, nil
}

// jsonProxy is the proxy response for a JSON result, built directly (the common case).
func jsonProxy(result any) (ProxyResponse, error) {
	body, err := encodeJSONString(result)
	if err != nil {
		return ProxyResponse{}, err
	}
	return ProxyResponse{
		StatusCode:        200,
		Headers:           map[string]string{"content-type": ContentTypeJSON},
		MultiValueHeaders: map[string][]string{"content-type": {ContentTypeJSON}},
		Body:              body,
	}, nil
}

// proxyFor is the proxy response for a handler's result.
func proxyFor(result any) (ProxyResponse, error) {
	switch result.(type) {
	case map[string]any, []any:
		return jsonProxy(result)
	case nil: // what (&Response{Status: 200}).Proxy() gives, built directly
		return ProxyResponse{StatusCode: 200, Headers: map[string]string{}, MultiValueHeaders: map[string][]string{}}, nil
	}
	resp, err := ResponseFrom(result)
	if err != nil {
		return ProxyResponse{}, err
	}
	return resp.Proxy()
}

// errorProxy is the error envelope as a proxy response.
func errorProxy(code, message string, status int, requestID string) ProxyResponse {
	envelope := map[string]any{"error": map[string]any{"code": code, "message": message, "request_id": requestID}}
	proxy, err := jsonProxy(envelope)
	if err != nil { // cannot happen: three strings always encode
		panic(err)
	}
	proxy.StatusCode = status
	return proxy
}
