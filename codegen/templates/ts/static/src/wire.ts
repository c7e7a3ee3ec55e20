/** Reading the management API's SDK output and errors by wire member name. */

import { isPlainObject } from "./json.js";

function value(data: unknown, path: readonly string[]): unknown {
  let node = data;
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** A string member ("" when absent or not a string). */
export function stringMember(data: unknown, path: readonly string[]): string {
  const found = value(data, path);
  return typeof found === "string" ? found : "";
}

/** An integer member (0 when absent or not an integer). */
export function integerMember(data: unknown, path: readonly string[]): number {
  const found = value(data, path);
  return typeof found === "number" && Number.isInteger(found) ? found : 0;
}

/** A boolean member (false unless exactly true). */
export function booleanMember(data: unknown, path: readonly string[]): boolean {
  return value(data, path) === true;
}

/** A timestamp member: a Date, epoch seconds or an ISO-8601 string; null when absent. */
export function timestampMember(data: unknown, path: readonly string[]): Date | null {
  const found = value(data, path);
  if (found instanceof Date) return found;
  if (typeof found === "number" && Number.isFinite(found)) return new Date(found * 1000);
  if (typeof found === "string" && found) {
    const parsed = new Date(found);
    if (Number.isNaN(parsed.getTime())) throw new RangeError(`invalid timestamp ${JSON.stringify(found)}`);
    return parsed;
  }
  return null;
}

/** What an SDK error says: HTTP status (0 without a response), AWS error code ("" when none), message. */
export interface SdkFailure {
  readonly status: number;
  readonly awsCode: string;
  readonly message: string;
}

// Names the SDK gives errors whose response named no error type; they are not AWS codes.
const GENERIC_NAMES: ReadonlySet<string> = new Set(["Error", "UnknownError", "Unknown"]);

/** Read an SDK v3 error's fields (`$metadata.httpStatusCode`, `name`, `$fault`, `message`). */
export function sdkFailure(err: unknown): SdkFailure {
  if (typeof err !== "object" || err === null) {
    return { status: 0, awsCode: "", message: String(err) };
  }
  const fields = err as {
    readonly name?: unknown;
    readonly message?: unknown;
    readonly $fault?: unknown;
    readonly $metadata?: { readonly httpStatusCode?: unknown };
  };
  const rawStatus = fields.$metadata?.httpStatusCode;
  const status = typeof rawStatus === "number" && Number.isInteger(rawStatus) ? rawStatus : 0;
  const name = typeof fields.name === "string" ? fields.name : "";
  const isServiceError = fields.$fault === "client" || fields.$fault === "server";
  const awsCode = status > 0 && isServiceError && !GENERIC_NAMES.has(name) ? name : "";
  const message = typeof fields.message === "string" && fields.message ? fields.message : name;
  return { status, awsCode, message };
}
