package apptheory

import (
	"bytes"
	"encoding/json"
	"sync"
)

// EncodeJSON is the canonical form of a value that SendJSONMessage posts: compact, object keys
// sorted at every depth (struct fields too), UTF-8 without HTML escaping (<, > and & stay as they
// are, as in the Python and TypeScript runtimes), and no trailing newline.
func EncodeJSON(v any) ([]byte, error) {
	if isSortedTree(v) {
		return encodeJSON(v)
	}
	// Structs, RawMessage and custom marshalers may emit keys out of order: re-encode through a tree.
	raw, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	return encodeJSON(tree)
}

var encoderPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeJSON is json.Marshal without HTML escaping, its trailing newline and the escapes of
// U+2028/U+2029, which encoding/json always writes and the other runtimes do not.
func encodeJSON(v any) ([]byte, error) {
	buf := encoderPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer encoderPool.Put(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	raw = raw[:len(raw)-1] // Encode ends with '\n'
	if bytes.Contains(raw, lineSeparatorEscape) {
		return unescapeLineSeparators(raw), nil
	}
	return bytes.Clone(raw), nil
}

var lineSeparatorEscape = []byte(`\u202`)

// unescapeLineSeparators turns each \u2028 / \u2029 escape back into its UTF-8 bytes; an escaped
// backslash before "u2028" is text, so escapes are walked pairwise.
func unescapeLineSeparators(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			continue
		}
		if raw[i+1] == 'u' && i+5 < len(raw) && raw[i+2] == '2' && raw[i+3] == '0' && raw[i+4] == '2' &&
			(raw[i+5] == '8' || raw[i+5] == '9') {
			out = append(out, 0xE2, 0x80, 0xA8+raw[i+5]-'8')
			i += 5
			continue
		}
		out = append(out, c, raw[i+1])
		i++
	}
	return out
}

// isSortedTree reports whether encoding/json already writes v with sorted keys: maps with string
// keys, slices of such values and scalars (the common case, e.g. a value from ws.JSON).
func isSortedTree(v any) bool {
	switch t := v.(type) {
	case nil, string, bool, float64, float32, int, int64, int32, int16, int8, uint, uint64, uint32,
		uint16, uint8, json.Number:
		return true
	case map[string]any:
		for _, item := range t {
			if !isSortedTree(item) {
				return false
			}
		}
		return true
	case []any:
		for _, item := range t {
			if !isSortedTree(item) {
				return false
			}
		}
		return true
	case map[string]string, []string, map[string][]string, []byte:
		return true
	}
	return false
}
