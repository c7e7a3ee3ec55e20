// Package pytext holds the few string operations whose exact Python semantics the runtimes share
// (the Python runtime is the reference: event fields are trimmed the same way).
package pytext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Strip trims what Python's str.strip() trims: Unicode white space plus the separators U+001C-U+001F.
func Strip(s string) string {
	if s == "" || (s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf) {
		return s
	}
	return strings.TrimFunc(s, isSpace)
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1C && r <= 0x1F) }

// IsAlnum is Python's str.isalnum(): not empty, every character a letter or a number.
func IsAlnum(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}
