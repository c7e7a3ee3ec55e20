package apptheory

// Hand-written RFC 8785 encoder: it writes the runtime's value trees (ws.JSON, maps, slices) in one
// pass with no reflection, which no JCS library for Go does (they re-parse encoding/json output).

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// EncodeJSON is the canonical JSON of v, the one encoding every runtime uses for what it sends or
// returns as JSON: RFC 8785 (JSON Canonicalization Scheme). Object keys are sorted by UTF-16 code
// units at every depth (struct fields too), there is no whitespace, strings escape only '"', '\'
// and U+0000-U+001F (\b \t \n \f \r, else \u00xx in lower case; '<', '>', '&', U+2028 and U+2029
// stay literal; invalid UTF-8 becomes U+FFFD), and every number, integers included, is converted
// to a float64 and written as ECMAScript's Number::toString writes it (1.0 -> 1, 1e21 -> 1e+21,
// 9007199254740993 -> 9007199254740992). A nil map is {}, a nil slice []; []byte is a base64
// string (as in encoding/json). NaN and ±Inf are an error, as are values encoding/json cannot
// marshal (channels, functions) and a cycle. No trailing newline.
//
// Strings, bools, numbers (every Go int and float type, json.Number), map[string]any, []any,
// map[string]string, map[string][]string and []string are written directly; any other value
// (structs, json.RawMessage, json.Marshaler, other map and slice types) is marshalled by
// encoding/json, re-parsed and written canonically.
func EncodeJSON(v any) ([]byte, error) {
	e := encoderPool.Get().(*jcsEncoder)
	err := e.value(v, 0)
	out := []byte(nil)
	if err == nil {
		out = make([]byte, len(e.buf))
		copy(out, e.buf)
	}
	e.release()
	return out, err
}

// encodeJSONString is EncodeJSON as a string (one copy fewer than string(EncodeJSON(v))).
func encodeJSONString(v any) (string, error) {
	e := encoderPool.Get().(*jcsEncoder)
	err := e.value(v, 0)
	out := ""
	if err == nil {
		out = string(e.buf)
	}
	e.release()
	return out, err
}

// Encoders are pooled whole: an encoder escapes (encodeMap's callbacks take it), so a fresh one
// would cost an allocation per call.
var encoderPool = sync.Pool{New: func() any { return &jcsEncoder{buf: make([]byte, 0, 1024)} }}

func (e *jcsEncoder) release() {
	if cap(e.buf) > 64<<10 {
		return // let a huge buffer go
	}
	e.buf = e.buf[:0]
	encoderPool.Put(e)
}

// maxEncodeDepth bounds nesting as every runtime does (docs/runtime.md): 500 levels; deeper, or a
// value that contains itself, is an error rather than a stack overflow.
const maxEncodeDepth = 500

var (
	errNonFinite = errors.New("apptheory: JSON cannot represent NaN or infinity")
	errTooDeep   = errors.New("apptheory: JSON value nested too deeply (or contains itself)")
)

type jcsEncoder struct{ buf []byte }

