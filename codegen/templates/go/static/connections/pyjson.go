package connections

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EncodePythonJSON writes v exactly as Python's json.dumps(v, sort_keys=True, separators=(",", ":"),
// ensure_ascii=False) does, so a record's principal is the same bytes whichever language saved it:
// object keys sorted by code point, strings escaping only '"', '\' and U+0000-U+001F (\b \t \n \f \r,
// else \u00xx), non-ASCII written as it is (invalid UTF-8 becomes U+FFFD), integers in decimal,
// floats as Python's repr (1.0 -> 1.0, 1e16 -> 1e+16, 1e-05), json.Number as its text. NaN and
// ±Inf are an error (Python would write NaN, which is not JSON). Strings, bools, numbers,
// map[string]any, []any, map[string]string and []string are written directly; any other value is
// marshalled by encoding/json and read back first.
func EncodePythonJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := pyValue(&b, v, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DecodeJSON reads one JSON value with numbers kept as json.Number (their exact text).
func DecodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

const maxPyDepth = 500

func pyValue(b *bytes.Buffer, v any, depth int) error {
	if depth > maxPyDepth {
		return errors.New("json: nesting deeper than 500 levels")
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		pyString(b, x)
	case json.Number:
		if !json.Valid([]byte(x)) || x == "" {
			return fmt.Errorf("json: invalid number %q", string(x))
		}
		b.WriteString(string(x))
	case int:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int8:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int16:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case uint:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint8:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint16:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint32:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	case float32:
		return pyFloat(b, float64(x), 32)
	case float64:
		return pyFloat(b, x, 64)
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := pyValue(b, item, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			pyString(b, item)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			pyString(b, k)
			b.WriteByte(':')
			if err := pyValue(b, x[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case map[string]string:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			pyString(b, k)
			b.WriteByte(':')
			pyString(b, x[k])
		}
		b.WriteByte('}')
	default:
		if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice) && rv.IsNil() {
			b.WriteString("null")
			return nil
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		parsed, err := DecodeJSON(data)
		if err != nil {
			return err
		}
		return pyValue(b, parsed, depth)
	}
	return nil
}

// sortedKeys orders keys by code point, as Python sorts str (UTF-8 byte order is code point order).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(fixUTF8(a), fixUTF8(b)) })
	return keys
}

func fixUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// pyFloat writes repr(float): the shortest text that reads back the same, fixed notation for
// exponents -4..15 (with ".0" when integral), otherwise d.ddde±XX.
func pyFloat(b *bytes.Buffer, f float64, bits int) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("json: unsupported value %v", f)
	}
	sci := strconv.FormatFloat(f, 'e', -1, bits)
	mantissa, exp, _ := strings.Cut(sci, "e")
	e, _ := strconv.Atoi(exp)
	if e < -4 || e >= 16 {
		b.WriteString(mantissa)
		b.WriteByte('e')
		if e < 0 {
			b.WriteByte('-')
			e = -e
		} else {
			b.WriteByte('+')
		}
		if e < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(e))
		return nil
	}
	fixed := strconv.FormatFloat(f, 'f', -1, bits)
	b.WriteString(fixed)
	if !strings.ContainsAny(fixed, ".") {
		b.WriteString(".0")
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// pyString writes s as json.dumps(ensure_ascii=False) does.
func pyString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				if c < 0x20 {
					b.WriteString(`\u00`)
					b.WriteByte(hexDigits[c>>4])
					b.WriteByte(hexDigits[c&0xF])
				} else {
					b.WriteByte(c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
