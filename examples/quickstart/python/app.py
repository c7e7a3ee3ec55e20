from apptheory import App, AppError

app = App(websocket_support=True)


@app.websocket("$connect")
def connect(ctx):
    ws = ctx.as_websocket()
    if "token" not in ws.query:
        raise AppError("app.unauthorized", "missing token")  # rejects the handshake with 401
    # returning nothing answers 200: the connection opens (no sends here: it is not open yet)


@app.websocket("$disconnect")
def disconnect(ctx):
    pass  # the connection is already closed: clean up state here, nothing can be sent


@app.websocket("$default")
def default(ctx):
    ws = ctx.as_websocket()
    ws.send_json_message({"echo": ws.json()})  # to the caller, through the management API
    return {"ok": True}


handler = app.handle  # the Lambda entry point
