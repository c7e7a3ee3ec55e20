package apptheory

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"
)

// The canonical encoder against the shared vectors (contract-tests/canonical-json/vectors.json, the
// same file every language runs) and against an independent RFC 8785 implementation.

const canonicalVectors = "../../../contract-tests/canonical-json/vectors.json"

type canonicalVectorFile struct {
	Values []struct {
		Doc       string  `json:"doc"`
		JSON      string  `json:"json"`
		Canonical *string `json:"canonical"`
	} `json:"values"`
	Numbers []struct {
		Doc       string  `json:"doc"`
		IEEE      string  `json:"ieee"`
		Canonical *string `json:"canonical"`
	} `json:"numbers"`
}

func loadCanonicalVectors(t *testing.T) canonicalVectorFile {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(canonicalVectors))
	if errors.Is(err, fs.ErrNotExist) {
		// A project generated from another IDL may have no vectors; scripts/test-go requires them here.
		t.Skipf("no shared vectors at %s", canonicalVectors)
	}
	if err != nil {
		t.Fatalf("reading the shared vectors: %v", err)
	}
	var file canonicalVectorFile
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("parsing %s: %v", canonicalVectors, err)
	}
	if len(file.Values) == 0 || len(file.Numbers) == 0 {
		t.Fatalf("%s has no vectors", canonicalVectors)
	}
	return file
}

// Values: parsed by the event parser (as ws.JSON into an *any, and as the raw tree), then encoded.
func TestCanonicalJSONValueVectors(t *testing.T) {
	for i, v := range loadCanonicalVectors(t).Values {
		tree, err := parseEventJSON([]byte(v.JSON))
		if err != nil {
			t.Errorf("values[%d] %s: the event parser rejects %q: %v", i, v.Doc, v.JSON, err)
			continue
		}
		asFloats, floatErr := floatJSON(tree)
		if floatErr != nil {
			asFloats = floatErr // not a value: encoding it fails, as the vectors expect for such input
		}
		for _, input := range []struct {
			name  string
			value any
		}{{"ws.JSON value", asFloats}, {"authorizer value", plainJSON(tree)}} {
			got, err := EncodeJSON(input.value)
			switch {
			case v.Canonical == nil && err == nil:
				t.Errorf("values[%d] %s (%s): %q encoded as %q, want an error", i, v.Doc, input.name, v.JSON, got)
			case v.Canonical != nil && (err != nil || string(got) != *v.Canonical):
				t.Errorf("values[%d] %s (%s): %q\n got %q (%v)\nwant %q", i, v.Doc, input.name, v.JSON, got, err, *v.Canonical)
			}
		}
	}
}

// Numbers: the double from its IEEE-754 bits; a null canonical form means an error (NaN, ±Inf).
func TestCanonicalJSONNumberVectors(t *testing.T) {
	for i, v := range loadCanonicalVectors(t).Numbers {
		raw, err := hex.DecodeString(v.IEEE)
		if err != nil || len(raw) != 8 {
			t.Fatalf("numbers[%d]: bad ieee %q", i, v.IEEE)
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(raw))
		got, err := EncodeJSON(f)
		switch {
		case v.Canonical == nil && err == nil:
			t.Errorf("numbers[%d] %s: %v encoded as %q, want an error", i, v.Doc, f, got)
		case v.Canonical != nil && (err != nil || string(got) != *v.Canonical):
			t.Errorf("numbers[%d] %s: %s got %q (%v), want %q", i, v.Doc, v.IEEE, got, err, *v.Canonical)
		}
	}
}

func TestCanonicalJSONGoValues(t *testing.T) {
	type point struct {
		Y int    `json:"y"`
		X string `json:"x"`
	}
	var nilMap map[string]any
	var nilList []any
	var nilHeaders map[string][]string
	cases := []struct {
		value any
		want  string
	}{
		{map[string]any{"m": nilMap, "l": nilList, "h": nilHeaders, "s": []string(nil)}, `{"h":{},"l":[],"m":{},"s":[]}`},
		{map[string]string(nil), `{}`},
		{[]byte(nil), `""`},
		{[]byte("hi"), `"aGk="`},
		{int64(9007199254740993), `9007199254740992`},
		{uint64(math.MaxUint64), `18446744073709552000`},
		{int8(-5), `-5`},
		{float32(0.1), `0.10000000149011612`},
		{1.0, `1`},
		{math.Copysign(0, -1), `0`},
		{1e21, `1e+21`},
		{1e-7, `1e-7`},
		{0.000001, `0.000001`},
		{1e20, `100000000000000000000`},
		{json.Number("1.0"), `1`},
		{json.Number("-0"), `0`},
		{json.Number("1e-400"), `0`},
		{point{Y: 2, X: "<&>"}, `{"x":"<&>","y":2}`},
		{&point{Y: 1}, `{"x":"","y":1}`},
		{[]point{{1, "a"}}, `[{"x":"a","y":1}]`},
		{map[string]int{"b": 1, "a": 2}, `{"a":2,"b":1}`},
		{json.RawMessage(`{"b":1.50,"a":"\u2028\u003c"}`), "{\"a\":\"\u2028<\",\"b\":1.5}"},
		{"\x00\x1f\x7f\u2028\u2029\b\t\n\f\r\"\\/", "\"\\u0000\\u001f\x7f\u2028\u2029\\b\\t\\n\\f\\r\\\"\\\\/\""},
		{"bad\xffutf8\xed\xa0\x80", "\"bad\uFFFDutf8\uFFFD\uFFFD\uFFFD\""},
		{map[string]any{"\uFFFF": 1, "\U0001F600": 2, "\uE000": 3, "a": 4}, "{\"a\":4,\"\U0001F600\":2,\"\uE000\":3,\"\uFFFF\":1}"},
	}
	for _, tc := range cases {
		got, err := EncodeJSON(tc.value)
		if err != nil || string(got) != tc.want {
			t.Errorf("EncodeJSON(%#v) = %q, %v; want %q", tc.value, got, err, tc.want)
		}
	}
	cycle := map[string]any{}
	cycle["self"] = cycle
	for _, bad := range []any{math.NaN(), math.Inf(1), float32(math.Inf(-1)), map[string]any{"x": []any{math.NaN()}},
		struct{ F float64 }{math.Inf(1)}, make(chan int), func() {}, json.Number("1e400"), json.Number("0x10"),
		json.Number("Inf"), cycle} {
		if got, err := EncodeJSON(bad); err == nil {
			t.Errorf("EncodeJSON(%T) = %q, want an error", bad, got)
		}
	}
}

