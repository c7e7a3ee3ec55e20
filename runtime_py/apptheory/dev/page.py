"""The page `apptheory dev` serves at `/` when no `--page` is given: a generic WebSocket console.

`__APPTHEORY_WS_URL__` is replaced with the gateway's WebSocket URL when served (also in `--page` files).
"""

DEFAULT_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apptheory dev</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
  input, button { font: inherit; padding: .3rem .5rem; }
  #url { width: 100%; box-sizing: border-box; }
  #log { list-style: none; padding: .5rem; border: 1px solid #ccc; height: 22rem; overflow-y: auto; }
  #log li { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
  .in { color: #064; } .out { color: #036; } .sys { color: #777; }
  form { display: flex; gap: .5rem; margin: .5rem 0; } form input { flex: 1; }
</style>
</head>
<body>
<h1>apptheory dev</h1>
<p>A WebSocket console for the local gateway. Add query parameters (e.g. <code>?token=dev</code>) to the URL.</p>
<form id="connect"><input id="url" aria-label="WebSocket URL"><button id="toggle">Connect</button></form>
<p id="status" class="sys">disconnected</p>
<form id="send"><input id="text" aria-label="message" placeholder='{"action":"...","text":"..."}' autocomplete="off">
<button>Send</button></form>
<ul id="log"></ul>
<script>
const injected = "__APPTHEORY_WS_URL__";
const params = new URLSearchParams(location.search);
const base = params.get("ws") || (injected.startsWith("ws") ? injected
  : (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/local");
const url = document.getElementById("url");
url.value = base + (params.has("ws") ? "" : location.search);
let ws = null;
function line(text, cls) {
  const li = document.createElement("li"); li.textContent = text; li.className = cls;
  const log = document.getElementById("log"); log.appendChild(li); log.scrollTop = log.scrollHeight;
}
function setStatus(text) { document.getElementById("status").textContent = text; }
document.getElementById("connect").addEventListener("submit", (e) => {
  e.preventDefault();
  if (ws) { ws.close(1000, "bye"); return; }
  ws = new WebSocket(url.value);
  setStatus("connecting");
  ws.onopen = () => { setStatus("connected"); document.getElementById("toggle").textContent = "Disconnect"; };
  ws.onmessage = (m) => line("< " + (typeof m.data === "string" ? m.data : "[binary]"), "in");
  ws.onclose = (c) => {
    setStatus("disconnected (" + c.code + (c.reason ? " " + c.reason : "") + ")");
    document.getElementById("toggle").textContent = "Connect"; ws = null;
  };
});
document.getElementById("send").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = document.getElementById("text");
  if (!ws || ws.readyState !== WebSocket.OPEN || !text.value) return;
  ws.send(text.value); line("> " + text.value, "out"); text.value = "";
});
</script>
</body>
</html>
"""
