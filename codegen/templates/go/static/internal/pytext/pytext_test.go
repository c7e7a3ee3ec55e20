package pytext

import "testing"

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
