"""Invalid IDLs are rejected with every problem located (file:line: path: message); valid names are escaped.

Each case applies a small textual edit to the real `idl/apptheory.yaml` and asserts the exact, sorted list
of problem strings. Expected lines are written as an anchor: a text that occurs exactly once in the edited
IDL, whose (first non-newline character's) line is the line the problem must point at. So the cases stay
readable and exact while the IDL grows elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from apptheory_codegen import ir, loader, validate
from apptheory_codegen.errors import IdlError

IDL = "idl/apptheory.yaml"
IDL_TEXT = (Path(__file__).resolve().parents[1] / IDL).read_text(encoding="utf-8")

SNAKE_HELP = "a snake_case name (lower-case letters, digits, single underscores, starting with a letter)"
DOC_HELP = "one line of printable text (1-200 characters; no control characters, line separators, '*/' or '\"\"\"')"
ROOTS = (
    "requestContext, headers, multiValueHeaders, queryStringParameters, multiValueQueryStringParameters, "
    "body, isBase64Encoded, path, stageVariables"
)
AWS_CODES = "ForbiddenException, GoneException, LimitExceededException, PayloadTooLargeException"


def mutate(text: str, old: str, new: str) -> str:
    """Replace `old`, which must occur exactly once, so every edit is unambiguous."""
    count = text.count(old)
    assert count == 1, f"{old!r} occurs {count} times in the IDL, expected exactly once"
    return text.replace(old, new)


def line_at(text: str, anchor: str) -> int:
    """1-based line of `anchor` (which must occur exactly once), ignoring its leading newlines."""
    count = text.count(anchor)
    assert count == 1, f"anchor {anchor!r} occurs {count} times in the edited IDL, expected exactly once"
    start = text.index(anchor) + len(anchor) - len(anchor.lstrip("\n"))
    return text.count("\n", 0, start) + 1


def build(text: str) -> ir.Api:
    return validate.build(loader.load_yaml(text, IDL), IDL)


def problems(text: str) -> list[str]:
    with pytest.raises(IdlError) as caught:
        build(text)
    return [str(p) for p in caught.value.problems]


RETRY_KEYS = "call_deadline_ms, connect_timeout_ms, max_attempts, mode, read_timeout_ms"


class Case(NamedTuple):
    id: str
    edits: list[tuple[str, str]]
    # (anchor of the expected line, "path: message" or just "message" when the problem has no IDL path)
    expect: list[tuple[str, str]]


CASES = [
    # --- structure (JSON Schema) -----------------------------------------------------------------
    Case(
        "unknown_key_lists_allowed_keys",
        [("      doc: Host the client", "      optional: true\n      doc: Host the client")],
        [
            (
                "      optional: true",
                "context.fields[3].optional: unknown key 'optional'; allowed keys: "
                "base64_flag, doc, events, from, lowercase_keys, name, required, trim, type",
            )
        ],
    ),
    Case(
        "two_unknown_keys_each_reported_on_its_line",
        [("    max_attempts: 3\n", "    max_attempts: 3\n    jitter: true\n    backoff: 2\n")],
        [
            ("    jitter: true", "streamer.retry.jitter: unknown key 'jitter'; allowed keys: " + RETRY_KEYS),
            ("    backoff: 2", "streamer.retry.backoff: unknown key 'backoff'; allowed keys: " + RETRY_KEYS),
        ],
    ),
    Case(
        "wrong_type_string_for_integer",
        [("    max_attempts: 3", "    max_attempts: three")],
        [("    max_attempts: three", "streamer.retry.max_attempts: expected integer, got string")],
    ),
    Case(
        "wrong_type_boolean_for_integer",
        [("    max_attempts: 3", "    max_attempts: true")],
        [("    max_attempts: true", "streamer.retry.max_attempts: expected integer, got boolean")],
    ),
    Case(
        "wrong_type_float_for_integer",
        [("    value: 7200\n", "    value: 7200.0\n")],
        [("    value: 7200.0", "limits[2].value: expected integer, got number")],
    ),
    Case(
        "wrong_type_list_for_mapping",
        [
            (
                "  retry:\n    mode: standard\n    max_attempts: 3\n",
                "  retry: [standard, 3]\n",
            ),
            ("    connect_timeout_ms: 2000\n    read_timeout_ms: 5000\n    call_deadline_ms: 10000\n", ""),
        ],
        [("  retry: [standard, 3]", "streamer.retry: expected mapping, got list")],
    ),
    Case(
        "missing_required_key",
        [("      doc: Client User-Agent header.\n", "")],
        [("\n    - name: user_agent", "context.fields[11]: missing required key 'doc'")],
    ),
    Case(
        "missing_top_level_key",
        [("version: 1\n", "")],
        [("\ntargets:", "missing required key 'version'")],
    ),
    Case(
        "enum_value_not_allowed",
        [("      method: DELETE", "      method: PUT")],
        [
            (
                "      method: PUT",
                'streamer.operations[2].method: "PUT" is not allowed; allowed: "GET", "POST", "DELETE"',
            )
        ],
    ),
    Case(
        "integer_below_minimum",
        [("    max_attempts: 3", "    max_attempts: 0")],
        [("    max_attempts: 0", "streamer.retry.max_attempts: 0 must be at least 1")],
    ),
    Case(
        "empty_list",
        [("      events: [DISCONNECT]\n      doc: Close reason", "      events: []\n      doc: Close reason")],
        [("      events: []", "context.fields[21].events: must have at least 1 item(s)")],
    ),
    # --- YAML (loader) ---------------------------------------------------------------------------
    Case(
        "yaml_syntax_error",
        [("      events: [MESSAGE]\n      doc: Id", "      events: [MESSAGE\n      doc: Id")],
        [("      doc: Id of the frame", "YAML syntax error: expected ',' or ']', but got ':'")],
    ),
    Case(
        "yaml_python_tag_is_not_constructed",
        [("    max_attempts: 3", "    max_attempts: !!python/object/apply:os.system ['true']")],
        [
            (
                "    max_attempts: !!python",
                "YAML syntax error: could not determine a constructor for the tag "
                "'tag:yaml.org,2002:python/object/apply:os.system'",
            )
        ],
    ),
    # --- names and injection ---------------------------------------------------------------------
    Case(
        "name_with_punctuation",
        [("    - name: user_agent\n      type: string\n", "    - name: user-agent\n      type: string\n")],
        [("    - name: user-agent", f'context.fields[11].name: "user-agent" is not {SNAKE_HELP}')],
    ),
    Case(
        "name_with_upper_case",
        [("    - name: user_agent\n      type: string\n", "    - name: userAgent\n      type: string\n")],
        [("    - name: userAgent", f'context.fields[11].name: "userAgent" is not {SNAKE_HELP}')],
    ),
    Case(
        "name_injection_attempt",
        [("    - name: user_agent\n      type: string\n", '    - name: "x; import os"\n      type: string\n')],
        [('    - name: "x; import os"', f'context.fields[11].name: "x; import os" is not {SNAKE_HELP}')],
    ),
    Case(
        "name_with_trailing_newline",
        [("    - name: user_agent\n      type: string\n", '    - name: "user_agent\\n"\n      type: string\n')],
        [('    - name: "user_agent\\n"', f'context.fields[11].name: "user_agent\\n" is not {SNAKE_HELP}')],
    ),
    Case(
        "operation_name_with_trailing_underscore",
        [("    - name: delete_connection\n", "    - name: delete_connection_\n")],
        [("    - name: delete_connection_", f'streamer.operations[2].name: "delete_connection_" is not {SNAKE_HELP}')],
    ),
    Case(
        "class_name_injection_attempt",
        [("        class: GoneError", '        class: "GoneError(Exception): pass  #"')],
        [
            (
                '        class: "GoneError(',
                'errors.management.errors[0].class: "GoneError(Exception): pass  #" is not a PascalCase class name '
                "(letters and digits, starting with an upper-case letter)",
            )
        ],
    ),
    Case(
        "route_key_injection_attempt",
        [("    key: $default", "    key: '$default\"); rm -rf /'")],
        [
            (
                "    key: '$default",
                "routes[2].key: \"$default\\\"); rm -rf /\" is not a route key like '$default' or 'sendMessage' "
                "(letters, digits, _ . : -)",
            )
        ],
    ),
    Case(
        "doc_with_newline",
        [("      doc: Client User-Agent header.", '      doc: "Client User-Agent header.\\nimport os"')],
        [
            (
                '      doc: "Client User-Agent',
                f'context.fields[11].doc: "Client User-Agent header.\\nimport os" is not {DOC_HELP}',
            )
        ],
    ),
    Case(
        "doc_block_scalar_with_trailing_newline",
        [("      doc: Client User-Agent header.", "      doc: |\n        Client User-Agent header.")],
        [("      doc: |", f'context.fields[11].doc: "Client User-Agent header.\\n" is not {DOC_HELP}')],
    ),
    Case(
        "doc_with_comment_terminator",
        [("      doc: Client User-Agent header.", "      doc: Client */ exec() /* header.")],
        [("      doc: Client */", f'context.fields[11].doc: "Client */ exec() /* header." is not {DOC_HELP}')],
    ),
    Case(
        "doc_with_triple_quote",
        [("      doc: Client User-Agent header.", '      doc: \'Client """; import os; """ header.\'')],
        [
            (
                "      doc: 'Client",
                f'context.fields[11].doc: "Client \\"\\"\\"; import os; \\"\\"\\" header." is not {DOC_HELP}',
            )
        ],
    ),
    Case(
        "doc_with_unicode_line_separator",
        [("      doc: Client User-Agent header.", '      doc: "Client\\u2028header."')],
        [('      doc: "Client\\u2028', f'context.fields[11].doc: "Client\\u2028header." is not {DOC_HELP}')],
    ),
    Case(
        "vector_expect_with_newline",
        [("        expect: us-west-2", '        expect: "us-west-2\\nx"')],
        [
            (
                '        expect: "us-west-2',
                'derived[1].vectors[2].expect: "us-west-2\\nx" is not printable text without control characters',
            )
        ],
    ),
    Case(
        "vector_input_string_with_newline_names_the_string_rule",
        [("        input: {domain_name: ws.example.com}\n", '        input: {domain_name: "ws.example.com\\nx"}\n')],
        [
            (
                '        input: {domain_name: "ws.example.com\\nx"}',
                'derived[1].vectors[3].input.domain_name: "ws.example.com\\nx" is not printable text without '
                "control characters",
            )
        ],
    ),
    Case(
        "vector_input_of_wrong_type",
        [("        input: {domain_name: ws.example.com}\n", "        input: {domain_name: 3}\n")],
        [
            (
                "        input: {domain_name: 3}",
                "derived[1].vectors[3].input.domain_name: expected a string or a mapping of strings, got integer",
            )
        ],
    ),
    Case(
        "vector_env_values_each_checked",
        [
            (
                "        input: {domain_name: ws.example.com}\n",
                '        input: {domain_name: ws.example.com, env: {AWS_REGION: 3, AWS_DEFAULT_REGION: "a\\nb"}}\n',
            )
        ],
        [
            (
                "        input: {domain_name: ws.example.com, env: {AWS_REGION: 3",
                'derived[1].vectors[3].input.env.AWS_DEFAULT_REGION: "a\\nb" is not printable text without control '
                "characters",
            ),
            (
                "        input: {domain_name: ws.example.com, env: {AWS_REGION: 3",
                "derived[1].vectors[3].input.env.AWS_REGION: expected string, got integer",
            ),
        ],
    ),
    Case(
        "event_path_syntax",
        [("      from: requestContext.identity.userAgent", "      from: requestContext..userAgent")],
        [
            (
                "      from: requestContext..userAgent",
                'context.fields[11].from: "requestContext..userAgent" is not a dotted event path of identifiers '
                "like 'requestContext.connectionId'",
            )
        ],
    ),
    # --- semantics -------------------------------------------------------------------------------
    Case(
        "event_path_root_is_not_an_event_key",
        [("      from: requestContext.identity.userAgent", "      from: context.identity.userAgent")],
        [
            (
                "      from: context.identity.userAgent",
                "context.fields[11].from: event path 'context.identity.userAgent' does not start at an event key; "
                f"allowed roots: {ROOTS}",
            )
        ],
    ),
    Case(
        "base64_flag_root_is_not_an_event_key",
        [("      base64_flag: isBase64Encoded", "      base64_flag: binary")],
        [
            (
                "      base64_flag: binary",
                "context.fields[18].base64_flag: event path 'binary' does not start at an event key; "
                f"allowed roots: {ROOTS}",
            )
        ],
    ),
    Case(
        "duplicate_field_name",
        [("    - name: disconnect_reason\n", "    - name: message_id\n")],
        [
            (
                "    - name: message_id\n      type: string\n      from: requestContext.disconnectReason",
                "context.fields[21].name: duplicate field name 'message_id' (first at context.fields[7].name)",
            )
        ],
    ),
    Case(
        "duplicate_route_key",
        [
            (
                "    doc: Any message no other route key matched.\n",
                "    doc: Any message no other route key matched.\n"
                "  - name: fallback\n    key: $default\n    event_type: MESSAGE\n    doc: A second default.\n",
            )
        ],
        [
            (
                "    key: $default\n    event_type: MESSAGE\n    doc: A second",
                "routes[3].key: duplicate route key '$default' (first at routes[2].key)",
            )
        ],
    ),
    Case(
        "unknown_event_type_in_field",
        [("      events: [DISCONNECT]\n      doc: Close reason", "      events: [DISCONECT]\n      doc: Close reason")],
        [
            (
                "      events: [DISCONECT]",
                "context.fields[21].events[0]: unknown event type 'DISCONECT'; known: CONNECT, DISCONNECT, MESSAGE",
            )
        ],
    ),
    Case(
        "duplicate_event_type_in_field",
        [
            (
                "      events: [DISCONNECT]\n      doc: Close reason",
                "      events: [DISCONNECT, DISCONNECT]\n      doc: Close reason",
            )
        ],
        [
            (
                "      events: [DISCONNECT, DISCONNECT]",
                "context.fields[21].events[1]: duplicate event type 'DISCONNECT' "
                "(first at context.fields[21].events[0])",
            )
        ],
    ),
    Case(
        "unknown_event_type_in_route",
        [("    event_type: MESSAGE\n    doc: Any message", "    event_type: TEXT\n    doc: Any message")],
        [
            (
                "    event_type: TEXT",
                "routes[2].event_type: unknown event type 'TEXT'; known: CONNECT, DISCONNECT, MESSAGE",
            )
        ],
    ),
    Case(
        "route_with_the_wrong_event_type",
        [("    key: $connect\n    event_type: CONNECT", "    key: $connect\n    event_type: MESSAGE")],
        [
            (
                "    event_type: MESSAGE\n    doc: The client is connecting",
                "routes[0].event_type: API Gateway delivers route '$connect' as CONNECT events, not MESSAGE",
            )
        ],
    ),
    Case(
        "unknown_error_in_operation",
        [("PayloadTooLargeException, LimitExceededException]", "PayloadTooLargeException, ThrottlingException]")],
        [
            (
                "PayloadTooLargeException, ThrottlingException]",
                f"streamer.operations[0].errors[3]: unknown AWS error code 'ThrottlingException'; known: {AWS_CODES}",
            )
        ],
    ),
    Case(
        "duplicate_error_in_operation",
        [
            (
                "      errors: [GoneException, ForbiddenException, PayloadTooLargeException",
                "      errors: [GoneException, GoneException, PayloadTooLargeException",
            )
        ],
        [
            (
                "      errors: [GoneException, GoneException",
                "streamer.operations[0].errors[1]: duplicate AWS error code 'GoneException' "
                "(first at streamer.operations[0].errors[0])",
            )
        ],
    ),
    Case(
        "unknown_shape",
        [("      output: connection_info", "      output: connection")],
        [
            (
                "      output: connection\n",
                "streamer.operations[1].output: unknown shape 'connection'; known: connection_info",
            )
        ],
    ),
    Case(
        "unknown_limit_in_max_bytes",
        [("          max_bytes: message_bytes", "          max_bytes: message_size")],
        [
            (
                "          max_bytes: message_size",
                "streamer.operations[0].input[1].max_bytes: unknown limit 'message_size'; "
                "known: connection_seconds, frame_bytes, idle_seconds, message_bytes",
            )
        ],
    ),
    Case(
        "max_bytes_on_a_string_input",
        [
            (
                "          location: path\n          doc: Target connection.",
                "          location: path\n          max_bytes: frame_bytes\n          doc: Target connection.",
            )
        ],
        [
            (
                "          max_bytes: frame_bytes",
                "streamer.operations[0].input[0].max_bytes: max_bytes applies to bytes inputs only",
            )
        ],
    ),
    Case(
        "unknown_error_code_in_message",
        [
            (
                "      code: app.not_found\n      text: route not found",
                "      code: app.missing\n      text: route not found",
            )
        ],
        [
            (
                "      code: app.missing",
                "errors.messages[4].code: unknown error code 'app.missing'; known: app.bad_request, app.conflict, "
                "app.forbidden, app.internal, app.not_found, app.rate_limited, app.too_large, app.unauthorized, "
                "app.unavailable",
            )
        ],
    ),
    Case(
        "class_name_reserved",
        [("        class: ThrottledError", "        class: Exception")],
        [
            (
                "        class: Exception",
                "errors.management.errors[3].class: class name 'Exception' is reserved in a target language; "
                "choose another",
            )
        ],
    ),
    Case(
        "class_name_python_keyword",
        [("        class: ThrottledError", "        class: None")],
        [
            (
                "        class: None",
                "errors.management.errors[3].class: class name 'None' is reserved in a target language; choose another",
            )
        ],
    ),
    Case(
        "duplicate_class_name",
        [("      class: ConnectionInfo", "      class: GoneError")],
        [
            (
                "      class: GoneError\n      doc: What",
                "streamer.shapes[0].class: duplicate class name 'GoneError' "
                "(first at errors.management.errors[0].class)",
            )
        ],
    ),
    Case(
        "field_named_like_a_runtime_context_member",
        [("    - name: disconnect_reason\n", "    - name: text\n")],
        [
            (
                "    - name: text\n",
                "context.fields[21].name: field name 'text' is taken by a runtime context member (app, as_websocket, "
                "broadcast, broadcast_json, connection_metadata, disconnect, get_connection, is_connect_event, "
                "is_disconnect_event, is_message_event, json, lambda_context, management_endpoint, region, "
                "send_json_message, send_message, send_to_tenant, send_to_user, text)",
            )
        ],
    ),
    Case(
        "two_fields_become_one_go_identifier",
        [("    - name: disconnect_reason\n", "    - name: source_i_p\n")],
        [
            (
                "    - name: source_i_p",
                "context.fields[21].name: field 'source_i_p' and 'source_ip' both become 'SourceIP' in Go",
            )
        ],
    ),
    Case(
        "two_fields_become_one_typescript_identifier",
        [
            ("    - name: disconnect_status_code\n", "    - name: message_id2\n"),
            ("    - name: disconnect_reason\n", "    - name: message_id_2\n"),
        ],
        [
            (
                "    - name: message_id_2",
                "context.fields[21].name: field 'message_id_2' and 'message_id2' both become 'messageId2' "
                "in TypeScript",
            ),
        ],
    ),
    Case(
        "two_fields_become_one_go_and_typescript_identifier",
        [
            ("    - name: disconnect_status_code\n", "    - name: close_code1\n"),
            ("    - name: disconnect_reason\n", "    - name: close_code_1\n"),
        ],
        [
            (
                "    - name: close_code_1",
                "context.fields[21].name: field 'close_code_1' and 'close_code1' both become 'CloseCode1' in Go",
            ),
            (
                "    - name: close_code_1",
                "context.fields[21].name: field 'close_code_1' and 'close_code1' both become 'closeCode1' "
                "in TypeScript",
            ),
        ],
    ),
    Case(
        "two_shape_fields_become_one_go_identifier",
        [("        - name: user_agent\n", "        - name: source_i_p\n")],
        [
            (
                "        - name: source_i_p",
                "streamer.shapes[0].fields[3].name: shape field 'source_i_p' and 'source_ip' both become "
                "'SourceIP' in Go",
            )
        ],
    ),
    Case(
        "two_inputs_become_one_go_identifier",
        [("        - name: data\n", "        - name: connection_i_d\n")],
        [
            (
                "        - name: connection_i_d",
                "streamer.operations[0].input[1].name: input 'connection_i_d' and 'connection_id' both become "
                "'ConnectionID' in Go",
            )
        ],
    ),
    Case(
        "two_error_codes_share_one_constant",
        [("    - code: app.conflict\n", "    - code: auth.not_found\n")],
        [
            (
                "    - code: auth.not_found",
                "errors.app[4].code: error codes 'auth.not_found' and 'app.not_found' would share one constant; "
                "the part after the family must differ",
            )
        ],
    ),
    Case(
        "base64_flag_on_a_non_bytes_field",
        [
            (
                "      from: isBase64Encoded\n      events",
                "      from: isBase64Encoded\n      base64_flag: isBase64Encoded\n      events",
            )
        ],
        [
            (
                "      base64_flag: isBase64Encoded\n      events: [CONNECT",
                "context.fields[19].base64_flag: base64_flag applies to bytes fields, not bool",
            )
        ],
    ),
    Case(
        "required_on_a_non_string_field",
        [
            (
                "      from: requestContext.disconnectStatusCode\n",
                "      from: requestContext.disconnectStatusCode\n      required: true\n",
            )
        ],
        [
            (
                "      required: true\n      events: [DISCONNECT]",
                "context.fields[20].required: only string fields can be required, not int",
            )
        ],
    ),
    Case(
        "lowercase_keys_on_a_string_field",
        [
            (
                "      from: requestContext.identity.userAgent\n",
                "      from: requestContext.identity.userAgent\n      lowercase_keys: true\n",
            )
        ],
        [
            (
                "      lowercase_keys: true\n      events: [CONNECT, DISCONNECT, MESSAGE]\n      doc: Client User",
                "context.fields[11].lowercase_keys: lowercase_keys applies to string_map and multi_map, not string",
            )
        ],
    ),
    Case(
        "derived_vector_with_an_unknown_input",
        [("        input: {domain_name: ws.example.com}\n", "        input: {domain: ws.example.com}\n")],
        [
            (
                "        input: {domain: ws.example.com}",
                "derived[1].vectors[3].input.domain: unknown input of region 'domain'; known: domain_name, env",
            )
        ],
    ),
    Case(
        "derived_vector_env_that_is_not_a_mapping",
        [
            (
                "        input: {domain_name: ws.example.com}\n",
                "        input: {domain_name: ws.example.com, env: eu-west-1}\n",
            )
        ],
        [
            (
                "        input: {domain_name: ws.example.com, env: eu-west-1}",
                "derived[1].vectors[3].input.env: env must be a mapping of strings; other inputs are strings",
            )
        ],
    ),
    Case(
        "derived_value_with_an_unsupported_input",
        [("    inputs: [domain_name, env]", "    inputs: [domain_name, env, zone]")],
        [
            (
                "    inputs: [domain_name, env, zone]",
                "derived[1].inputs[2]: unknown input of region 'zone'; known: domain_name, env",
            )
        ],
    ),
    Case(
        "operation_path_parameter_without_an_input",
        [
            (
                "      path: /@connections/{connectionId}\n      doc: Close",
                "      path: /@connections/{id}\n      doc: Close",
            )
        ],
        [
            (
                "      path: /@connections/{id}",
                "streamer.operations[2].path: path parameters ['id'] must match the path inputs "
                "(wire names, first letter lower-cased) ['connectionId']",
            )
        ],
    ),
    Case(
        "missing_runtime_required_operation",
        [("    - name: delete_connection\n", "    - name: close_connection\n")],
        [
            (
                "\n  operations:\n    - name: post_to_connection",
                "streamer.operations: the runtime needs operation(s) delete_connection; add them",
            )
        ],
    ),
    Case(
        "missing_runtime_required_route",
        [("    key: $default", "    key: sendMessage")],
        [("\nroutes:", "routes: the runtime needs route(s) $default; add them")],
    ),
    # --- many problems at once: all reported, sorted by line -------------------------------------
    Case(
        "several_structure_problems_all_reported_sorted",
        [
            ("      method: DELETE", "      method: PUT"),
            ("    max_attempts: 3", "    max_attempts: three"),
            ("      doc: Client User-Agent header.", "      doc: 'Client */ header.'"),
            ("    - name: stage\n", "    - name: Stage\n"),
        ],
        [
            ("    - name: Stage", f'context.fields[4].name: "Stage" is not {SNAKE_HELP}'),
            ("      doc: 'Client */", f'context.fields[11].doc: "Client */ header." is not {DOC_HELP}'),
            ("    max_attempts: three", "streamer.retry.max_attempts: expected integer, got string"),
            (
                "      method: PUT",
                'streamer.operations[2].method: "PUT" is not allowed; allowed: "GET", "POST", "DELETE"',
            ),
        ],
    ),
    Case(
        "several_semantic_problems_all_reported_sorted",
        [
            ("      output: connection_info", "      output: connection"),
            ("    class: ThrottledError", "    class: Exception"),
            ("    - name: disconnect_reason\n", "    - name: text\n"),
            ("      from: requestContext.identity.userAgent", "      from: context.identity.userAgent"),
            ("    key: $default", "    key: sendMessage"),
        ],
        [
            (
                "      from: context.identity.userAgent",
                "context.fields[11].from: event path 'context.identity.userAgent' does not start at an event key; "
                f"allowed roots: {ROOTS}",
            ),
            (
                "    - name: text\n",
                "context.fields[21].name: field name 'text' is taken by a runtime context member (app, as_websocket, "
                "broadcast, broadcast_json, connection_metadata, disconnect, get_connection, is_connect_event, "
                "is_disconnect_event, is_message_event, json, lambda_context, management_endpoint, region, "
                "send_json_message, send_message, send_to_tenant, send_to_user, text)",
            ),
            ("\nroutes:", "routes: the runtime needs route(s) $default; add them"),
            (
                "    class: Exception",
                "errors.management.errors[3].class: class name 'Exception' is reserved in a target language; "
                "choose another",
            ),
            (
                "      output: connection\n",
                "streamer.operations[1].output: unknown shape 'connection'; known: connection_info",
            ),
        ],
    ),
]


STORE_ERRORS = "StoreTableNotFoundError, StoreThrottledError, StoreUnavailableError"
CONNECTION_FIELDS = "created_at, expires_at, id, metadata, principal, tenant_id, user_id"
CASES += [
    # --- connections and store -------------------------------------------------------------------
    Case(
        "connection_record_without_a_key",
        [("      attribute: connection_id\n      key: true\n", "      attribute: connection_id\n")],
        [
            (
                "\n  fields:\n    - name: id\n",
                "connections.fields: exactly one field must be the record's key (key: true); none is",
            )
        ],
    ),
    Case(
        "ttl_on_a_string_field_and_twice",
        [("      attribute: user_id\n", "      attribute: user_id\n      ttl: true\n")],
        [
            (
                "      ttl: true\n      doc: Who connected",
                "connections.fields[1].ttl: the TTL attribute must be a timestamp field, not string",
            ),
            (
                "      ttl: true\n      doc: When the record expires",
                "connections.fields[4].ttl: exactly one field may be the TTL attribute; 'user_id' already is",
            ),
        ],
    ),
    Case(
        "index_on_an_unknown_field_and_a_non_timestamp_sort",
        [
            ("        field: user_id\n", "        field: user\n"),
            (
                "        sort_field: created_at\n        doc: Connections of one tenant",
                "        sort_field: tenant_id\n        doc: Connections of one tenant",
            ),
        ],
        [
            (
                "        field: user\n",
                f"connections.table.indexes[0].field: unknown connection field 'user'; known: {CONNECTION_FIELDS}",
            ),
            (
                "        sort_field: tenant_id",
                "connections.table.indexes[1].sort_field: an index sort_field must be a timestamp field; "
                "'tenant_id' is string",
            ),
        ],
    ),
    Case(
        "store_operation_with_the_wrong_output_and_index",
        [
            ("      output: optional_connection\n", "      output: count\n"),
            ("      index: by_user\n", "      index: by_tenant\n"),
        ],
        [
            (
                "      output: count\n      errors: [StoreThrottledError, StoreUnavailableError, "
                "StoreTableNotFoundError]\n    - name: delete",
                "store.operations[1].output: store operation 'get' returns optional_connection, not count",
            ),
            (
                "      index: by_tenant\n      input:\n        - name: user_id",
                "store.operations[3].index: index 'by_tenant' is partitioned by 'tenant_id', "
                "but the operation takes 'user_id'",
            ),
        ],
    ),
    Case(
        "store_operation_with_an_undeclared_error",
        [
            (
                "      output: count\n      errors: [StoreThrottledError,",
                "      output: count\n      errors: [GoneError,",
            )
        ],
        [
            (
                "      errors: [GoneError,",
                f"store.operations[5].errors[0]: unknown store error 'GoneError'; known: {STORE_ERRORS}",
            )
        ],
    ),
    Case(
        "runtime_record_fields_with_the_wrong_type",
        [
            ("    - name: created_at\n      type: timestamp\n", "    - name: created_at\n      type: string\n"),
            ("        type: string_list\n", "        type: json_map\n"),
        ],
        [
            (
                "      type: string\n      attribute: created_at",
                "connections.fields[3].type: the runtime needs 'created_at' to be a timestamp field, not string",
            ),
            (
                "        type: json_map\n        doc: Scopes",
                "connections.principal.fields[1].type: the runtime needs 'scopes' to be a string_list field, "
                "not json_map",
            ),
            (
                "        sort_field: created_at\n        doc: Connections of one user",
                "connections.table.indexes[0].sort_field: an index sort_field must be a timestamp field; "
                "'created_at' is string",
            ),
            (
                "        sort_field: created_at\n        doc: Connections of one tenant",
                "connections.table.indexes[1].sort_field: an index sort_field must be a timestamp field; "
                "'created_at' is string",
            ),
        ],
    ),
    Case(
        "counter_item_could_collide_with_a_connection",
        [('      partition: "COUNTER#connections"', '      partition: "CONN#counter"')],
        [
            (
                '      partition: "CONN#counter"',
                "connections.table.counter.partition: the counter's partition 'CONN#counter' starts with "
                "item_prefix 'CONN#' and could collide with a connection's item",
            )
        ],
    ),
    Case(
        "missing_runtime_store_operation_and_unknown_lifetime",
        [
            ("    - name: count_active\n", "    - name: count_all\n"),
            ("  lifetime: connection_seconds\n", "  lifetime: connection_hours\n"),
        ],
        [
            (
                "  lifetime: connection_hours",
                "connections.lifetime: unknown limit 'connection_hours'; "
                "known: connection_seconds, frame_bytes, idle_seconds, message_bytes",
            ),
            (
                "\n  operations:\n    - name: save",
                "store.operations: the runtime needs store operation(s) count_active; add them",
            ),
            (
                "    - name: count_all",
                "store.operations[5].name: unknown store operation 'count_all'; "
                "known: count_active, delete, get, list_by_tenant, list_by_user, save",
            ),
        ],
    ),
    Case(
        "store_class_clash_and_an_attribute_taken_by_a_key",
        [
            ("    base: ConnectionStoreError\n", "    base: GoneError\n"),
            ("      attribute: metadata\n", "      attribute: pk\n"),
        ],
        [
            (
                "      attribute: pk\n",
                "connections.fields[5].attribute: attribute 'pk' is taken by connections.table.partition_key",
            ),
            (
                "    base: GoneError",
                "store.errors.base: duplicate class name 'GoneError' (first at errors.management.errors[0].class)",
            ),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_invalid_idl_reports_exactly_these_problems(case: Case) -> None:
    text = IDL_TEXT
    for old, new in case.edits:
        text = mutate(text, old, new)
    expected = [f"{IDL}:{line_at(text, anchor)}: {rest}" for anchor, rest in case.expect]
    assert problems(text) == expected


def test_duplicate_yaml_key_names_both_lines() -> None:
    text = mutate(IDL_TEXT, "    max_attempts: 3\n", "    max_attempts: 3\n    mode: standard\n")
    first = line_at(text, "    mode: standard\n    max_attempts")
    second = line_at(text, "    mode: standard\n    # Timeouts per call")
    assert problems(text) == [f"{IDL}:{second}: duplicate key 'mode' (first defined on line {first})"]


def test_cases_are_many_and_distinct() -> None:
    assert len(CASES) >= 24
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", f"{IDL}:1: the IDL must be a mapping at the top level, got null"),
        ("- version: 1\n", f"{IDL}:1: the IDL must be a mapping at the top level, got list"),
    ],
    ids=["empty_file", "top_level_list"],
)
def test_top_level_must_be_a_mapping(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_problem_string_has_file_line_path_and_message() -> None:
    text = mutate(IDL_TEXT, "      output: connection_info", "      output: connection")
    with pytest.raises(IdlError) as caught:
        build(text)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (
        IDL,
        line_at(text, "      output: connection\n"),
        "streamer.operations[1].output",
    )
    assert problem.message == "unknown shape 'connection'; known: connection_info"
    assert str(caught.value).startswith("invalid IDL (1 problem):\n  idl/apptheory.yaml:")


# --- valid IDLs ----------------------------------------------------------------------------------


def test_real_idl_builds() -> None:
    api = build(IDL_TEXT)
    assert api.source == IDL
    assert {op.name.idl for op in api.streamer.operations} >= {
        "post_to_connection",
        "get_connection",
        "delete_connection",
    }
    assert [r.key for r in api.routes][:3] == ["$connect", "$disconnect", "$default"]


def test_go_initialisms() -> None:
    fields = {f.name.idl: f.name for f in build(IDL_TEXT).fields}
    assert (fields["api_id"].go, fields["api_id"].go_local, fields["api_id"].ts) == ("APIID", "apiID", "apiId")
    assert (fields["source_ip"].go, fields["source_ip"].ts, fields["source_ip"].py) == (
        "SourceIP",
        "sourceIp",
        "source_ip",
    )
    assert fields["connection_id"].go == "ConnectionID"
    assert fields["request_id"].go == "RequestID"


@pytest.mark.parametrize(
    ("name", "py", "ts", "go", "go_local"),
    [
        ("class", "class_", "class_", "Class", "class"),
        ("default", "default", "default_", "Default", "default_"),
        ("type", "type_", "type_", "Type", "type_"),
    ],
)
def test_keyword_names_are_escaped_not_rejected(name: str, py: str, ts: str, go: str, go_local: str) -> None:
    text = mutate(IDL_TEXT, "    - name: disconnect_reason\n", f"    - name: {name}\n")
    field = next(f for f in build(text).fields if f.name.idl == name)
    assert (field.name.py, field.name.ts, field.name.go, field.name.go_local) == (py, ts, go, go_local)


def test_keyword_names_in_shapes_and_inputs_are_escaped() -> None:
    text = mutate(IDL_TEXT, "        - name: user_agent\n", "        - name: type\n")
    text = mutate(text, "        - name: data\n", "        - name: default\n")
    api = build(text)
    (shape,) = api.streamer.shapes
    assert shape.fields[3].name.py == "type_"
    post = next(op for op in api.streamer.operations if op.name.idl == "post_to_connection")
    assert (post.inputs[1].name.py, post.inputs[1].name.ts, post.inputs[1].name.go) == (
        "default",
        "default_",
        "Default",
    )


def test_custom_route_and_folded_one_line_doc_build() -> None:
    # A custom route key arrives as MESSAGE; a folded scalar without a trailing newline is one line.
    text = mutate(
        IDL_TEXT,
        "    doc: Any message no other route key matched.\n",
        "    doc: Any message no other route key matched.\n"
        "  - name: send_message\n    key: sendMessage\n    event_type: MESSAGE\n"
        "    doc: >-\n      Chat message\n      sent by a client.\n",
    )
    route = next(r for r in build(text).routes if r.key == "sendMessage")
    assert route.doc.text == "Chat message sent by a client."
    assert route.key_literal == '"sendMessage"'
