"""The real @aws-sdk/client-apigatewaymanagementapi against the local gateway's management API.

Uses the SDK the generated TS package installs (generated/ts/node_modules, from `npm ci` there, as
scripts/test-ts does); skipped when it is not installed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import ROOT
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from apptheory.dev.testing import GatewayThread

TS_PACKAGE = ROOT / "generated" / "ts" / "package.json"
SDK = ROOT / "generated" / "ts" / "node_modules" / "@aws-sdk" / "client-apigatewaymanagementapi"

SCRIPT = """
const { createRequire } = require("node:module");
const sdk = createRequire(process.argv[2])("@aws-sdk/client-apigatewaymanagementapi");
const [endpoint, id] = process.argv.slice(3);
const client = new sdk.ApiGatewayManagementApiClient({
  endpoint, region: "us-east-1", credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
});
(async () => {
  const out = {};
  await client.send(new sdk.PostToConnectionCommand({ ConnectionId: id, Data: new TextEncoder().encode("from js") }));
  const info = await client.send(new sdk.GetConnectionCommand({ ConnectionId: id }));
  out.get = { connectedAt: info.ConnectedAt instanceof Date, sourceIp: info.Identity.SourceIp,
              lastActiveAt: info.LastActiveAt instanceof Date };
  for (const [name, data] of [["tooLarge", new Uint8Array(131073)]]) {
    try { await client.send(new sdk.PostToConnectionCommand({ ConnectionId: id, Data: data })); out[name] = "ok"; }
    catch (err) { out[name] = [err.name, err.$metadata.httpStatusCode]; }
  }
  await client.send(new sdk.DeleteConnectionCommand({ ConnectionId: id }));
  try { await client.send(new sdk.PostToConnectionCommand({ ConnectionId: id, Data: new Uint8Array([1]) })); }
  catch (err) { out.gone = [err.name, err instanceof sdk.GoneException, err.$metadata.httpStatusCode]; }
  console.log(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
"""


def test_js_sdk_post_get_delete_and_typed_errors(tmp_path: Path) -> None:
    if not SDK.is_dir():
        pytest.skip("generated/ts/node_modules is not installed (npm ci in generated/ts, as scripts/test-ts does)")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required when generated/ts/node_modules is installed")
    script = tmp_path / "check.cjs"
    script.write_text(SCRIPT, encoding="utf-8")
    with GatewayThread(lambda event, context: None) as gw:

        async def scenario() -> tuple[dict[str, object], str, int | None]:
            async with connect(gw.ws_url, user_agent_header="js-sdk-test") as ws:
                connection_id = gw.wait_for_invocation("$connect").connection_id
                result = await asyncio.to_thread(
                    subprocess.run,
                    [node, str(script), str(TS_PACKAGE), gw.management_endpoint, connection_id],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert result.returncode == 0, result.stderr
                received = await asyncio.wait_for(ws.recv(), 5)
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
                code = closed.value.rcvd.code if closed.value.rcvd else None
                return json.loads(result.stdout), str(received), code

        out, received, close_code = asyncio.run(asyncio.wait_for(scenario(), 90))
    assert received == "from js"
    assert out == {
        "get": {"connectedAt": True, "sourceIp": "127.0.0.1", "lastActiveAt": True},
        "tooLarge": ["PayloadTooLargeException", 413],
        "gone": ["GoneException", True, 410],
    }
    assert close_code == 1000
