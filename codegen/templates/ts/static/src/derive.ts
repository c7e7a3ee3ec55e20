/** Management endpoint and region derivation (docs/runtime.md "Management endpoint and region"; vectors in the IDL). */

import { pyStrip, rstripChar, stripChar } from "./text.js";

/** Environment variable overriding the management endpoint. */
export const ENDPOINT_ENV = "APPTHEORY_WS_MANAGEMENT_ENDPOINT";

/** Environment variables, as process.env holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

const ALNUM = /^[\p{L}\p{N}]+$/u;

/** The region of `{api}.execute-api.{region}.amazonaws.com[.cn]`, or "" for any other host. */
export function executeApiRegion(host: string): string {
  if (!host.includes(".execute-api.")) return "";
  const labels = host.split(".");
  if (labels[labels.length - 1] === "cn") labels.pop();
  const [api = "", service, region = "", second, top] = labels;
  if (
    labels.length === 5 &&
    service === "execute-api" &&
    second === "amazonaws" &&
    top === "com" &&
    ALNUM.test(api) &&
    ALNUM.test(region.replaceAll("-", ""))
  ) {
    return region;
  }
  return "";
}

function envValue(env: Env, name: string): string {
  return pyStrip(env[name] ?? "");
}

/** Region of an execute-api host, else AWS_REGION, else AWS_DEFAULT_REGION, else "". */
export function region(options: { readonly domainName?: string; readonly env: Env }): string {
  const hostRegion = executeApiRegion(pyStrip(options.domainName ?? ""));
  if (hostRegion) return hostRegion;
  return envValue(options.env, "AWS_REGION") || envValue(options.env, "AWS_DEFAULT_REGION");
}

/** What the management endpoint is derived from. */
export interface EndpointInputs {
  readonly override?: string;
  readonly domainName?: string;
  readonly stage?: string;
  readonly apiId?: string;
  readonly path?: string;
  readonly env: Env;
}

/** Management API URL: override, env override, execute-api host, apiId + region, custom domain. */
export function managementEndpoint(inputs: EndpointInputs): string {
  const explicit = pyStrip(inputs.override ?? "") || envValue(inputs.env, ENDPOINT_ENV);
  if (explicit) return rstripChar(explicit, "/");
  const domain = pyStrip(inputs.domainName ?? "");
  if (!domain) return "";
  const stage = pyStrip(inputs.stage ?? "");
  const stagePart = stage ? `/${stage}` : "";
  if (executeApiRegion(domain)) return `https://${domain}${stagePart}`;
  const knownRegion = region({ domainName: domain, env: inputs.env });
  const apiId = pyStrip(inputs.apiId ?? "");
  if (apiId && knownRegion) return `https://${apiId}.execute-api.${knownRegion}.amazonaws.com${stagePart}`;
  const basePath = stripChar(pyStrip(inputs.path ?? ""), "/");
  return basePath ? `https://${domain}/${basePath}` : `https://${domain}`;
}
