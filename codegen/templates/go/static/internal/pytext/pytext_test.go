package pytext

import "testing"

func TestLowerMatchesPython(t *testing.T) {
	// Expected values are Python's str.lower().
	for in, want := range map[string]string{
		"":                "",
		"content-type":    "content-type",
		"X-Amzn-Trace-Id": "x-amzn-trace-id",
		"ÄÖ-Header":       "äö-header",
		"İstanbul":        "i\u0307stanbul",
		"ΣΣ":              "σς",
		"ΟΔΟΣ":            "οδος",
		"Σ":               "σ",
		"ΑΣ.":             "ας.",
		"ΑΣ'Α":            "ασ'α",
		"ΑΣ1":             "ας1",
		"1Σ":              "1σ",
	} {
		if got := Lower(in); got != want {
			t.Errorf("Lower(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStripMatchesPython(t *testing.T) {
	for in, want := range map[string]string{
		"  a b  ":               "a b",
		"\x1c\x1d\x1e\x1fx\x1f": "x",
		"\u00a0\u2028x\u3000":   "x",
		"\u200bx":               "\u200bx", // zero-width space is not white space in Python
		"x":                     "x",
	} {
		if got := Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsAlnumMatchesPython(t *testing.T) {
	for in, want := range map[string]bool{"abc1": true, "": false, "a-b": false, "é²": true, "a b": false} {
		if got := IsAlnum(in); got != want {
			t.Errorf("IsAlnum(%q) = %v, want %v", in, got, want)
		}
	}
}
