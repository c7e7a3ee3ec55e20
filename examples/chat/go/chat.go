package main

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/theory-cloud/apptheory/generated/go/apptheory"
)

// The protocol's constants, as in examples/chat/python/app.py.
const (
	DefaultRoom = "lobby"
	MaxText     = 4000 // characters (code points), as Python's len()
)

// roomPattern is Python's re.fullmatch(r"[A-Za-z0-9_.-]{1,64}"); Go's $ (no multiline flag) is the
// end of the text, so a trailing newline is rejected as fullmatch rejects it.
var roomPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// The error messages, byte for byte those of the Python app.
var (
	errNoToken   = apptheory.NewAppError(apptheory.CodeUnauthorized, "a token query parameter is required")
	errBadRoom   = apptheory.NewAppError(apptheory.CodeBadRequest, "room must be 1-64 of A-Z a-z 0-9 _ - .")
	errBadSay    = apptheory.NewAppError(apptheory.CodeBadRequest, fmt.Sprintf(`expected {"action":"say","text":"1-%d characters"}`, MaxText))
	errNotInRoom = apptheory.NewAppError(apptheory.CodeConflict, "this connection is not in a room; reconnect")
)

// unknownMessage is what $default sends back to the sender.
var unknownMessage = map[string]any{"type": "error", "message": `unknown message; send {"action":"say","text":"..."}`}

// sayResult is say's response body. The runtime encodes it as canonical JSON (RFC 8785, keys
// sorted), so the body is byte for byte the other languages' {"failed":N,"gone":N,"sent":N}.
type sayResult struct {
	Sent   int `json:"sent"`
	Gone   int `json:"gone"`
	Failed int `json:"failed"`
}

// newApp builds the chat app. Rooms nil means roomsFromEnv(), created on first use and reused on warm
// invocations; tests pass their own rooms and apptheory.WithWebSocketClientFactory(fake.ClientFactory()).
func newApp(rooms Rooms, opts ...apptheory.Option) *apptheory.App {
	var once sync.Once
	getRooms := func() Rooms {
		once.Do(func() {
			if rooms == nil {
				rooms = roomsFromEnv()
			}
		})
		return rooms
	}
	app := apptheory.New(append([]apptheory.Option{apptheory.WithWebSocketSupport()}, opts...)...)

	app.WebSocket("$connect", func(ctx *apptheory.Context) (any, error) {
		ws, err := ctx.AsWebSocket()
		if err != nil {
			return nil, err
		}
		query := ws.Query()
		if pyStrip(query["token"]) == "" {
			return nil, errNoToken
		}
		room := pyStrip(query["room"])
		if room == "" {
			room = DefaultRoom
		}
		if !roomPattern.MatchString(room) {
			return nil, errBadRoom
		}
		return nil, getRooms().Join(ws.Context(), ws.ConnectionID(), room)
	})

	app.WebSocket("say", func(ctx *apptheory.Context) (any, error) {
		ws, err := ctx.AsWebSocket()
		if err != nil {
			return nil, err
		}
		var body any
		if err := ws.JSON(&body); err != nil { // not JSON: 400 app.bad_request "invalid json"
			return nil, err
		}
		object, _ := body.(map[string]any)
		text, ok := object["text"].(string)
		if !ok || text == "" || utf8.RuneCountInString(text) > MaxText {
			return nil, errBadSay
		}
		rooms := getRooms()
		room, found, err := rooms.RoomOf(ws.Context(), ws.ConnectionID())
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, errNotInRoom
		}
		members, err := rooms.Members(ws.Context(), room)
		if err != nil {
			return nil, err
		}
		payload, err := apptheory.EncodeJSON(map[string]any{
			"type": "message", "room": room, "from": ws.ConnectionID(), "text": text,
		})
		if err != nil {
			return nil, err
		}
		result, err := ws.Broadcast(members, payload)
		if err != nil {
			return nil, err
		}
		for _, gone := range result.Gone {
			if _, _, err := rooms.Leave(ws.Context(), gone); err != nil {
				return nil, err
			}
		}
		return sayResult{Sent: len(result.Sent), Gone: len(result.Gone), Failed: len(result.Failed)}, nil
	})

	app.WebSocket("$default", func(ctx *apptheory.Context) (any, error) {
		ws, err := ctx.AsWebSocket()
		if err != nil {
			return nil, err
		}
		return nil, ws.SendJSONMessage(unknownMessage)
	})

	app.WebSocket("$disconnect", func(ctx *apptheory.Context) (any, error) {
		ws, err := ctx.AsWebSocket()
		if err != nil {
			return nil, err
		}
		_, _, err = getRooms().Leave(ws.Context(), ws.ConnectionID())
		return nil, err
	})
	return app
}

// pyStrip trims what Python's str.strip() trims: Unicode white space plus U+001C-U+001F (which
// strings.TrimSpace keeps), so " \x1c" is an empty token here as it is in the Python app.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1C && r <= 0x1F) })
}