func (e *jcsEncoder) value(v any, depth int) error {
	switch t := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.string(t)
	case bool:
		if t {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case float64:
		return e.number(t)
	case float32:
		return e.number(float64(t))
	case int:
		return e.number(float64(t))
	case int64:
		return e.number(float64(t))
	case int32:
		return e.number(float64(t))
	case int16:
		return e.number(float64(t))
	case int8:
		return e.number(float64(t))
	case uint:
		return e.number(float64(t))
	case uint64:
		return e.number(float64(t))
	case uint32:
		return e.number(float64(t))
	case uint16:
		return e.number(float64(t))
	case uint8:
		return e.number(float64(t))
	case uintptr:
		return e.number(float64(t))
	case json.Number:
		return e.numberText(string(t))
	case map[string]any:
		if depth >= maxEncodeDepth {
			return errTooDeep
		}
		return encodeMap(e, t, depth, func(e *jcsEncoder, item any) error { return e.value(item, depth+1) })
	case []any:
		if depth >= maxEncodeDepth {
			return errTooDeep
		}
		e.buf = append(e.buf, '[')
		for i, item := range t {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(item, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case map[string]string:
		return encodeMap(e, t, depth, func(e *jcsEncoder, item string) error { e.string(item); return nil })
	case map[string][]string:
		return encodeMap(e, t, depth, func(e *jcsEncoder, item []string) error { e.strings(item); return nil })
	case []string:
		e.strings(t)
	case []byte:
		e.buf = append(e.buf, '"') // nil too: no bytes
		e.buf = base64.StdEncoding.AppendEncode(e.buf, t)
		e.buf = append(e.buf, '"')
	default:
		return e.marshalled(v, depth)
	}
	return nil
}

// marshalled writes any other value: encoding/json marshals it, the event parser reads it back.
func (e *jcsEncoder) marshalled(v any, depth int) error {
	raw, err := json.Marshal(v)
	if err != nil {
		var unsupported *json.UnsupportedValueError
		if errors.As(err, &unsupported) && (unsupported.Str == "NaN" || unsupported.Str == "+Inf" || unsupported.Str == "-Inf") {
			return errNonFinite
		}
		return fmt.Errorf("apptheory: cannot encode %T as JSON: %w", v, err)
	}
	tree, err := parseEventJSON(raw)
	if err != nil {
		return fmt.Errorf("apptheory: %T marshalled to invalid JSON: %w", v, err)
	}
	return e.parsed(tree, depth)
}

// parsed writes a tree of the event parser (members deduplicated already: the last value wins).
func (e *jcsEncoder) parsed(v jsonValue, depth int) error {
	if depth >= maxEncodeDepth {
		return errTooDeep
	}
	switch v.kind {
	case jsonNull:
		e.buf = append(e.buf, "null"...)
	case jsonBool:
		return e.value(v.b, depth)
	case jsonString:
		e.string(v.s)
	case jsonNumberKind:
		return e.numberText(v.s)
	case jsonArray:
		e.buf = append(e.buf, '[')
		for i, item := range v.arr {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.parsed(item, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case jsonObjectKind:
		members := slices.Clone(v.obj.members)
		slices.SortFunc(members, func(a, b jsonMember) int { return compareUTF16(a.key, b.key) })
		e.buf = append(e.buf, '{')
		for i, m := range members {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.string(m.key)
			e.buf = append(e.buf, ':')
			if err := e.parsed(m.value, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
	}
	return nil
}

// encodeMap writes a map with its keys in UTF-16 code unit order.
func encodeMap[V any](e *jcsEncoder, m map[string]V, depth int, item func(*jcsEncoder, V) error) error {
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sortKeys(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.string(k)
		e.buf = append(e.buf, ':')
		if err := item(e, m[k]); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func sortKeys(keys []string) {
	if len(keys) > 12 {
		slices.SortFunc(keys, compareUTF16)
		return
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && compareUTF16(keys[j], keys[j-1]) < 0; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// compareUTF16 orders strings by their UTF-16 code units. UTF-8 byte order is code point order,
// which differs only where one string has a character above U+FFFF (a surrogate pair, D800-DBFF
// first) and the other one in U+E000-U+FFFF at the same place: lead bytes F0-F4 against EE-EF.
// Invalid UTF-8 sorts as its bytes (it is written as U+FFFD).
func compareUTF16(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return len(a) - len(b)
	}
	ca, cb := a[i], b[i]
	if ca >= 0xF0 && ca <= 0xF4 && (cb == 0xEE || cb == 0xEF) {
		return -1
	}
	if cb >= 0xF0 && cb <= 0xF4 && (ca == 0xEE || ca == 0xEF) {
		return 1
	}
	return int(ca) - int(cb)
}

func (e *jcsEncoder) strings(list []string) {
	if list == nil {
		e.buf = append(e.buf, "[]"...)
		return
	}
	e.buf = append(e.buf, '[')
	for i, s := range list {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.string(s)
	}
	e.buf = append(e.buf, ']')
}

const hexDigits = "0123456789abcdef"

// string writes s quoted with RFC 8785's minimal escaping; each invalid UTF-8 byte becomes U+FFFD.
func (e *jcsEncoder) string(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			e.buf = append(e.buf, s[start:i]...)
			switch c {
			case '"', '\\':
				e.buf = append(e.buf, '\\', c)
			case '\b':
				e.buf = append(e.buf, '\\', 'b')
			case '\t':
				e.buf = append(e.buf, '\\', 't')
			case '\n':
				e.buf = append(e.buf, '\\', 'n')
			case '\f':
				e.buf = append(e.buf, '\\', 'f')
			case '\r':
				e.buf = append(e.buf, '\\', 'r')
			default:
				e.buf = append(e.buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

// numberText writes a number given as text (json.Number, parsed JSON) through float64.
func (e *jcsEncoder) numberText(s string) error {
	if !isJSONNumber(s) {
		return fmt.Errorf("apptheory: %q is not a JSON number", s)
	}
	// A valid number fails to parse only by range: ±Inf (an error below) or an underflow to the
	// nearest double (0 or a subnormal), which is its value.
	f, _ := strconv.ParseFloat(s, 64)
	return e.number(f)
}

// isJSONNumber reports whether s is a number in JSON's grammar (ParseFloat accepts more: "Inf", "0x1p3", "1_0").
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// number writes f as ECMAScript's Number::toString does (RFC 8785 section 3.2.2.3).
func (e *jcsEncoder) number(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return errNonFinite
	}
	e.buf = appendECMANumber(e.buf, f)
	return nil
}

// appendECMANumber appends a finite f formatted by ECMA-262 Number::toString (radix 10).
func appendECMANumber(buf []byte, f float64) []byte {
	if f == 0 {
		return append(buf, '0') // -0 too
	}
	// Integers below 2^53 are exact, and their shortest digits are their own digits.
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.AppendInt(buf, int64(f), 10)
	}
	if f < 0 {
		buf = append(buf, '-')
		f = -f
	}
	// Shortest round-trip digits d.ddd and exponent x, value = digits × 10^(n-k) with n = x+1.
	var scratch [32]byte
	sci := strconv.AppendFloat(scratch[:0], f, 'e', -1, 64)
	mark := 0
	for sci[mark] != 'e' {
		mark++
	}
	var digitBuf [24]byte
	digits := digitBuf[:0]
	for _, c := range sci[:mark] {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	x, _ := strconv.Atoi(string(sci[mark+1:]))
	k := len(digits)
	n := x + 1
	switch {
	case k <= n && n <= 21:
		buf = append(buf, digits...)
		for range n - k {
			buf = append(buf, '0')
		}
	case 0 < n && n <= 21:
		buf = append(buf, digits[:n]...)
		buf = append(buf, '.')
		buf = append(buf, digits[n:]...)
	case -6 < n && n <= 0:
		buf = append(buf, '0', '.')
		for range -n {
			buf = append(buf, '0')
		}
		buf = append(buf, digits...)
	default:
		buf = append(buf, digits[0])
		if k > 1 {
			buf = append(buf, '.')
			buf = append(buf, digits[1:]...)
		}
		buf = append(buf, 'e')
		if n-1 >= 0 {
			buf = append(buf, '+')
		}
		buf = strconv.AppendInt(buf, int64(n-1), 10)
	}
	return buf
}
