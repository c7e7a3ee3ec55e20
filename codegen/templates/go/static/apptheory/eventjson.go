package apptheory

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Hand-written because encoding/json cannot keep key order, resolve duplicate keys as the other
// runtimes do, or decode an event without a tree of maps and boxed values.
//
// The Lambda event is decoded by a small JSON scanner of its own rather than encoding/json, so that
// the typed fields read it exactly as the Python runtime does: objects keep their keys in document
// order (a repeated key keeps its first position and its last value, as json.loads does), and an
// escaped lone UTF-16 surrogate ("\ud800", or a high surrogate not followed by an escaped low one)
// becomes one U+FFFD, as in every runtime. The authorizer keeps each number as written (json.Number).
//
// Events are not decoded into a tree. One pass checks the whole document (what encoding/json
// accepts, nesting up to maxJSONDepth) and puts the value of each key loadEvent reads into its slot
// of the schema generated from the IDL (fields.go: eventSlot, one slot per field and container); a
// slot says where its value is and what kind it is, everything else is only checked. The typed
// fields are then read from the slots in IDL order, so the first failure in that order answers,
// whatever the document order. Clean strings of slots share one copy; maps and the authorizer are
// read from their slot's text when loadEvent reaches them. JSON bodies (ws.JSON into an *any) are
// decoded straight into Go values by the same scanner. The tree below (jsonValue) is kept for values
// encoding/json marshals (EncodeJSON re-reads them) and as the reference the fuzzers hold the direct
// decoders to (FuzzEventSlots, FuzzDecodeJSON).

type jsonKind uint8

const (
	jsonNull jsonKind = iota // also an absent value
	jsonBool
	jsonNumberKind
	jsonString
	jsonArray
	jsonObjectKind
)

// maxJSONDepth bounds nesting, like encoding/json, so a hostile event cannot exhaust the stack.
const maxJSONDepth = 10000

// MaxJSONNesting is the deepest nesting of arrays and objects a JSON body may have ([] is 1), the
// same in every language; a deeper body is invalid JSON (400).
const MaxJSONNesting = 128

var errInvalidJSON = errors.New("invalid JSON")

// ---- the scanner: grammar, strings, numbers ------------------------------------------------------

// jsonScanner checks RFC 8259 grammar; the decoders below build on it.
type jsonScanner struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
}

func (s *jsonScanner) fail() error {
	return errors.Join(errInvalidJSON, errors.New("at offset "+strconv.Itoa(s.pos)))
}

func (s *jsonScanner) skipSpace() {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return // no space: the common case, inlined
	}
	s.skipSpaceRun()
}

func (s *jsonScanner) skipSpaceRun() {
	d := s.data
	for s.pos < len(d) {
		switch d[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
		for s.pos+8 <= len(d) { // indentation: eight spaces at a time
			x := binary.LittleEndian.Uint64(d[s.pos:]) ^ 0x2020202020202020
			if x != 0 {
				s.pos += bits.TrailingZeros64(x) / 8
				break
			}
			s.pos += 8
		}
	}
}

func (s *jsonScanner) enter() error {
	s.depth++
	if s.depth > s.maxDepth {
		return s.fail()
	}
	return nil
}

func (s *jsonScanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.fail()
	}
	s.pos += len(word)
	return nil
}

// scanString checks the string at pos (its opening quote) and returns where its contents start and
// end; clean means they are its text as they stand (no escapes, valid UTF-8).
func (s *jsonScanner) scanString() (start, end int, clean bool, err error) {
	s.pos++ // opening quote
	start = s.pos
	d := s.data
	ascii := true
	for s.pos < len(d) {
		// Eight bytes at a time up to the first '"', '\\', control or non-ASCII byte (the lowest byte
		// the mask flags is always one of those; the byte loop below decides what it is).
		for s.pos+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[s.pos:])
			q := x ^ 0x2222222222222222 // '"' bytes become 0
			b := x ^ 0x5C5C5C5C5C5C5C5C // '\\' bytes become 0
			const ones = 0x0101010101010101
			m := ((q - ones) &^ q) | ((b - ones) &^ b) | (x - 0x2020202020202020) | x
			if m &= 0x8080808080808080; m != 0 {
				s.pos += bits.TrailingZeros64(m) / 8
				break
			}
			s.pos += 8
		}
		if s.pos >= len(d) {
			break
		}
		c := d[s.pos]
		switch {
		case c == '"':
			end = s.pos
			s.pos++
			return start, end, ascii || utf8.Valid(d[start:end]), nil
		case c == '\\':
			return s.scanEscapedString(start)
		case c < 0x20:
			return 0, 0, false, s.fail()
		case c >= utf8.RuneSelf:
			ascii = false
		}
		s.pos++
	}
	return 0, 0, false, s.fail()
}

