"""Management endpoint and region derivation (docs/runtime.md "Management endpoint and region"; IDL vectors)."""

from __future__ import annotations

from collections.abc import Mapping

ENDPOINT_ENV = "APPTHEORY_WS_MANAGEMENT_ENDPOINT"


def execute_api_region(host: str) -> str:
    """The region of `{api}.execute-api.{region}.amazonaws.com[.cn]`, or "" for any other host."""
    if ".execute-api." not in host:
        return ""
    labels = host.split(".")
    if labels[-1] == "cn":
        labels.pop()
    if (
        len(labels) == 5
        and labels[1] == "execute-api"
        and labels[3] == "amazonaws"
        and labels[4] == "com"
        and labels[0].isalnum()
        and labels[2].replace("-", "").isalnum()
    ):
        return labels[2]
    return ""


def region(*, domain_name: str = "", env: Mapping[str, str]) -> str:
    """Region of an execute-api host, else AWS_REGION, else AWS_DEFAULT_REGION, else ""."""
    host_region = execute_api_region(domain_name.strip())
    if host_region:
        return host_region
    return env.get("AWS_REGION", "").strip() or env.get("AWS_DEFAULT_REGION", "").strip()


def management_endpoint(
    *,
    override: str = "",
    domain_name: str = "",
    stage: str = "",
    api_id: str = "",
    path: str = "",
    env: Mapping[str, str],
) -> str:
    """Management API URL: override, env override, execute-api host, apiId + region, custom domain."""
    explicit = override.strip() or env.get(ENDPOINT_ENV, "").strip()
    if explicit:
        return explicit.rstrip("/")
    domain = domain_name.strip()
    if not domain:
        return ""
    stage_part = f"/{stage.strip()}" if stage.strip() else ""
    if execute_api_region(domain):
        return f"https://{domain}{stage_part}"
    known_region = region(domain_name=domain, env=env)
    if api_id.strip() and known_region:
        return f"https://{api_id.strip()}.execute-api.{known_region}.amazonaws.com{stage_part}"
    base_path = path.strip().strip("/")
    return f"https://{domain}/{base_path}" if base_path else f"https://{domain}"
