/** The management API client (`streamer`, as in Lift): `newClient({ endpoint, region, credentials })`. */

import { region as deriveRegion } from "./derive.js";
import { SdkManagementClient, type SdkManagementClientOptions } from "./generated/streamer.js";
import { rstripChar } from "./text.js";

export {
  DeadlineExceededError,
  ForbiddenError,
  GoneError,
  InvalidConnectionError,
  MalformedResponseError,
  ManagementError,
  NetworkError,
  PayloadTooLargeError,
  ServerError,
  ThrottledError,
  managementError,
} from "./generated/errors.js";
export {
  GONE_IS_SUCCESS,
  SdkManagementClient,
  checkConnectionId,
  checkPayloadSize,
  connectionInfoFromWire,
  sdkError,
  type ConnectionInfo,
  type ManagementClient,
  type SdkManagementClientOptions,
} from "./generated/streamer.js";

/** Where and how to reach the management API. */
export interface NewClientOptions {
  /** https://{api}.execute-api.{region}.amazonaws.com/{stage}, or a custom/local URL. */
  readonly endpoint: string;
  /** Defaults to the region in an execute-api host, then AWS_REGION / AWS_DEFAULT_REGION. */
  readonly region?: string | undefined;
  /** Defaults to the SDK's credential chain. */
  readonly credentials?: SdkManagementClientOptions["credentials"];
  /** Timeouts in ms; default to the IDL's MANAGEMENT_CONNECT_TIMEOUT_MS, _READ_TIMEOUT_MS, _CALL_DEADLINE_MS. */
  readonly connectTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  readonly callDeadlineMs?: number;
}

/** An SDK-backed client for `endpoint`; the SDK itself is imported on the first call. */
export function newClient(options: NewClientOptions): SdkManagementClient {
  const { endpoint } = options;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:") || !url.host) {
    throw new TypeError(`management endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  const region = options.region || deriveRegion({ domainName: url.hostname, env: process.env }) || undefined;
  const { credentials, connectTimeoutMs, readTimeoutMs, callDeadlineMs } = options;
  return new SdkManagementClient(rstripChar(endpoint, "/"), {
    region,
    credentials,
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(readTimeoutMs === undefined ? {} : { readTimeoutMs }),
    ...(callDeadlineMs === undefined ? {} : { callDeadlineMs }),
  });
}