// scanEscapedString finishes scanString from a backslash (the contents are not clean).
func (s *jsonScanner) scanEscapedString(start int) (int, int, bool, error) {
	d := s.data
	for s.pos < len(d) {
		c := d[s.pos]
		switch {
		case c == '"':
			end := s.pos
			s.pos++
			return start, end, false, nil
		case c < 0x20:
			return 0, 0, false, s.fail()
		case c == '\\':
			s.pos++
			if s.pos >= len(d) {
				return 0, 0, false, s.fail()
			}
			switch d[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				s.pos++
				if _, ok := hex4(d, s.pos); !ok {
					return 0, 0, false, s.fail()
				}
				s.pos += 4
			default:
				return 0, 0, false, s.fail()
			}
		default:
			s.pos++
		}
	}
	return 0, 0, false, s.fail()
}

// scanNumber checks the number at pos and returns its end.
func (s *jsonScanner) scanNumber() (int, error) {
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case s.pos < len(d) && d[s.pos] >= '1' && d[s.pos] <= '9':
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
	default:
		return 0, s.fail()
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if !s.digits() {
			return 0, s.fail()
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if !s.digits() {
			return 0, s.fail()
		}
	}
	return s.pos, nil
}

func (s *jsonScanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos > start
}

// skipValue checks one value and moves past it; rangeErr (when not nil) is set when a number is
// beyond float64's range.
func (s *jsonScanner) skipValue(rangeErr *bool) error {
	if s.pos >= len(s.data) {
		return s.fail()
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.skipContainer('}', rangeErr)
	case c == '[':
		return s.skipContainer(']', rangeErr)
	case c == '"':
		_, _, _, err := s.scanString()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.pos
		end, err := s.scanNumber()
		if err == nil && rangeErr != nil && !finiteNumber(s.data[start:end]) {
			*rangeErr = true
		}
		return err
	}
	return s.fail()
}

func (s *jsonScanner) skipContainer(closer byte, rangeErr *bool) error {
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == closer {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if closer == '}' {
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return s.fail()
			}
			if _, _, _, err := s.scanString(); err != nil {
				return err
			}
			if err := s.colon(); err != nil {
				return err
			}
		}
		if err := s.skipValue(rangeErr); err != nil {
			return err
		}
		more, err := s.next(closer)
		if err != nil || !more {
			return err
		}
	}
}

// colon moves past the ':' of a member and the space around it.
func (s *jsonScanner) colon() error {
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return s.fail()
	}
	s.pos++
	s.skipSpace()
	return nil
}

// next moves past the ',' before another item (true) or the container's closer (false).
func (s *jsonScanner) next(closer byte) (bool, error) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return false, s.fail()
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		s.skipSpace()
		return true, nil
	case closer:
		s.pos++
		s.depth--
		return false, nil
	}
	return false, s.fail()
}

// end checks that only space follows the document.
func (s *jsonScanner) end() error {
	s.skipSpace()
	if s.pos != len(s.data) {
		return s.fail()
	}
	return nil
}

// finiteNumber reports whether a JSON number is within float64's range (one too small is 0).
func finiteNumber(text []byte) bool {
	if len(text) <= 300 && !bytes.ContainsAny(text, "eE") {
		return true // at most 300 digits and no exponent: below 1e300
	}
	f, err := strconv.ParseFloat(string(text), 64)
	return err == nil || (errors.Is(err, strconv.ErrRange) && !math.IsInf(f, 0))
}

