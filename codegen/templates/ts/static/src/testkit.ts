/** Test helpers for apps built on AppTheory: the strict fake, an event builder and the fixture runner. */

import { randomUUID } from "node:crypto";

import type { JsonValue } from "./event.js";
import { ROUTE_EVENT_TYPES } from "./generated/constants.js";
import { encodeBase64 } from "./text.js";

export {
  FakeManagementClient,
  OPERATIONS,
  type ConnectionState,
  type FakeConnection,
  type FakeFailure,
  type Operation,
  type RecordedCall,
} from "./generated/fake.js";
export {
  FixtureError,
  canonicalCall,
  canonicalResponse,
  runFixture,
  type CanonicalCall,
  type CanonicalResponse,
  type FixtureOutcome,
} from "./fixtures.js";

/** The execute-api host events are addressed to unless told otherwise. */
export const DEFAULT_DOMAIN = "abc123defg.execute-api.us-east-1.amazonaws.com";

/** A Lambda context with the fields the runtime reads. */
export interface TestLambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
}

/** A Lambda context for tests. */
export function lambdaContext(awsRequestId = "00000000-0000-4000-8000-000000000000"): TestLambdaContext {
  return { awsRequestId, functionName: "apptheory-test" };
}

/** What webSocketEvent() builds; every option has a realistic default. */
export interface WebSocketEventOptions {
  readonly connectionId?: string;
  /** A string is sent as text, a Uint8Array as a binary (base64) frame, other values as compact JSON. */
  readonly body?: string | Uint8Array | JsonValue;
  readonly eventType?: string;
  readonly domainName?: string;
  readonly stage?: string;
  readonly apiId?: string;
  readonly requestId?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly authorizer?: Readonly<Record<string, JsonValue>>;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly connectedAtMs?: number;
  readonly requestTimeMs?: number;
  readonly disconnectStatusCode?: number;
  readonly disconnectReason?: string;
}

/** An API Gateway WebSocket event shaped like the real ones. */
export function webSocketEvent(routeKey = "$default", options: WebSocketEventOptions = {}): Record<string, unknown> {
  const kind = options.eventType ?? ROUTE_EVENT_TYPES[routeKey] ?? "MESSAGE";
  const domainName = options.domainName ?? DEFAULT_DOMAIN;
  const userAgent = options.userAgent ?? "apptheory-testkit";
  const requestContext: Record<string, unknown> = {
    routeKey,
    eventType: kind,
    extendedRequestId: options.requestId ?? randomHex(32),
    messageDirection: "IN",
    stage: options.stage ?? "dev",
    connectedAt: options.connectedAtMs ?? 1795675238012,
    requestTimeEpoch: options.requestTimeMs ?? 1795675238431,
    identity: { sourceIp: options.sourceIp ?? "203.0.113.10", userAgent },
    requestId: options.requestId ?? randomHex(32),
    domainName,
    connectionId: options.connectionId ?? "conn-1",
    apiId: options.apiId ?? "abc123defg",
  };
  if (kind === "MESSAGE") requestContext["messageId"] = randomHex(16);
  if (options.authorizer !== undefined) requestContext["authorizer"] = { ...options.authorizer };
  if (options.disconnectStatusCode !== undefined) requestContext["disconnectStatusCode"] = options.disconnectStatusCode;
  if (options.disconnectReason !== undefined) requestContext["disconnectReason"] = options.disconnectReason;
  const event: Record<string, unknown> = { requestContext, isBase64Encoded: false };
  if (kind === "CONNECT" || kind === "DISCONNECT") {
    const headers: Record<string, string> = { Host: domainName, "User-Agent": userAgent, ...options.headers };
    event["headers"] = headers;
    event["multiValueHeaders"] = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  }
  if (options.query !== undefined && Object.keys(options.query).length > 0) {
    event["queryStringParameters"] = { ...options.query };
    event["multiValueQueryStringParameters"] = Object.fromEntries(
      Object.entries(options.query).map(([k, v]) => [k, [v]]),
    );
  }
  const body = options.body;
  if (body instanceof Uint8Array) {
    event["body"] = encodeBase64(body);
    event["isBase64Encoded"] = true;
  } else if (typeof body === "string") {
    event["body"] = body;
  } else if (body !== undefined && body !== null) {
    event["body"] = JSON.stringify(body);
  }
  return event;
}

function randomHex(length: number): string {
  return randomUUID().replaceAll("-", "").slice(0, length);
}
