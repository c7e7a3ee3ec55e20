# Sourced by scripts/test-go and scripts/test-ts: start_moto starts moto's DynamoDB-compatible server
# (.venv/bin/moto_server, pinned by constraints.txt) on 127.0.0.1 and a free port, in the background,
# waits until it answers, exports APPTHEORY_TEST_DYNAMODB_ENDPOINT (the store tests FAIL without it)
# and APPTHEORY_TEST_PYTHON (the cross-language tests run Python's store), and stops it on exit
# (a script that sets its own EXIT trap must call stop_moto in it).
stop_moto() {
  if [ -n "${MOTO_PID:-}" ]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=""
  fi
  rm -f "${MOTO_LOG:-}"
}

start_moto() {
  local root moto python port i
  root="$(pwd)"
  moto="$root/.venv/bin/moto_server"
  python="$root/.venv/bin/python"
  if [ ! -x "$moto" ]; then
    echo "$moto not found: run scripts/setup (moto[server] is a dev dependency)" >&2
    exit 1
  fi
  port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  MOTO_LOG="$(mktemp)"
  "$moto" -H 127.0.0.1 -p "$port" >"$MOTO_LOG" 2>&1 &
  MOTO_PID=$!
  trap stop_moto EXIT
  for i in $(seq 1 100); do
    if "$python" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
      break
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null || [ "$i" = 100 ]; then
      echo "moto_server did not start on 127.0.0.1:$port:" >&2
      cat "$MOTO_LOG" >&2
      exit 1
    fi
    sleep 0.1
  done
  export APPTHEORY_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
  export APPTHEORY_TEST_PYTHON="$python"
  echo "moto_server on $APPTHEORY_TEST_DYNAMODB_ENDPOINT (pid $MOTO_PID)"
}
