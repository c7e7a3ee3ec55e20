"""The contract fixtures are valid against their JSON Schema, and the schema rejects malformed ones."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_DIR = ROOT / "contract-tests"
SCHEMA_PATH = CONTRACT_DIR / "fixture.schema.json"
FIXTURES_DIR = CONTRACT_DIR / "fixtures"
FIXTURE_FILES = sorted(FIXTURES_DIR.glob("*.json"))
MIN_FIXTURES = 28


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = _load(SCHEMA_PATH)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _errors(validator: Draft202012Validator, fixture: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(fixture)]


def test_schema_is_valid_draft_2020_12() -> None:
    schema = _load(SCHEMA_PATH)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_action_and_placeholder_namespace_is_described() -> None:
    defs = _load(SCHEMA_PATH)["$defs"]
    actions = defs["action"]["properties"]
    expected = {
        "respond_json", "respond_text", "respond_base64", "respond_none", "respond", "send_json",
        "send_json_to", "send", "get_connection", "delete_connection", "broadcast", "capture_errors",
        "parse_json", "raise_app_error", "raise_error",
    }  # fmt: skip
    assert set(actions) == expected
    for name, spec in actions.items():
        assert spec.get("description"), f"action {name} has no description"
    for namespace in ("ws", "body", "connection", "broadcast", "error"):
        assert defs[f"placeholder_{namespace}"].get("description")


def test_there_are_enough_fixtures() -> None:
    assert len(FIXTURE_FILES) >= MIN_FIXTURES


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture_is_valid(validator: Draft202012Validator, path: Path) -> None:
    fixture = _load(path)
    assert _errors(validator, fixture) == []
    assert fixture["id"] == path.stem, f"{path.name}: id {fixture['id']!r} does not match the file name"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture_is_pretty_printed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    value = json.loads(text)
    readable = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    try:
        readable.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form: such a fixture is written with \u escapes
        readable = json.dumps(value, indent=2, ensure_ascii=True) + "\n"
    assert text == readable


def test_fixture_ids_are_unique() -> None:
    ids = [_load(path)["id"] for path in FIXTURE_FILES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicates == []


def test_fixtures_are_self_contained() -> None:
    for path in FIXTURE_FILES:
        assert "shared/events" not in path.read_text(encoding="utf-8"), path.name


# ---- negative cases: each mutation of a valid fixture must be rejected --------------------------


def _base() -> dict[str, Any]:
    fixture: dict[str, Any] = _load(FIXTURES_DIR / "default.send_json.json")
    return fixture


def _set_first_action(fixture: dict[str, Any], action: Any) -> None:
    fixture["app"]["routes"]["$default"][0] = action


def _missing_expect(f: dict[str, Any]) -> None:
    del f["expect"]


def _unknown_action(f: dict[str, Any]) -> None:
    _set_first_action(f, {"send_yaml": {"ok": True}})


def _two_key_action(f: dict[str, Any]) -> None:
    _set_first_action(f, {"send_json": {"ok": True}, "respond_none": True})


def _empty_action(f: dict[str, Any]) -> None:
    _set_first_action(f, {})


def _bad_data_encoding(f: dict[str, Any]) -> None:
    f["expect"]["calls"][0]["data"]["encoding"] = "hex"


def _bad_base64_data_value(f: dict[str, Any]) -> None:
    f["expect"]["calls"][0]["data"] = {"encoding": "base64", "value": "not base64!"}


def _unknown_top_level_key(f: dict[str, Any]) -> None:
    f["handlers"] = {}


def _unknown_placeholder_namespace(f: dict[str, Any]) -> None:
    f["app"]["routes"]["$default"][1]["respond_json"]["connection_id"] = "{request.connection_id}"


def _unknown_placeholder_field(f: dict[str, Any]) -> None:
    f["app"]["routes"]["$default"][1]["respond_json"]["connection_id"] = "{ws.connectionId}"


def _nested_unknown_placeholder(f: dict[str, Any]) -> None:
    _set_first_action(f, {"send_json": {"a": [{"b": "{env.AWS_REGION}"}]}})


def _bad_id(f: dict[str, Any]) -> None:
    f["id"] = "Default Send"


def _body_json(f: dict[str, Any]) -> None:
    f["expect"]["response"]["body_json"] = {}  # the old, re-rendering form: the exact body is required


def _no_body(f: dict[str, Any]) -> None:
    del f["expect"]["response"]["body"]


def _data_on_get_connection(f: dict[str, Any]) -> None:
    f["expect"]["calls"][0]["op"] = "get_connection"


def _post_without_data(f: dict[str, Any]) -> None:
    del f["expect"]["calls"][0]["data"]


def _unknown_aws_code_without_status(f: dict[str, Any]) -> None:
    f["management"]["fail"] = [{"op": "post_to_connection", "aws_code": "InternalServerErrorException"}]


def _unknown_op(f: dict[str, Any]) -> None:
    f["management"]["fail"] = [{"op": "post_connection", "aws_code": "GoneException"}]


def _transport_error_with_status(f: dict[str, Any]) -> None:
    f["management"]["fail"] = [{"op": "post_to_connection", "aws_code": "NetworkError", "status": 503}]


def _malformed_response_without_body(f: dict[str, Any]) -> None:
    f["management"]["fail"] = [{"op": "post_to_connection", "aws_code": "MalformedResponseError"}]


def _upper_case_expected_header(f: dict[str, Any]) -> None:
    f["expect"]["response"]["headers"] = {"Content-Type": ["application/json; charset=utf-8"]}


def _invalid_respond_base64(f: dict[str, Any]) -> None:
    _set_first_action(f, {"respond_base64": "AAE*"})


def _send_with_both_payloads(f: dict[str, Any]) -> None:
    _set_first_action(f, {"send": {"utf8": "a", "base64": "YQ=="}})


def _unknown_key_in_app(f: dict[str, Any]) -> None:
    f["app"]["region"] = "eu-west-1"


def _bad_connection_state(f: dict[str, Any]) -> None:
    f["management"]["connections"] = [{"id": "conn-1", "state": "open"}]


NEGATIVE_CASES: dict[str, Callable[[dict[str, Any]], None]] = {
    "missing_expect": _missing_expect,
    "unknown_action": _unknown_action,
    "two_key_action": _two_key_action,
    "empty_action": _empty_action,
    "bad_data_encoding": _bad_data_encoding,
    "bad_base64_data_value": _bad_base64_data_value,
    "unknown_top_level_key": _unknown_top_level_key,
    "unknown_placeholder_namespace": _unknown_placeholder_namespace,
    "unknown_placeholder_field": _unknown_placeholder_field,
    "nested_unknown_placeholder": _nested_unknown_placeholder,
    "bad_id": _bad_id,
    "body_json": _body_json,
    "no_body": _no_body,
    "data_on_get_connection": _data_on_get_connection,
    "post_without_data": _post_without_data,
    "unknown_aws_code_without_status": _unknown_aws_code_without_status,
    "unknown_op": _unknown_op,
    "transport_error_with_status": _transport_error_with_status,
    "malformed_response_without_body": _malformed_response_without_body,
    "upper_case_expected_header": _upper_case_expected_header,
    "invalid_respond_base64": _invalid_respond_base64,
    "send_with_both_payloads": _send_with_both_payloads,
    "unknown_key_in_app": _unknown_key_in_app,
    "bad_connection_state": _bad_connection_state,
}


def test_base_fixture_is_valid(validator: Draft202012Validator) -> None:
    assert _errors(validator, _base()) == []


@pytest.mark.parametrize("mutate", NEGATIVE_CASES.values(), ids=list(NEGATIVE_CASES))
def test_schema_rejects(validator: Draft202012Validator, mutate: Callable[[dict[str, Any]], None]) -> None:
    fixture = copy.deepcopy(_base())
    mutate(fixture)
    assert _errors(validator, fixture) != []


def test_known_aws_code_needs_no_status(validator: Draft202012Validator) -> None:
    fixture = _base()
    fixture["management"]["fail"] = [{"op": "post_to_connection", "aws_code": "LimitExceededException"}]
    assert _errors(validator, fixture) == []


@pytest.mark.parametrize(
    ("op", "aws_code"),
    [
        ("post_to_connection", "NetworkError"),
        ("delete_connection", "DeadlineExceededError"),
        ("get_connection", "MalformedResponseError"),
    ],
)
def test_transport_error_names_need_no_status(validator: Draft202012Validator, op: str, aws_code: str) -> None:
    fixture = _base()
    fixture["management"]["fail"] = [{"op": op, "aws_code": aws_code}]
    assert _errors(validator, fixture) == []


def test_literal_braces_are_not_placeholders(validator: Draft202012Validator) -> None:
    fixture = _base()
    fixture["app"]["routes"]["$default"][1]["respond_json"]["raw"] = '{"a":1}'
    assert _errors(validator, fixture) == []
