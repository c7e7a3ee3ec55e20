package apptheory

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/theory-cloud/apptheory/generated/go/internal/pytext"
)

// EventError says which field of the event was malformed; the runtime answers it with Message
// (400 "invalid event: <path> <problem>", or "invalid base64" for a body that is not base64).
type EventError struct {
	Path    string
	Problem string
	Message ErrorMessage
}

func (e *EventError) Error() string {
	if e.Problem == "" {
		return e.Path
	}
	return e.Path + " " + e.Problem
}

// AppError is the error the runtime answers with: the message, detailed with the path and problem.
func (e *EventError) AppError() *AppError {
	if e.Problem == "" {
		return e.Message.Error("")
	}
	return e.Message.Error(e.Error())
}

func invalidEvent(path, problem string) *EventError {
	return &EventError{Path: path, Problem: problem, Message: MessageInvalidEvent}
}

// The readers below get the raw value (null when absent) and the event path for the error
// message; the wording is the same in every language.

// checkContainer: a container of fields is an object, or absent (or null: no fields).
func checkContainer(value eventValue, path string) *EventError {
	if value.kind != jsonObjectKind && value.kind != jsonNull {
		return invalidEvent(path, "must be a mapping")
	}
	return nil
}

func parseString(value eventValue, path string, required, trim bool) (string, *EventError) {
	var s string
	switch value.kind {
	case jsonString:
		s = value.str()
	case jsonNull:
	default:
		return "", invalidEvent(path, "must be a string")
	}
	if trim {
		s = pytext.Strip(s)
	}
	if required && s == "" {
		return "", invalidEvent(path, "must not be empty")
	}
	return s, nil
}

// maxSafeInteger is 2^53-1: JSON numbers as every language reads them (JavaScript has only
// doubles), so an integer field takes a number with an integral value (1000.0 is 1000) within the
// doubles' exact range, and nothing else.
const maxSafeInteger = 1<<53 - 1

// integral is the value of a number with an integral value within ±maxSafeInteger.
func integral(value eventValue) (int64, bool) {
	if value.kind != jsonNumberKind {
		return 0, false
	}
	text := value.raw()
	if !bytes.ContainsAny(text, ".eE") { // written as an integer: -?(0|[1-9][0-9]*)
		digits := bytes.TrimPrefix(text, []byte("-"))
		if len(digits) > 16 { // at least 10^16: beyond maxSafeInteger
			return 0, false
		}
		var i int64
		for _, c := range digits {
			i = i*10 + int64(c-'0')
		}
		if i > maxSafeInteger {
			return 0, false
		}
		if len(digits) < len(text) {
			i = -i
		}
		return i, true
	}
	f, err := strconv.ParseFloat(string(text), 64) // ±Inf (err) and NaN cannot pass the checks below
	if err != nil || f != math.Trunc(f) || f < -maxSafeInteger || f > maxSafeInteger {
		return 0, false
	}
	return int64(f), true
}

func parseInt(value eventValue, path string) (int, *EventError) {
	if value.kind == jsonNull {
		return 0, nil
	}
	if i, ok := integral(value); ok {
		return int(i), nil
	}
	return 0, invalidEvent(path, "must be an integer")
}

func parseBool(value eventValue, path string) (bool, *EventError) {
	switch value.kind {
	case jsonNull:
		return false, nil
	case jsonBool:
		return value.b, nil
	}
	return false, invalidEvent(path, "must be a boolean")
}

// maxEpochMillis is 9999-12-31T23:59:59.999Z: epoch milliseconds are a whole number from
// 1970-01-01 through the end of year 9999, in every language.
const maxEpochMillis = 253402300799999

func parseTimestamp(value eventValue, path string) (time.Time, *EventError) {
	if value.kind == jsonNull {
		return time.Time{}, nil
	}
	ms, ok := integral(value)
	if !ok || ms < 0 || ms > maxEpochMillis {
		return time.Time{}, invalidEvent(path, "must be epoch milliseconds")
	}
	return time.UnixMilli(ms).UTC(), nil
}

