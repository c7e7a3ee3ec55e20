"""The strict fake management client on its own."""

from __future__ import annotations

import inspect
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from apptheory import App, Context
from apptheory.testkit import FakeManagementClient, RecordedCall
from apptheory_generated.errors import (
    ForbiddenError,
    GoneError,
    InvalidConnectionError,
    ManagementError,
    PayloadTooLargeError,
    ServerError,
    ThrottledError,
)
from apptheory_generated.fake import OPERATIONS
from apptheory_generated.streamer import Boto3ManagementClient, ConnectionInfo, ManagementClient

EVENTS = Path(__file__).parent / "events"
EP = "https://fake.execute-api.invalid/test"
PROTOCOL_OPS = sorted(
    name
    for name, member in vars(ManagementClient).items()
    if not name.startswith("_") and callable(member) and not isinstance(member, property)
)


# ---- interface ---------------------------------------------------------------------------------


def test_protocol_operations_are_the_fake_operations() -> None:
    assert PROTOCOL_OPS == sorted(OPERATIONS) == ["delete_connection", "get_connection", "post_to_connection"]


@pytest.mark.parametrize("op", PROTOCOL_OPS)
def test_signatures_equal_the_protocol(op: str) -> None:
    protocol = inspect.signature(getattr(ManagementClient, op))
    assert inspect.signature(getattr(FakeManagementClient, op)) == protocol
    assert inspect.signature(getattr(Boto3ManagementClient, op)) == protocol
    # And the parameters really are the documented ones (not a vacuous comparison).
    assert next(iter(protocol.parameters)) == "self"
    assert "connection_id" in protocol.parameters


def test_endpoint_is_a_read_only_property_everywhere() -> None:
    for cls in (ManagementClient, FakeManagementClient, Boto3ManagementClient):
        member = inspect.getattr_static(cls, "endpoint")
        assert isinstance(member, property), cls
        assert member.fset is None, cls
    fake = FakeManagementClient("https://x.example.com/s")
    assert fake.endpoint == "https://x.example.com/s"
    with pytest.raises(AttributeError):
        fake.endpoint = "other"  # type: ignore[misc]


def test_fake_and_sdk_client_satisfy_the_protocol_structurally() -> None:
    client: ManagementClient = FakeManagementClient()  # type-checks only if the shapes match
    assert all(callable(getattr(client, op)) for op in PROTOCOL_OPS)
    sdk: ManagementClient = Boto3ManagementClient("https://x.example.com/s", "us-east-1", sdk_client=object())
    assert sdk.endpoint == "https://x.example.com/s"


def test_no_extra_operations_beyond_the_interface() -> None:
    """Public methods are the interface plus documented test controls; nothing that looks like another op."""
    controls = {
        "add_connection",
        "assert_calls",
        "calls",
        "client_factory",
        "endpoint",
        "fail",
        "for_endpoint",
        "reset_calls",
        "sent_to",
        "set_state",
        "state_of",
    }
    public = {name for name in dir(FakeManagementClient) if not name.startswith("_")}
    assert public == set(PROTOCOL_OPS) | controls


