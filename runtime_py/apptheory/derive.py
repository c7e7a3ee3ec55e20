"""Management endpoint and region derivation (rules in DESIGN.md; test vectors in the IDL)."""

from __future__ import annotations

import re
from collections.abc import Mapping

ENDPOINT_ENV = "APPTHEORY_WS_MANAGEMENT_ENDPOINT"
_EXECUTE_API_HOST = re.compile(r"^[A-Za-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")


def region(*, domain_name: str = "", env: Mapping[str, str]) -> str:
    """Region of an execute-api host, else AWS_REGION, else AWS_DEFAULT_REGION, else ""."""
    match = _EXECUTE_API_HOST.match(domain_name.strip())
    if match:
        return match.group(1)
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
    if _EXECUTE_API_HOST.match(domain):
        return f"https://{domain}{stage_part}"
    known_region = region(domain_name=domain, env=env)
    if api_id.strip() and known_region:
        return f"https://{api_id.strip()}.execute-api.{known_region}.amazonaws.com{stage_part}"
    base_path = path.strip().strip("/")
    return f"https://{domain}/{base_path}" if base_path else f"https://{domain}"
