// Package testkit helps test apps built on apptheory: a strict fake of the management API
// (FakeManagementClient), an event builder (WebSocketEvent) and the contract-fixture runner.
package testkit