@pytest.mark.parametrize(
    ("op", "args", "kwargs"),
    [
        ("post_to_connection", ("c1", b"x"), {"retries": 2}),
        ("post_to_connection", (), {"ConnectionId": "c1", "Data": b"x"}),
        ("get_connection", ("c1",), {"consistent": True}),
        ("get_connection", (), {"ConnectionId": "c1"}),
        ("delete_connection", ("c1",), {"force": True}),
        ("post_to_connection", ("c1", b"x", "extra"), {}),
    ],
)
def test_unknown_arguments_raise_type_error_and_are_not_recorded(
    op: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    fake = FakeManagementClient(connections=["c1"])
    with pytest.raises(TypeError):
        getattr(fake, op)(*args, **kwargs)
    assert fake.calls == []
    assert fake.state_of("c1") == "connected"


def test_keyword_arguments_by_their_interface_names_work() -> None:
    fake = FakeManagementClient(connections=["c1"])
    fake.post_to_connection(connection_id="c1", data=b"x")
    fake.get_connection(connection_id="c1")
    fake.delete_connection(connection_id="c1")
    assert [c.op for c in fake.calls] == ["post_to_connection", "get_connection", "delete_connection"]


@pytest.mark.parametrize("data", ["text", bytearray(b"x"), memoryview(b"x"), None, 5])
def test_post_requires_bytes(data: Any) -> None:
    fake = FakeManagementClient(connections=["c1"])
    with pytest.raises(TypeError, match="bytes"):
        fake.post_to_connection("c1", data)
    assert fake.calls == []


@pytest.mark.parametrize("connection_id", ["", " ", "\t\n", "\u3000\u0085", None, 5])
def test_blank_connection_id_is_invalid_and_never_recorded(connection_id: Any) -> None:
    fake = FakeManagementClient(connections=["c1"])
    for op, call in (
        ("post_to_connection", lambda: fake.post_to_connection(connection_id, b"x")),
        ("get_connection", lambda: fake.get_connection(connection_id)),
        ("delete_connection", lambda: fake.delete_connection(connection_id)),
    ):
        with pytest.raises(InvalidConnectionError, match=f"^{op} .*: connection id is empty$") as info:
            call()
        assert (info.value.operation, info.value.status, info.value.aws_code, info.value.retryable) == (
            op,
            0,
            "",
            False,
        )
    assert fake.calls == []


def test_connection_id_with_text_around_white_space_is_valid() -> None:
    fake = FakeManagementClient(connections=[" c1 "])
    fake.post_to_connection(" c1 ", b"x")
    assert fake.sent_to(" c1 ") == [b"x"]


@pytest.mark.parametrize("op", ["post_to_connection", "get_connection"])
def test_gone_and_unknown_connections_raise_gone(op: str) -> None:
    fake = FakeManagementClient()
    fake.add_connection("old", state="gone")
    for connection_id in ("old", "never-seen"):
        args: tuple[Any, ...] = (connection_id, b"x") if op == "post_to_connection" else (connection_id,)
        with pytest.raises(GoneError) as info:
            getattr(fake, op)(*args)
        assert info.value.operation == op
        assert info.value.connection_id == connection_id
    assert fake.state_of("never-seen") is None
    assert [c.connection_id for c in fake.calls] == ["old", "never-seen"]


def test_delete_of_a_gone_or_unknown_connection_succeeds_and_is_recorded() -> None:
    fake = FakeManagementClient()
    fake.add_connection("old", state="gone")
    fake.delete_connection("old")
    fake.delete_connection("never-seen")
    assert fake.state_of("never-seen") is None
    assert fake.calls == [
        RecordedCall("delete_connection", fake.endpoint, "old"),
        RecordedCall("delete_connection", fake.endpoint, "never-seen"),
    ]


def test_delete_makes_a_connection_gone_for_every_operation() -> None:
    fake = FakeManagementClient(connections=["c1"])
    fake.delete_connection("c1")
    assert fake.state_of("c1") == "gone"
    with pytest.raises(GoneError):
        fake.post_to_connection("c1", b"x")
    with pytest.raises(GoneError):
        fake.get_connection("c1")
    fake.delete_connection("c1")  # idempotent: closing a closed connection succeeds


def test_state_controls_validate() -> None:
    fake = FakeManagementClient()
    with pytest.raises(ValueError, match="state must be"):
        fake.add_connection("c1", state="open")  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="unknown connection"):
        fake.set_state("nope", "connected")
    fake.add_connection("c2")
    with pytest.raises(ValueError, match="state must be"):
        fake.set_state("c2", "open")  # type: ignore[arg-type]
    assert fake.state_of("c2") == "connected"


def test_get_connection_reports_what_was_added_and_tracks_activity() -> None:
    fake = FakeManagementClient()
    opened = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    fake.add_connection("c1", connected_at=opened, source_ip="198.51.100.7", user_agent="wscat/6")
    assert fake.get_connection("c1") == ConnectionInfo(
        connected_at=opened, last_active_at=opened, source_ip="198.51.100.7", user_agent="wscat/6"
    )
    fake.post_to_connection("c1", b"x")
    after = fake.get_connection("c1")
    assert after.connected_at == opened
    assert after.last_active_at is not None
    assert after.last_active_at > opened
    assert after.last_active_at.tzinfo is not None


def test_oversize_post_raises_payload_too_large_and_keeps_the_connection() -> None:
    fake = FakeManagementClient(connections=["c1"])
    with pytest.raises(PayloadTooLargeError) as info:
        fake.post_to_connection("c1", b"x" * 131073)
    assert info.value.status == 413
    assert info.value.aws_code == "PayloadTooLargeException"
    fake.post_to_connection("c1", b"x" * 131072)
    assert fake.state_of("c1") == "connected"
    assert [len(c.data or b"") for c in fake.calls] == [131073, 131072]


