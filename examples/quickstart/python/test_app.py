from apptheory import App
from apptheory.testkit import FakeManagementClient, websocket_event

from app import app, default


def test_echo():
    fake = FakeManagementClient(connections=["conn-1"])
    echo = App(websocket_client_factory=fake.client_factory)
    echo.websocket("$default", default)
    response = echo.handle(websocket_event("$default", connection_id="conn-1", body={"hi": 1}))
    assert response["statusCode"] == 200
    assert fake.sent_to("conn-1") == [b'{"echo":{"hi":1}}']


def test_connect_needs_a_token():
    assert app.handle(websocket_event("$connect", connection_id="c"))["statusCode"] == 401
    accepted = app.handle(websocket_event("$connect", connection_id="c", query={"token": "t"}))
    assert accepted["statusCode"] == 200
    assert app.handle(websocket_event("$disconnect", connection_id="c"))["statusCode"] == 200