func hex4(d []byte, pos int) (rune, bool) {
	if pos+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[pos : pos+4] {
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
	return r, true
}

// appendUnescaped appends the text of checked string contents (between the quotes): escapes
// resolved, an escaped lone surrogate as one U+FFFD, invalid UTF-8 bytes as U+FFFD (as encoding/json).
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := i // a run of plain ASCII is copied at once
		for j < len(raw) && raw[j] != '\\' && raw[j] < utf8.RuneSelf {
			j++
		}
		dst = append(dst, raw[i:j]...)
		if i = j; i >= len(raw) {
			break
		}
		c := raw[i]
		switch {
		case c == '\\':
			esc := raw[i+1]
			i += 2
			switch esc {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, _ := hex4(raw, i)
				i += 4
				if utf16.IsSurrogate(r) {
					if r < 0xDC00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if low, ok := hex4(raw, i+2); ok && low >= 0xDC00 && low <= 0xDFFF {
							dst = utf8.AppendRune(dst, utf16.DecodeRune(r, low))
							i += 6
							continue
						}
					}
					dst = append(dst, "\uFFFD"...) // a lone surrogate: one replacement character
					continue
				}
				dst = utf8.AppendRune(dst, r)
			default: // '"', '\\', '/'
				dst = append(dst, esc)
			}
		default:
			r, size := utf8.DecodeRune(raw[i:])
			dst = utf8.AppendRune(dst, r) // invalid bytes become U+FFFD, as in encoding/json
			i += size
		}
	}
	return dst
}

// unescape is the text of checked string contents that are not clean.
func unescape(raw []byte) string {
	return string(appendUnescaped(make([]byte, 0, len(raw)), raw))
}

// ---- events: one pass, straight into the slots loadEvent reads -----------------------------------

// rawValue is where one value of the event is, and what it is.
// No pointers: slots are filled and cleared without write barriers.
type rawValue struct {
	kind    jsonKind
	b       bool // jsonBool
	clean   bool // jsonString: the contents are its text (no escapes, valid UTF-8)
	present bool // in a slot: the key was there (its value may be null)
	start   int  // jsonString: the contents (no quotes); other kinds: the whole value
	end     int
}

type rawMember struct {
	key   string
	value rawValue
}

// eventScanner reads values of one event; text, when set, is the event as a string, so a clean
// string is a substring of it.
type eventScanner struct {
	jsonScanner
	text string
}

// eventParser reads one event into the slots of the generated schema (fields.go): the value of
// each key loadEvent reads, found in the containers it names (the event, requestContext, ...);
// every other value is only checked. A repeated key keeps its last value; a repeated container key
// empties what an earlier one filled, as a JSON object keeps the last value. Pooled: release it once
// loadEvent has read the fields, which keep no reference to it. Clean strings in slots share one
// copy of their bytes (the rest of the event is never copied, unless a map or the authorizer is read).
type eventParser struct {
	eventScanner
	slots    [eventSlotCount]rawValue
	strs     [eventSlotCount]string // the text of the clean strings in slots (copyStrings)
	strBytes int                    // their length in all
}

var eventParsers = sync.Pool{New: func() any { return new(eventParser) }}

// parseEvent checks an event document and fills the slots; isObject says whether the root is an
// object (else no slot is filled). The parser must be released.
func parseEvent(data []byte) (p *eventParser, isObject bool, err error) {
	p = eventParsers.Get().(*eventParser)
	p.eventScanner = eventScanner{jsonScanner: jsonScanner{data: data, maxDepth: maxJSONDepth}}
	p.skipSpace()
	if isObject = p.pos < len(p.data) && p.data[p.pos] == '{'; isObject {
		err = p.container(0)
	} else {
		err = p.skipValue(nil)
	}
	if err == nil {
		err = p.end()
	}
	if err == nil && isObject {
		p.copyStrings()
	}
	return p, isObject, err
}