# ---- injected errors ---------------------------------------------------------------------------

ERROR_CASES = [
    ("GoneException", GoneError, 410, False),
    ("ForbiddenException", ForbiddenError, 403, False),
    ("PayloadTooLargeException", PayloadTooLargeError, 413, False),
    ("LimitExceededException", ThrottledError, 429, True),
]


@pytest.mark.parametrize(
    ("op", "code", "cls", "status", "retryable"),
    # Gone on delete is success (test_injected_gone_on_delete_is_success)
    [
        (op, *case)
        for op in PROTOCOL_OPS
        for case in ERROR_CASES
        if not (op == "delete_connection" and case[1] is GoneError)
    ],
)
def test_injected_error_once(op: str, code: str, cls: type[ManagementError], status: int, retryable: bool) -> None:
    fake = FakeManagementClient(connections=["c1"])
    fake.fail(op, code)
    args: tuple[Any, ...] = ("c1", b"x") if op == "post_to_connection" else ("c1",)
    with pytest.raises(cls) as info:
        getattr(fake, op)(*args)
    err = info.value
    assert type(err) is cls
    assert (err.operation, err.connection_id, err.status, err.aws_code, err.retryable) == (
        op,
        "c1",
        status,
        code,
        retryable,
    )
    getattr(fake, op)(*args)  # the second call succeeds
    assert len(fake.calls) == 2  # failed calls are recorded too


def test_injected_error_only_affects_its_operation() -> None:
    fake = FakeManagementClient(connections=["c1"])
    fake.fail("get_connection", "ForbiddenException")
    fake.post_to_connection("c1", b"x")
    fake.delete_connection("c1")
    fake.add_connection("c1")
    with pytest.raises(ForbiddenError):
        fake.get_connection("c1")


def test_sticky_injected_error_fails_every_call() -> None:
    fake = FakeManagementClient(connections=["c1", "c2"])
    fake.fail("post_to_connection", "LimitExceededException", sticky=True)
    for _ in range(5):
        for cid in ("c1", "c2"):
            with pytest.raises(ThrottledError):
                fake.post_to_connection(cid, b"x")
    assert len(fake.calls) == 10
    fake.get_connection("c1")  # other operations are unaffected


def test_injected_gone_on_delete_is_success() -> None:
    fake = FakeManagementClient(connections=["c1"])
    fake.fail("delete_connection", "GoneException")
    fake.delete_connection("c1")
    assert fake.calls == [RecordedCall("delete_connection", fake.endpoint, "c1")]


def test_once_errors_queue_in_order() -> None:
    fake = FakeManagementClient(connections=["c1"])
    fake.fail("post_to_connection", "ForbiddenException")
    fake.fail("post_to_connection", "LimitExceededException")
    with pytest.raises(ForbiddenError):
        fake.post_to_connection("c1", b"1")
    with pytest.raises(ThrottledError):
        fake.post_to_connection("c1", b"2")
    fake.post_to_connection("c1", b"3")


def test_per_connection_injection() -> None:
    fake = FakeManagementClient(connections=["c1", "c2"])
    fake.fail("post_to_connection", "ForbiddenException", connection_id="c2")
    fake.post_to_connection("c1", b"x")  # other connections unaffected, injection kept
    with pytest.raises(ForbiddenError) as info:
        fake.post_to_connection("c2", b"x")
    assert info.value.connection_id == "c2"
    fake.post_to_connection("c2", b"x")  # consumed


def test_per_connection_sticky_injection() -> None:
    fake = FakeManagementClient(connections=["c1", "c2"])
    fake.fail("delete_connection", "ForbiddenException", connection_id="c1", sticky=True)
    for _ in range(3):
        with pytest.raises(ForbiddenError):
            fake.delete_connection("c1")
    assert fake.state_of("c1") == "connected"  # a failed delete changes nothing
    fake.delete_connection("c2")
    assert fake.state_of("c2") == "gone"


def test_injected_error_wins_over_state() -> None:
    fake = FakeManagementClient()  # "ghost" is unknown: would be Gone
    fake.fail("post_to_connection", "ForbiddenException", connection_id="ghost")
    with pytest.raises(ForbiddenError):
        fake.post_to_connection("ghost", b"x")
    with pytest.raises(GoneError):
        fake.post_to_connection("ghost", b"x")


