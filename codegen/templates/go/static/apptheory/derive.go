package apptheory

import "github.com/theory-cloud/apptheory/generated/go/streamer"

// The derivations live in package streamer (NewClient needs them too); these are their names here.

// ManagementEndpointEnv overrides the derived management endpoint (e.g. for a local gateway).
const ManagementEndpointEnv = streamer.ManagementEndpointEnv

// DeriveInput holds what the management endpoint and region are derived from.
type DeriveInput = streamer.DeriveInput

// DeriveManagementEndpoint is the management API URL for an event's fields (see streamer.DeriveManagementEndpoint).
func DeriveManagementEndpoint(in DeriveInput) string { return streamer.DeriveManagementEndpoint(in) }

// DeriveRegion is the AWS region for an event's fields (see streamer.DeriveRegion).
func DeriveRegion(in DeriveInput) string { return streamer.DeriveRegion(in) }

// ExecuteAPIRegion is the region of an `{api}.execute-api.{region}.amazonaws.com[.cn]` host, or "".
func ExecuteAPIRegion(host string) string { return streamer.ExecuteAPIRegion(host) }