func parsePayload(value eventValue, path string) ([]byte, *EventError) {
	switch value.kind {
	case jsonNull:
		return nil, nil
	case jsonString:
		return value.bytes(), nil
	}
	return nil, invalidEvent(path, "must be a string")
}

// parsePayloadFlagged reads a body whose flag (read first, as in every runtime) says it is base64.
func parsePayloadFlagged(value eventValue, path string, flag eventValue, flagPath string) ([]byte, *EventError) {
	isBase64, err := parseBool(flag, flagPath)
	if err != nil {
		return nil, err
	}
	if !isBase64 {
		return parsePayload(value, path)
	}
	switch value.kind {
	case jsonNull:
		return nil, nil
	case jsonString:
	default:
		return nil, invalidEvent(path, "must be a string")
	}
	data, ok := decodeCanonicalBase64(value.str())
	if !ok {
		return nil, &EventError{Path: path, Message: MessageInvalidBase64}
	}
	return data, nil
}

// decodeCanonicalBase64 accepts standard base64 with exactly the padding needed and nothing else
// (no whitespace, no line breaks, no URL alphabet), the same rule in every language.
func decodeCanonicalBase64(s string) ([]byte, bool) {
	if len(s)%4 != 0 {
		return nil, false
	}
	pad := 0
	if strings.HasSuffix(s, "==") {
		pad = 2
	} else if strings.HasSuffix(s, "=") {
		pad = 1
	}
	for i := 0; i < len(s)-pad; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return nil, false
		}
	}
	if len(s) == pad && pad > 0 {
		return nil, false
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return data, true
}

// An absent (or null) map reads as an empty map, never nil (every runtime reads it as {}): the
// readers leave it nil and the accessor makes it empty on first use (fillEmptyMaps).
func parseStringMap(value eventValue, path string, lowercaseKeys bool) (map[string]string, *EventError) {
	if value.kind == jsonNull {
		return nil, nil
	}
	if value.kind != jsonObjectKind {
		return nil, invalidEvent(path, "must be a mapping of strings")
	}
	var small [16]rawMember
	members := dedup(value.members(small[:0]))
	for _, m := range members {
		if m.value.kind != jsonString {
			return nil, invalidEvent(path, "must be a mapping of strings")
		}
	}
	out := make(map[string]string, len(members))
	for _, m := range members {
		key := m.key
		if lowercaseKeys {
			key = asciiLower(key)
		}
		out[key] = eventValue{rawValue: m.value, p: value.p}.str()
	}
	return out, nil
}

func parseMultiMap(value eventValue, path string, lowercaseKeys bool) (map[string][]string, *EventError) {
	if value.kind == jsonNull {
		return nil, nil
	}
	if value.kind != jsonObjectKind {
		return nil, invalidEvent(path, "must be a mapping of string lists")
	}
	var small [16]rawMember
	members := dedup(value.members(small[:0]))
	for _, m := range members {
		if m.value.kind != jsonArray {
			return nil, invalidEvent(path, "must be a mapping of string lists")
		}
		allStrings := true
		eventValue{rawValue: m.value, p: value.p}.eachItem(func(item eventValue) bool {
			allStrings = item.kind == jsonString
			return allStrings
		})
		if !allStrings {
			return nil, invalidEvent(path, "must be a mapping of string lists")
		}
	}
	out := make(map[string][]string, len(members))
	for _, m := range members {
		key := m.key
		if lowercaseKeys {
			key = asciiLower(key)
		}
		values := out[key]
		if values == nil {
			values = []string{}
		}
		eventValue{rawValue: m.value, p: value.p}.eachItem(func(item eventValue) bool {
			values = append(values, item.str())
			return true
		})
		out[key] = values
	}
	return out, nil
}

func parseJSONValue(value eventValue, path string) (any, *EventError) {
	if value.kind == jsonNull {
		return nil, nil
	}
	return decodePlainJSON(value), nil
}

// asciiLower lower-cases A-Z only (header names): HTTP names are ASCII, and full Unicode case mapping
// differs between the languages' Unicode versions.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