// copyStrings gives the clean strings in slots their text, all in one allocation.
func (p *eventParser) copyStrings() {
	if p.strBytes == 0 {
		return
	}
	var b strings.Builder
	b.Grow(p.strBytes)
	for i := range p.slots {
		if v := &p.slots[i]; v.kind == jsonString && v.clean {
			start := b.Len()
			b.Write(p.data[v.start:v.end])
			p.strs[i] = b.String()[start:] // Builder only appends: this text never changes
		}
	}
}

// fullText is the event as a string, made on first use (maps and the authorizer are read from it).
func (p *eventParser) fullText() string {
	if p.text == "" {
		p.text = string(p.data)
	}
	return p.text
}

func (p *eventParser) release() {
	p.slots = [eventSlotCount]rawValue{}
	p.strs = [eventSlotCount]string{}
	p.strBytes = 0
	p.eventScanner = eventScanner{} // no reference to the event stays in the pool
	eventParsers.Put(p)
}

// get is the value in a slot (null when the key was absent).
func (p *eventParser) get(slot int) eventValue { return eventValue{p.slots[slot], p.strs[slot], p} }

// container reads the object at pos, container c of the schema, into its slots.
func (p *eventParser) container(c int) error {
	if err := p.enter(); err != nil {
		return err
	}
	p.pos++ // '{'
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return nil
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return p.fail()
		}
		kStart, kEnd, clean, err := p.scanString()
		if err != nil {
			return err
		}
		key := p.data[kStart:kEnd]
		if !clean {
			key = appendUnescaped(nil, key)
		}
		if err := p.colon(); err != nil {
			return err
		}
		if slot := eventSlot(c, key); slot >= 0 {
			err = p.slotValue(slot)
		} else {
			err = p.skipValue(nil)
		}
		if err != nil {
			return err
		}
		more, err := p.next('}')
		if err != nil || !more {
			return err
		}
	}
}

func (p *eventParser) slotValue(slot int) error {
	v := &p.slots[slot]
	if v.kind == jsonString && v.clean {
		p.strBytes -= v.end - v.start // a repeated key: the earlier string is not kept
	}
	if child := eventSlotChild(slot); child >= 0 {
		p.clearContainer(child) // an earlier value of this key is replaced, members and all
		if p.pos < len(p.data) && p.data[p.pos] == '{' {
			start := p.pos
			if err := p.container(child); err != nil {
				return err
			}
			*v = rawValue{kind: jsonObjectKind, present: true, start: start, end: p.pos}
			return nil
		}
	}
	err := p.valueInto(v)
	v.present = true
	if v.kind == jsonString && v.clean {
		p.strBytes += v.end - v.start
	}
	return err
}

func (p *eventParser) clearContainer(c int) {
	for s := eventContainerSlots[c][0]; s < eventContainerSlots[c][1]; s++ {
		if child := eventSlotChild(s); child >= 0 {
			p.clearContainer(child)
		}
		if v := &p.slots[s]; v.kind == jsonString && v.clean {
			p.strBytes -= v.end - v.start
		}
		p.slots[s] = rawValue{}
	}
}

// key reads a member's key at pos.
func (s *eventScanner) key() (string, error) {
	start, end, clean, err := s.scanString()
	if err != nil || clean {
		return s.text[start:end], err
	}
	return unescape(s.data[start:end]), nil
}

// value checks the value at pos and says where it is.
func (s *eventScanner) value() (rawValue, error) {
	var v rawValue
	err := s.valueInto(&v)
	return v, err
}