// The oracle: github.com/gowebpki/jcs canonicalizes encoding/json's output of a few hundred random
// values (edge-case floats, astral and private-use keys, controls); EncodeJSON must agree.
func TestCanonicalJSONAgainstOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(8785, 2026))
	for i := range 600 {
		value := randomJSON(rng, 3)
		raw, err := json.Marshal(value)
		if err != nil {
			t.Fatal(err)
		}
		want, err := jcs.Transform(raw)
		if err != nil {
			t.Fatalf("oracle rejects %s: %v", raw, err)
		}
		got, err := EncodeJSON(value)
		if err != nil || string(got) != string(want) {
			t.Fatalf("value %d: %s\n got %q (%v)\nwant %q", i, raw, got, err, want)
		}
		// The same text through the event parser (as a body read with ws.JSON) gives the same bytes.
		tree, err := parseEventJSON(raw)
		if err != nil {
			t.Fatalf("value %d: the event parser rejects %s: %v", i, raw, err)
		}
		reparsed, err := floatJSON(tree)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := EncodeJSON(reparsed); err != nil || string(again) != string(want) {
			t.Fatalf("value %d re-parsed: got %q (%v), want %q", i, again, err, want)
		}
	}
	for i := range 20000 {
		f := randomFloat(rng)
		raw, _ := json.Marshal(f)
		want, err := jcs.Transform(raw)
		if err != nil {
			t.Fatalf("oracle rejects %s: %v", raw, err)
		}
		if got, err := EncodeJSON(f); err != nil || string(got) != string(want) {
			t.Fatalf("number %d (%x): got %q (%v), want %q", i, math.Float64bits(f), got, err, want)
		}
	}
}

var keyAlphabet = []rune{'a', 'b', 'Z', '0', '_', ' ', '\t', '\x01', '\x7f', 'é', '€', '\u2028', '\uE000', '\uFB33',
	'\uFFFD', '\uFFFF', '\U00010000', '\U0001F600', '\U0010FFFF', '"', '\\', '<', '&'}

func randomString(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(6) {
		b.WriteRune(keyAlphabet[rng.IntN(len(keyAlphabet))])
	}
	return b.String()
}

func randomFloat(rng *rand.Rand) float64 {
	for {
		var f float64
		switch rng.IntN(6) {
		case 0:
			f = math.Float64frombits(rng.Uint64()) // any double, subnormals included
		case 1:
			f = float64(rng.Int64N(1<<62) - 1<<61) // large integers
		case 2:
			f = math.Pow(10, float64(rng.IntN(60)-30)) * (1 + float64(rng.IntN(1000))/1000)
		case 3:
			f = math.Nextafter(math.Pow(10, float64(rng.IntN(50)-25)), math.Inf(rng.IntN(2)*2-1))
		case 4:
			f = float64(rng.IntN(2000)-1000) / 8
		default:
			f = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
		}
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

func randomJSON(rng *rand.Rand, depth int) any {
	kind := rng.IntN(8)
	if depth == 0 {
		kind = rng.IntN(5)
	}
	switch kind {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return randomString(rng)
	case 3:
		return randomFloat(rng)
	case 4:
		return float64(rng.IntN(100))
	case 5:
		list := make([]any, rng.IntN(4))
		for i := range list {
			list[i] = randomJSON(rng, depth-1)
		}
		return list
	}
	m := map[string]any{}
	for range rng.IntN(6) {
		m[randomString(rng)] = randomJSON(rng, depth-1)
	}
	return m
}

func TestCanonicalJSONNestingLimitIs500(t *testing.T) {
	nested := func(levels int, leaf any) any {
		v := leaf
		for range levels {
			v = []any{v}
		}
		return v
	}
	for _, leaf := range []any{1, 1.5, "x"} {
		if out, err := EncodeJSON(nested(500, leaf)); err != nil || strings.Count(string(out), "[") != 500 {
			t.Fatalf("500 levels of %v: %d brackets, %v", leaf, strings.Count(string(out), "["), err)
		}
		if _, err := EncodeJSON(nested(501, leaf)); !errors.Is(err, errTooDeep) {
			t.Fatalf("501 levels of %v: want errTooDeep, got %v", leaf, err)
		}
		if _, err := EncodeJSON(map[string]any{"a": nested(500, leaf)}); !errors.Is(err, errTooDeep) {
			t.Fatalf("an object around 500 levels of %v: want errTooDeep, got %v", leaf, err)
		}
	}
}
