package apptheory

import (
	"fmt"
	"strings"
)

// AppError is an error a handler returns on purpose: the runtime answers the error envelope
// {"error": {"code", "message", "request_id"}} with the code's HTTP status. Any other error
// answers 500 app.internal "internal error" and is logged, never returned to the client.
type AppError struct {
	Code    string
	Message string
	Status  int
}

// NewAppError is an AppError with the status the IDL gives its code (e.g. app.forbidden: 403).
// An unknown code has no status: returning it answers 500, like any unexpected error, and
// Validate says why. Use NewAppErrorWithStatus for a code of your own.
func NewAppError(code, message string) *AppError {
	status, _ := StatusOf(code)
	return &AppError{Code: code, Message: message, Status: status}
}

// NewAppErrorWithStatus is an AppError with an explicit status (400-599), for custom codes.
func NewAppErrorWithStatus(code, message string, status int) *AppError {
	return &AppError{Code: code, Message: message, Status: status}
}

func (e *AppError) Error() string { return e.Message }

// Validate reports why the runtime could not answer with this error (unknown code, bad status).
func (e *AppError) Validate() error {
	if e.Status == 0 {
		if _, known := StatusOf(e.Code); !known {
			return fmt.Errorf("unknown app error code %q; known codes: %s (use NewAppErrorWithStatus for a custom code)",
				e.Code, strings.Join(knownAppErrorCodes, ", "))
		}
	}
	if e.Status < 400 || e.Status > 599 {
		return fmt.Errorf("app error status must be 400-599, got %d", e.Status)
	}
	return nil
}

// ErrorMessage is a fixed runtime error: its envelope code and text, identical in every language.
type ErrorMessage struct {
	Code string
	Text string
}

// Error is the AppError for this message, with ": detail" appended when detail is not empty.
func (m ErrorMessage) Error(detail string) *AppError {
	text := m.Text
	if detail != "" {
		text += ": " + detail
	}
	return NewAppError(m.Code, text)
}