def test_fail_with_other_codes_needs_a_status() -> None:
    fake = FakeManagementClient(connections=["c1"])
    with pytest.raises(ValueError, match="unknown AWS error code 'InternalServerError'"):
        fake.fail("post_to_connection", "InternalServerError")
    fake.fail("post_to_connection", "InternalServerError", status=500)
    with pytest.raises(ServerError) as info:
        fake.post_to_connection("c1", b"x")
    assert (info.value.status, info.value.aws_code, info.value.retryable) == (500, "InternalServerError", True)
    fake.fail("get_connection", "BadRequestException", status=400)
    with pytest.raises(ManagementError) as base:
        fake.get_connection("c1")
    assert type(base.value) is ManagementError
    assert base.value.retryable is False
    fake.fail("get_connection", "SomethingNew", status=410)
    with pytest.raises(GoneError):  # mapped by status when the code is unknown
        fake.get_connection("c1")


def test_fail_rejects_unknown_operations() -> None:
    with pytest.raises(ValueError, match="unknown operation 'send'"):
        FakeManagementClient().fail("send", "GoneException")


# ---- assertions --------------------------------------------------------------------------------


def test_assert_calls_passes_on_equal_and_shows_a_diff_otherwise() -> None:
    fake = FakeManagementClient(EP, connections=["c1"])
    fake.assert_calls([])
    fake.post_to_connection("c1", b"hi")
    fake.assert_calls([RecordedCall("post_to_connection", EP, "c1", b"hi")])
    with pytest.raises(AssertionError) as info:
        fake.assert_calls([RecordedCall("post_to_connection", EP, "c1", b"bye")])
    message = str(info.value)
    assert message.splitlines()[0] == "management calls differ:"
    assert "expected:" in message
    assert "actual:" in message
    assert "b'bye'" in message
    assert "b'hi'" in message
    assert message.index("b'bye'") < message.index("actual:") < message.index("b'hi'")
    with pytest.raises(AssertionError, match=r"expected:\n    \(none\)"):
        fake.assert_calls([])
    fake.reset_calls()
    with pytest.raises(AssertionError, match=r"actual:\n    \(none\)"):
        fake.assert_calls([RecordedCall("get_connection", EP, "c1")])


def test_assert_calls_is_order_sensitive() -> None:
    fake = FakeManagementClient(EP, connections=["a", "b"])
    fake.post_to_connection("a", b"1")
    fake.post_to_connection("b", b"2")
    with pytest.raises(AssertionError):
        fake.assert_calls(
            [RecordedCall("post_to_connection", EP, "b", b"2"), RecordedCall("post_to_connection", EP, "a", b"1")]
        )


def test_calls_is_a_snapshot_and_sent_to_filters() -> None:
    fake = FakeManagementClient(connections=["a", "b"])
    fake.post_to_connection("a", b"1")
    snapshot = fake.calls
    snapshot.clear()
    fake.get_connection("a")
    fake.post_to_connection("b", b"2")
    fake.post_to_connection("a", b"3")
    assert len(fake.calls) == 4
    assert fake.sent_to("a") == [b"1", b"3"]
    assert fake.sent_to("b") == [b"2"]
    assert fake.sent_to("c") == []


# ---- concurrency and endpoints -----------------------------------------------------------------


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def test_recording_is_thread_safe_under_a_broadcast() -> None:
    ids = [f"c{i:03d}" for i in range(300)]
    fake = FakeManagementClient(connections=ids)
    gone = set(ids[::7])
    for cid in gone:
        fake.set_state(cid, "gone")
    results = []
    app = App(websocket_client_factory=fake.client_factory)
    app.websocket("$default", lambda ctx: results.append(ctx.as_websocket().broadcast(ids, b"fan", max_concurrency=32)))
    assert app.handle(load_event("message-default"))["statusCode"] == 200
    calls = fake.calls
    assert len(calls) == len(ids)
    assert sorted(c.connection_id for c in calls) == ids
    assert all(c.data == b"fan" and c.op == "post_to_connection" for c in calls)
    assert results[0].gone == [cid for cid in ids if cid in gone]
    assert results[0].sent == [cid for cid in ids if cid not in gone]