func (s *eventScanner) valueInto(v *rawValue) error {
	if s.pos >= len(s.data) {
		*v = rawValue{}
		return s.fail()
	}
	start := s.pos
	var err error
	switch c := s.data[s.pos]; {
	case c == '{':
		err = s.skipContainer('}', nil)
		*v = rawValue{kind: jsonObjectKind, start: start, end: s.pos}
	case c == '[':
		err = s.skipContainer(']', nil)
		*v = rawValue{kind: jsonArray, start: start, end: s.pos}
	case c == '"':
		var end int
		var clean bool
		start, end, clean, err = s.scanString()
		*v = rawValue{kind: jsonString, clean: clean, start: start, end: end}
	case c == 't':
		*v = rawValue{kind: jsonBool, b: true}
		err = s.literal("true")
	case c == 'f':
		*v = rawValue{kind: jsonBool}
		err = s.literal("false")
	case c == 'n':
		*v = rawValue{}
		err = s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		var end int
		end, err = s.scanNumber()
		*v = rawValue{kind: jsonNumberKind, start: start, end: end}
	default:
		*v = rawValue{}
		err = s.fail()
	}
	return err
}

// eventValue is one value of the event as the readers (parse.go) see it; absent is null.
type eventValue struct {
	rawValue
	s string // a clean string in a slot: its text (copyStrings)
	p *eventParser
}

// str is the text of a jsonString.
func (v eventValue) str() string {
	switch {
	case !v.clean:
		return unescape(v.p.data[v.start:v.end])
	case v.s != "" || v.start == v.end:
		return v.s
	}
	return v.p.fullText()[v.start:v.end] // a member or an item (maps, arrays)
}

// bytes is the text of a jsonString as a new byte slice.
func (v eventValue) bytes() []byte {
	if v.clean {
		return []byte(v.str())
	}
	return appendUnescaped(make([]byte, 0, v.end-v.start), v.p.data[v.start:v.end])
}

// raw is the JSON text of the value (a jsonNumberKind: the number as written).
func (v eventValue) raw() []byte { return v.p.data[v.start:v.end] }

// number is a jsonNumberKind as written.
func (v eventValue) number() string { return string(v.raw()) }

// members are the members of a jsonObject in document order, repeated keys included.
func (v eventValue) members(buf []rawMember) []rawMember {
	s := eventScanner{jsonScanner{data: v.p.data[:v.end], pos: v.start + 1, maxDepth: maxJSONDepth}, v.p.fullText()}
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		return buf
	}
	for { // the document was checked: no errors
		key, _ := s.key()
		_ = s.colon()
		item, _ := s.value()
		buf = append(buf, rawMember{key, item})
		if more, err := s.next('}'); err != nil || !more {
			return buf
		}
	}
}

const objectIndexThreshold = 32

// dedup is the members as a JSON object holds them: each key once, at its first position, with its
// last value (as json.loads builds a dict); in place.
func dedup(members []rawMember) []rawMember {
	out := members[:0]
	var index map[string]int
	for _, m := range members {
		if index == nil && len(out) >= objectIndexThreshold {
			index = make(map[string]int, len(members))
			for i, o := range out {
				index[o.key] = i
			}
		}
		if index != nil {
			if i, ok := index[m.key]; ok {
				out[i].value = m.value
				continue
			}
			index[m.key] = len(out)
			out = append(out, m)
			continue
		}
		found := false
		for i := range out {
			if out[i].key == m.key {
				out[i].value = m.value
				found = true
				break
			}
		}
		if !found {
			out = append(out, m)
		}
	}
	return out
}

// eachItem calls f with every item of a jsonArray until f returns false.
func (v eventValue) eachItem(f func(eventValue) bool) {
	s := eventScanner{jsonScanner{data: v.p.data[:v.end], pos: v.start + 1, maxDepth: maxJSONDepth}, v.p.fullText()}
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		return
	}
	for { // the document was checked: no errors
		item, err := s.value()
		if err != nil || !f(eventValue{rawValue: item, p: v.p}) {
			return
		}
		if more, err := s.next(']'); err != nil || !more {
			return
		}
	}
}

// ---- direct decoding into Go values --------------------------------------------------------------

// outOfRange stands, while decoding, for a number beyond float64's range: it is an error only if it
// survives (a repeated key's last value wins, so an earlier 1e400 is no error, as in the tree).
type outOfRange struct{}

var errNumberOutOfRange = errors.New("a number beyond the range of a double")

