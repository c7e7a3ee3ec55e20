/** The management API client (`streamer`, as in Lift): `newClient({ endpoint, region, credentials })`. */

import { region as deriveRegion } from "./derive.js";
import { SdkManagementClient, type SdkManagementClientOptions } from "./generated/streamer.js";
import { rstripChar } from "./text.js";

export {
  ForbiddenError,
  GoneError,
  InvalidConnectionError,
  ManagementError,
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
  return new SdkManagementClient(rstripChar(endpoint, "/"), { region, credentials: options.credentials });
}