def test_recording_is_thread_safe_from_many_threads() -> None:
    fake = FakeManagementClient(connections=["c"])
    barrier = threading.Barrier(16)

    def worker(n: int) -> None:
        barrier.wait()
        for i in range(200):
            fake.post_to_connection("c", f"{n}:{i}".encode())

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = fake.sent_to("c")
    assert len(sent) == 16 * 200
    assert len(set(sent)) == 16 * 200
    for n in range(16):  # each thread's calls keep their own order
        mine = [s for s in sent if s.startswith(f"{n}:".encode())]
        assert mine == [f"{n}:{i}".encode() for i in range(200)]


def test_sticky_and_once_injection_under_concurrency() -> None:
    fake = FakeManagementClient(connections=[f"c{i}" for i in range(50)])
    fake.fail("post_to_connection", "LimitExceededException")  # exactly one call fails
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(cid: str) -> None:
        try:
            fake.post_to_connection(cid, b"x")
        except ThrottledError as err:
            with lock:
                errors.append(err)

    threads = [threading.Thread(target=worker, args=(f"c{i}",)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 1
    assert len(fake.calls) == 50


def test_client_factory_shares_state_across_endpoints_and_records_endpoints() -> None:
    fake = FakeManagementClient("https://base.example.com/s", connections=["c1"])
    factory = fake.client_factory
    a = factory("https://a.execute-api.us-east-1.amazonaws.com/dev", "us-east-1")
    b = factory("https://b.example.com/chat", None)
    assert a.endpoint == "https://a.execute-api.us-east-1.amazonaws.com/dev"
    assert b.endpoint == "https://b.example.com/chat"
    a.post_to_connection("c1", b"via a")
    b.delete_connection("c1")  # state is shared: deleting through b closes it for a
    with pytest.raises(GoneError):
        a.get_connection("c1")
    b.add_connection("c2")  # connections added through one are seen by all
    fake.post_to_connection("c2", b"via base")
    fake.fail("post_to_connection", "ForbiddenException", connection_id="c2")  # failures shared too
    with pytest.raises(ForbiddenError):
        a.post_to_connection("c2", b"x")
    expected = [
        RecordedCall("post_to_connection", "https://a.execute-api.us-east-1.amazonaws.com/dev", "c1", b"via a"),
        RecordedCall("delete_connection", "https://b.example.com/chat", "c1"),
        RecordedCall("get_connection", "https://a.execute-api.us-east-1.amazonaws.com/dev", "c1"),
        RecordedCall("post_to_connection", "https://base.example.com/s", "c2", b"via base"),
        RecordedCall("post_to_connection", "https://a.execute-api.us-east-1.amazonaws.com/dev", "c2", b"x"),
    ]
    for client in (fake, a, b):  # every view sees the same recorded calls
        client.assert_calls(expected)
    a.reset_calls()
    assert fake.calls == []


def test_client_factory_through_the_app_records_the_event_endpoint() -> None:
    fake = FakeManagementClient(connections=["Yk3xPdTrDoECJbQ="])
    app = App(websocket_client_factory=fake.client_factory)

    @app.websocket("$default")
    def handler(ctx: Context) -> None:
        ctx.as_websocket().send_message("x")

    app.handle(load_event("message-default"))
    custom = load_event("message-default")
    custom["requestContext"]["domainName"] = "q1w2e3r4t5.execute-api.ap-south-1.amazonaws.com"
    app.handle(custom)
    assert [c.endpoint for c in fake.calls] == [
        "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod",
        "https://q1w2e3r4t5.execute-api.ap-south-1.amazonaws.com/prod",
    ]


def test_transport_errors_can_be_injected() -> None:
    from apptheory_generated.errors import DeadlineExceededError, MalformedResponseError, NetworkError

    fake = FakeManagementClient(connections=["c1"])
    fake.fail("post_to_connection", "NetworkError")
    with pytest.raises(NetworkError) as net:
        fake.post_to_connection("c1", b"x")
    assert (type(net.value), net.value.status, net.value.retryable) == (NetworkError, 0, True)
    fake.fail("delete_connection", "DeadlineExceededError")
    with pytest.raises(DeadlineExceededError) as late:
        fake.delete_connection("c1")
    assert (late.value.status, late.value.retryable) == (0, True)
    fake.fail("get_connection", "MalformedResponseError")
    with pytest.raises(MalformedResponseError) as bad:
        fake.get_connection("c1")
    assert (bad.value.status, bad.value.retryable) == (200, False)
    with pytest.raises(ValueError, match="needs an operation that returns a body"):
        fake.fail("post_to_connection", "MalformedResponseError")
    fake.post_to_connection("c1", b"ok")  # each injection was used once
