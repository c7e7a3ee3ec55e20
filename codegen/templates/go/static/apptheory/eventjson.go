package apptheory

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Hand-written because encoding/json cannot keep key order, tell 5 from 5.0 or decode in few allocations.
//
// The Lambda event is decoded by a small JSON parser of its own rather than encoding/json, so that
// the typed fields read it exactly as the Python runtime does: objects keep their keys in document
// order (a repeated key keeps its first position and its last value, as json.loads does), integers
// and floats stay apart (5 is an integer, 5.0 is not), and an escaped lone UTF-16 surrogate
// ("\ud800", or a high surrogate not followed by an escaped low one) becomes one U+FFFD, as in
// every runtime.
// Values are tagged structs, not interfaces, and every string of an event shares one buffer, so
// parsing costs a handful of allocations.

type jsonKind uint8

const (
	jsonNull jsonKind = iota // also an absent value
	jsonBool
	jsonNumberKind
	jsonString
	jsonArray
	jsonObjectKind
)

// jsonValue is one parsed JSON value.
type jsonValue struct {
	kind jsonKind
	b    bool        // jsonBool
	s    string      // jsonString: the text; jsonNumberKind: the number as written
	obj  *jsonObject // jsonObjectKind
	arr  []jsonValue // jsonArray
}

// isInteger reports whether a number is written as an integer (no fraction, no exponent).
func (v jsonValue) isInteger() bool {
	return v.kind == jsonNumberKind && !strings.ContainsAny(v.s, ".eE")
}

type jsonMember struct {
	key   string
	value jsonValue
}

// jsonObject is a JSON object with its keys in document order.
type jsonObject struct {
	members []jsonMember
	index   map[string]int // built once the object is large; small objects are scanned
}

const objectIndexThreshold = 16

var emptyObject = &jsonObject{}

// lookup returns the value of key and whether the key is present (its value may be null).
func (o *jsonObject) lookup(key string) (jsonValue, bool) {
	if o.index != nil {
		i, ok := o.index[key]
		if !ok {
			return jsonValue{}, false
		}
		return o.members[i].value, true
	}
	for i := range o.members {
		if o.members[i].key == key {
			return o.members[i].value, true
		}
	}
	return jsonValue{}, false
}

// get returns the value of key; absent reads as null.
func (o *jsonObject) get(key string) jsonValue {
	v, _ := o.lookup(key)
	return v
}

func (o *jsonObject) set(key string, value jsonValue) {
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			o.members[i].value = value
			return
		}
	} else {
		for i := range o.members {
			if o.members[i].key == key {
				o.members[i].value = value
				return
			}
		}
	}
	o.members = append(o.members, jsonMember{key, value})
	if o.index != nil {
		o.index[key] = len(o.members) - 1
	} else if len(o.members) > objectIndexThreshold {
		o.index = make(map[string]int, len(o.members)*2)
		for i, m := range o.members {
			o.index[m.key] = i
		}
	}
}

// maxJSONDepth bounds nesting, like encoding/json, so a hostile event cannot exhaust the stack.
const maxJSONDepth = 10000

var errInvalidJSON = errors.New("invalid JSON")

type jsonParser struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	// text holds every string of the document: a string is a slice of text.String(). Builder only
	// appends, so the bytes under a string already handed out never change.
	text strings.Builder
}

// MaxJSONNesting is the deepest nesting of arrays and objects a JSON body may have ([] is 1), the
// same in every language; a deeper body is invalid JSON (400).
const MaxJSONNesting = 128

// parseEventJSON decodes one JSON document (an event: nesting up to maxJSONDepth).
func parseEventJSON(data []byte) (jsonValue, error) {
	return parseJSON(data, maxJSONDepth)
}

// parseJSON decodes one JSON document whose arrays and objects nest at most maxDepth deep.
func parseJSON(data []byte, maxDepth int) (jsonValue, error) {
	p := jsonParser{data: data, maxDepth: maxDepth}
	p.text.Grow(len(data))
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return jsonValue{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return jsonValue{}, p.fail()
	}
	return v, nil
}

func (p *jsonParser) fail() error {
	return errors.Join(errInvalidJSON, errors.New("at offset "+strconv.Itoa(p.pos)))
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) literal(word string, v jsonValue) (jsonValue, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return jsonValue{}, p.fail()
	}
	p.pos += len(word)
	return v, nil
}

func (p *jsonParser) value() (jsonValue, error) {
	if p.pos >= len(p.data) {
		return jsonValue{}, p.fail()
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		return jsonValue{kind: jsonString, s: s}, err
	case c == 't':
		return p.literal("true", jsonValue{kind: jsonBool, b: true})
	case c == 'f':
		return p.literal("false", jsonValue{kind: jsonBool})
	case c == 'n':
		return p.literal("null", jsonValue{})
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return jsonValue{}, p.fail()
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > p.maxDepth {
		return p.fail()
	}
	return nil
}

func (p *jsonParser) object() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	p.pos++ // '{'
	obj := &jsonObject{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return jsonValue{kind: jsonObjectKind, obj: obj}, nil
	}
	obj.members = make([]jsonMember, 0, 8)
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return jsonValue{}, p.fail()
		}
		key, err := p.string()
		if err != nil {
			return jsonValue{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return jsonValue{}, p.fail()
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return jsonValue{}, err
		}
		obj.set(key, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return jsonValue{}, p.fail()
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case '}':
			p.pos++
			p.depth--
			return jsonValue{kind: jsonObjectKind, obj: obj}, nil
		default:
			return jsonValue{}, p.fail()
		}
	}
}

