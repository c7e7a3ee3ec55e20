package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
)

// Rooms is connection → room membership (examples/chat/python/chat_rooms.py's Rooms protocol).
// The context is the invocation's: stores that call out (DynamoDB) honour its deadline.
type Rooms interface {
	// Join puts a connection in a room, leaving the room it was in.
	Join(ctx context.Context, connectionID, room string) error
	// Leave removes a connection; the room it was in, found false when it was in none.
	Leave(ctx context.Context, connectionID string) (room string, found bool, err error)
	// RoomOf is the connection's room; found false when it is in none.
	RoomOf(ctx context.Context, connectionID string) (room string, found bool, err error)
	// Members are the connections in a room.
	Members(ctx context.Context, room string) ([]string, error)
}

// roomsFromEnv is DynamoDB when CONNECTIONS_TABLE is set (ROOM_INDEX names the GSI), else memory.
func roomsFromEnv() Rooms {
	if table := strings.TrimSpace(os.Getenv("CONNECTIONS_TABLE")); table != "" {
		index := strings.TrimSpace(os.Getenv("ROOM_INDEX"))
		if index == "" {
			index = DefaultRoomIndex
		}
		return NewDynamoRooms(table, index, nil)
	}
	return NewMemoryRooms()
}

// MemoryRooms keeps rooms in this process (members in the order they joined); safe for concurrent use.
type MemoryRooms struct {
	mu      sync.Mutex
	roomOf  map[string]string
	members map[string][]string
}

// NewMemoryRooms is an empty in-memory store.
func NewMemoryRooms() *MemoryRooms {
	return &MemoryRooms{roomOf: map[string]string{}, members: map[string][]string{}}
}

var _ Rooms = (*MemoryRooms)(nil)

// Join puts a connection in a room, leaving the room it was in.
func (m *MemoryRooms) Join(_ context.Context, connectionID, room string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.leave(connectionID)
	m.roomOf[connectionID] = room
	m.members[room] = append(m.members[room], connectionID)
	return nil
}

// Leave removes a connection; the room it was in.
func (m *MemoryRooms) Leave(_ context.Context, connectionID string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	room, found := m.leave(connectionID)
	return room, found, nil
}

func (m *MemoryRooms) leave(connectionID string) (string, bool) {
	room, found := m.roomOf[connectionID]
	if !found {
		return "", false
	}
	delete(m.roomOf, connectionID)
	members := slices.DeleteFunc(m.members[room], func(id string) bool { return id == connectionID })
	if len(members) == 0 {
		delete(m.members, room)
	} else {
		m.members[room] = members
	}
	return room, true
}

// RoomOf is the connection's room.
func (m *MemoryRooms) RoomOf(_ context.Context, connectionID string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	room, found := m.roomOf[connectionID]
	return room, found, nil
}

// Members are the room's connections, in the order they joined (a copy).
func (m *MemoryRooms) Members(_ context.Context, room string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string{}, m.members[room]...), nil
}