// anyDecoder decodes checked or unchecked JSON straight into Go values.
type anyDecoder struct {
	jsonScanner
	text      string // lazily: string(data), for clean strings
	useNumber bool   // numbers as json.Number (the text as written), else float64
	sawRange  bool   // an outOfRange was decoded
}

// decodeFloatJSON is floatJSON(parseJSON(data, maxDepth)) without the tree: nil, bool, string,
// float64, []any or map[string]any; a number beyond float64's range is errNumberOutOfRange.
func decodeFloatJSON(data []byte, maxDepth int) (any, error) {
	d := anyDecoder{jsonScanner: jsonScanner{data: data, maxDepth: maxDepth}}
	d.skipSpace()
	v, err := d.value()
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return nil, err
	}
	if d.sawRange && hasOutOfRange(v) {
		return nil, errNumberOutOfRange
	}
	return v, nil
}

// decodePlainJSON is plainJSON of a checked value of the event (numbers as json.Number).
func decodePlainJSON(v eventValue) any {
	switch v.kind {
	case jsonNull:
		return nil
	case jsonBool:
		return v.b
	case jsonString:
		return v.str()
	case jsonNumberKind:
		return json.Number(v.number())
	}
	d := anyDecoder{
		jsonScanner: jsonScanner{data: v.p.data[:v.end], pos: v.start, maxDepth: maxJSONDepth},
		text:        v.p.fullText(),
		useNumber:   true,
	}
	out, err := d.value()
	if err != nil { // cannot happen: the document was checked
		return nil
	}
	return out
}

func hasOutOfRange(v any) bool {
	switch t := v.(type) {
	case outOfRange:
		return true
	case []any:
		for _, item := range t {
			if hasOutOfRange(item) {
				return true
			}
		}
	case map[string]any:
		for _, item := range t {
			if hasOutOfRange(item) {
				return true
			}
		}
	}
	return false
}

func (d *anyDecoder) str() (string, error) {
	start, end, clean, err := d.scanString()
	if err != nil || start == end {
		return "", err
	}
	if !clean {
		return unescape(d.data[start:end]), nil
	}
	if d.text == "" {
		d.text = string(d.data)
	}
	return d.text[start:end], nil
}

func (d *anyDecoder) value() (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.fail()
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return s, nil
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		start := d.pos
		end, err := d.scanNumber()
		if err != nil {
			return nil, err
		}
		if d.useNumber {
			if d.text == "" {
				d.text = string(d.data)
			}
			return json.Number(d.text[start:end]), nil
		}
		if end-start == 1 {
			return float64(d.data[start] - '0'), nil
		}
		if d.text == "" {
			d.text = string(d.data)
		}
		return d.number(d.text[start:end]), nil
	}
	return nil, d.fail()
}

// number is a checked number as float64 (one too small is 0), or outOfRange.
func (d *anyDecoder) number(text string) any {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && (math.IsInf(f, 0) || !errors.Is(err, strconv.ErrRange)) {
		d.sawRange = true
		return outOfRange{}
	}
	return f
}

func (d *anyDecoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '{'
	m := map[string]any{}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return m, nil
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.fail()
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		if err := d.colon(); err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m[key] = v // a repeated key: the last value wins
		more, err := d.next('}')
		if err != nil {
			return nil, err
		}
		if !more {
			return m, nil
		}
	}
}

func (d *anyDecoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '['
	items := []any{}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return items, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		more, err := d.next(']')
		if err != nil {
			return nil, err
		}
		if !more {
			return items, nil
		}
	}
}

// checkJSON reports whether data is one JSON document nesting at most maxDepth deep whose numbers
// (the values that survive repeated keys) are all within float64's range.
func checkJSON(data []byte, maxDepth int) bool {
	s := jsonScanner{data: data, maxDepth: maxDepth}
	s.skipSpace()
	sawRange := false
	if s.skipValue(&sawRange) != nil || s.end() != nil {
		return false
	}
	if !sawRange {
		return true
	}
	tree, err := parseJSON(data, maxDepth) // rare: only the tree knows which values survive
	return err == nil && finiteNumbers(tree)
}

// ---- the tree: values encoding/json marshals, and the fuzzers' reference -------------------------