func (p *jsonParser) array() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	p.pos++ // '['
	items := []jsonValue{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return jsonValue{kind: jsonArray, arr: items}, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return jsonValue{}, err
		}
		items = append(items, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return jsonValue{}, p.fail()
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case ']':
			p.pos++
			p.depth--
			return jsonValue{kind: jsonArray, arr: items}, nil
		default:
			return jsonValue{}, p.fail()
		}
	}
}

func (p *jsonParser) number() (jsonValue, error) {
	start := p.pos
	d := p.data
	if p.pos < len(d) && d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
		}
	default:
		return jsonValue{}, p.fail()
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return jsonValue{}, p.fail()
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return jsonValue{}, p.fail()
		}
	}
	return jsonValue{kind: jsonNumberKind, s: p.keep(d[start:p.pos])}, nil
}

func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

// keep copies b into the shared text buffer and returns it as a string.
func (p *jsonParser) keep(b []byte) string {
	start := p.text.Len()
	p.text.Write(b)
	return p.text.String()[start:]
}

func (p *jsonParser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	d := p.data
	// Fast path: no escapes, no control characters, ASCII.
	for p.pos < len(d) {
		c := d[p.pos]
		if c == '"' {
			s := p.keep(d[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.pos++
	}
	textStart := p.text.Len()
	p.text.Write(d[start:p.pos])
	for p.pos < len(d) {
		c := d[p.pos]
		switch {
		case c == '"':
			p.pos++
			return p.text.String()[textStart:], nil
		case c < 0x20:
			return "", p.fail()
		case c == '\\':
			p.pos++
			if p.pos >= len(d) {
				return "", p.fail()
			}
			esc := d[p.pos]
			p.pos++
			switch esc {
			case '"', '\\', '/':
				p.text.WriteByte(esc)
			case 'b':
				p.text.WriteByte('\b')
			case 'f':
				p.text.WriteByte('\f')
			case 'n':
				p.text.WriteByte('\n')
			case 'r':
				p.text.WriteByte('\r')
			case 't':
				p.text.WriteByte('\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.fail()
				}
				if utf16.IsSurrogate(r) {
					if r < 0xDC00 && p.pos+6 <= len(d) && d[p.pos] == '\\' && d[p.pos+1] == 'u' {
						save := p.pos
						p.pos += 2
						low, ok := p.hex4()
						if ok && low >= 0xDC00 && low <= 0xDFFF {
							p.text.WriteRune(utf16.DecodeRune(r, low))
							continue
						}
						p.pos = save
					}
					p.text.WriteString("\uFFFD") // a lone surrogate: one replacement character
					continue
				}
				p.text.WriteRune(r)
			default:
				return "", p.fail()
			}
		case c < utf8.RuneSelf:
			p.text.WriteByte(c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(d[p.pos:])
			p.text.WriteRune(r) // invalid bytes become U+FFFD, as in encoding/json
			p.pos += size
		}
	}
	return "", p.fail()
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// plainJSON is a parsed value as encoding/json decodes it with UseNumber: nil, bool, string,
// json.Number, []any or map[string]any (a repeated key keeps its last value).
func plainJSON(v jsonValue) any {
	switch v.kind {
	case jsonBool:
		return v.b
	case jsonNumberKind:
		return json.Number(v.s)
	case jsonString:
		return v.s
	case jsonArray:
		out := make([]any, len(v.arr))
		for i, item := range v.arr {
			out[i] = plainJSON(item)
		}
		return out
	case jsonObjectKind:
		m := make(map[string]any, len(v.obj.members))
		for _, member := range v.obj.members {
			m[member.key] = plainJSON(member.value)
		}
		return m
	}
	return nil
}

var errNumberOutOfRange = errors.New("a number beyond the range of a double")

// finiteNumbers reports whether every number in v is within float64's range (see floatJSON).
func finiteNumbers(v jsonValue) bool {
	switch v.kind {
	case jsonNumberKind:
		f, err := strconv.ParseFloat(v.s, 64)
		return err == nil || (errors.Is(err, strconv.ErrRange) && !math.IsInf(f, 0))
	case jsonArray:
		for _, item := range v.arr {
			if !finiteNumbers(item) {
				return false
			}
		}
	case jsonObjectKind:
		for _, member := range v.obj.members {
			if !finiteNumbers(member.value) {
				return false
			}
		}
	}
	return true
}

// floatJSON is a parsed value as encoding/json decodes it into an any: nil, bool, string, float64,
// []any or map[string]any (a repeated key keeps its last value). A number beyond float64's range
// (1e400, or an integer of 309 digits) is an error, as in every language; one too small is 0.
func floatJSON(v jsonValue) (any, error) {
	switch v.kind {
	case jsonBool:
		return v.b, nil
	case jsonNumberKind:
		f, err := strconv.ParseFloat(v.s, 64) // the parser checked the grammar: only range can fail
		if err != nil && (math.IsInf(f, 0) || !errors.Is(err, strconv.ErrRange)) {
			return nil, errNumberOutOfRange
		}
		return f, nil
	case jsonString:
		return v.s, nil
	case jsonArray:
		out := make([]any, len(v.arr))
		for i, item := range v.arr {
			value, err := floatJSON(item)
			if err != nil {
				return nil, err
			}
			out[i] = value
		}
		return out, nil
	case jsonObjectKind:
		m := make(map[string]any, len(v.obj.members))
		for _, member := range v.obj.members {
			value, err := floatJSON(member.value)
			if err != nil {
				return nil, err
			}
			m[member.key] = value
		}
		return m, nil
	}
	return nil, nil
}