// jsonValue is one parsed JSON value.
type jsonValue struct {
	kind jsonKind
	b    bool        // jsonBool
	s    string      // jsonString: the text; jsonNumberKind: the number as written
	obj  *jsonObject // jsonObjectKind
	arr  []jsonValue // jsonArray
}

type jsonMember struct {
	key   string
	value jsonValue
}

// jsonObject is a JSON object with its keys in document order (a repeated key keeps its first
// position and its last value).
type jsonObject struct {
	members []jsonMember
}

// lookup returns the value of key and whether the key is present (its value may be null).
func (o *jsonObject) lookup(key string) (jsonValue, bool) {
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

// parseEventJSON decodes one JSON document (an event: nesting up to maxJSONDepth) into a tree.
func parseEventJSON(data []byte) (jsonValue, error) {
	return parseJSON(data, maxJSONDepth)
}

// parseJSON decodes one JSON document whose arrays and objects nest at most maxDepth deep.
func parseJSON(data []byte, maxDepth int) (jsonValue, error) {
	p := treeParser{jsonScanner: jsonScanner{data: data, maxDepth: maxDepth}, text: string(data)}
	p.skipSpace()
	v, err := p.value()
	if err == nil {
		err = p.end()
	}
	if err != nil {
		return jsonValue{}, err
	}
	return v, nil
}

type treeParser struct {
	jsonScanner
	text string
}

func (p *treeParser) str() (string, error) {
	start, end, clean, err := p.scanString()
	if err != nil {
		return "", err
	}
	if clean {
		return p.text[start:end], nil
	}
	return unescape(p.data[start:end]), nil
}

func (p *treeParser) value() (jsonValue, error) {
	if p.pos >= len(p.data) {
		return jsonValue{}, p.fail()
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		return jsonValue{kind: jsonString, s: s}, err
	case c == 't':
		return jsonValue{kind: jsonBool, b: true}, p.literal("true")
	case c == 'f':
		return jsonValue{kind: jsonBool}, p.literal("false")
	case c == 'n':
		return jsonValue{}, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		end, err := p.scanNumber()
		if err != nil {
			return jsonValue{}, err
		}
		return jsonValue{kind: jsonNumberKind, s: p.text[start:end]}, nil
	}
	return jsonValue{}, p.fail()
}

func (p *treeParser) object() (jsonValue, error) {
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
	var index map[string]int
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return jsonValue{}, p.fail()
		}
		key, err := p.str()
		if err != nil {
			return jsonValue{}, err
		}
		if err := p.colon(); err != nil {
			return jsonValue{}, err
		}
		v, err := p.value()
		if err != nil {
			return jsonValue{}, err
		}
		if index == nil && len(obj.members) >= objectIndexThreshold {
			index = make(map[string]int, len(obj.members)*2)
			for i, m := range obj.members {
				index[m.key] = i
			}
		}
		if i, ok := findMember(obj.members, index, key); ok {
			obj.members[i].value = v
		} else {
			if index != nil {
				index[key] = len(obj.members)
			}
			obj.members = append(obj.members, jsonMember{key, v})
		}
		more, err := p.next('}')
		if err != nil {
			return jsonValue{}, err
		}
		if !more {
			return jsonValue{kind: jsonObjectKind, obj: obj}, nil
		}
	}
}

func findMember(members []jsonMember, index map[string]int, key string) (int, bool) {
	if index != nil {
		i, ok := index[key]
		return i, ok
	}
	for i := range members {
		if members[i].key == key {
			return i, true
		}
	}
	return 0, false
}

func (p *treeParser) array() (jsonValue, error) {
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
		more, err := p.next(']')
		if err != nil {
			return jsonValue{}, err
		}
		if !more {
			return jsonValue{kind: jsonArray, arr: items}, nil
		}
	}
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

// finiteNumbers reports whether every number in v is within float64's range (see floatJSON).
func finiteNumbers(v jsonValue) bool {
	switch v.kind {
	case jsonNumberKind:
		return finiteNumber([]byte(v.s))
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
