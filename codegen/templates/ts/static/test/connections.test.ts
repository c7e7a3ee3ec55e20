/**
 * The connection store: one behaviour suite against moto's DynamoDB-compatible server and the in-memory store
 * (the Python suite's cases), the layout, error mapping, a table shared with Python's store, and the fake.
 *
 * The DynamoDB tests need APPTHEORY_TEST_DYNAMODB_ENDPOINT (scripts/test-ts starts moto and sets it); without it
 * they FAIL. APPTHEORY_TEST_DYNAMODB=skip skips them for a quick local run. The cross-language test runs Python
 * (APPTHEORY_TEST_PYTHON, default the project's .venv).
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { test, type TestContext } from "node:test";

import { ScanCommand } from "@aws-sdk/client-dynamodb";

import {
  ConnectionStoreError,
  DynamoDBConnectionStore,
  FakeConnectionStore,
  InMemoryConnectionStore,
  LIFETIME_MS,
  StoreTableNotFoundError,
  StoreThrottledError,
  StoreUnavailableError,
  createTable,
  encodePythonJson,
  principalToJson,
  type Connection,
  type ConnectionInput,
  type ConnectionStore,
} from "../src/connections.js";

Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_SESSION_TOKEN: "testing",
  AWS_CONFIG_FILE: "/nonexistent/aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
});

const T0 = new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 123));
const HOUR = 3600_000;

/** moto's URL; a missing one fails the test unless DynamoDB tests are opted out. */
function endpoint(t: TestContext): string | undefined {
  const ep = process.env["APPTHEORY_TEST_DYNAMODB_ENDPOINT"];
  if (ep) return ep;
  if (process.env["APPTHEORY_TEST_DYNAMODB"] === "skip") {
    t.skip("APPTHEORY_TEST_DYNAMODB=skip: DynamoDB tests skipped (local use only)");
    return undefined;
  }
  throw new Error(
    "APPTHEORY_TEST_DYNAMODB_ENDPOINT is not set: the DynamoDB tests need moto's server (scripts/test-ts starts " +
      "one; or run `.venv/bin/moto_server -H 127.0.0.1 -p PORT` and set it to http://127.0.0.1:PORT). " +
      "APPTHEORY_TEST_DYNAMODB=skip skips them for a local run.",
  );
}

async function newTable(ep: string): Promise<DynamoDBConnectionStore> {
  const tableName = `connections-${randomBytes(6).toString("hex")}`;
  await createTable(tableName, { region: "us-east-1", endpoint: ep });
  return new DynamoDBConnectionStore({ tableName, region: "us-east-1", endpoint: ep });
}

/** Run a case against the in-memory store and a fresh moto table. */
function suite(name: string, body: (store: ConnectionStore) => Promise<void>): void {
  test(`${name} (memory)`, () => body(new InMemoryConnectionStore()));
  test(`${name} (dynamodb)`, async (t) => {
    const ep = endpoint(t);
    if (ep !== undefined) await body(await newTable(ep));
  });
}

function conn(id: string, userId = "", tenantId = "", createdAt: Date | null = T0, more: Partial<Connection> = {}) {
  return { id, userId, tenantId, createdAt, expiresAt: new Date(Date.now() + HOUR), ...more } as ConnectionInput;
}

const ids = (list: Connection[]) => list.map((c) => c.id);
const principal = { subject: "u-1", scopes: ["chat:read", "chat:write"], claims: { iss: "dev", n: 3, x: [1, null] } };

suite("save then get round-trips every field", async (store) => {
  const expiresAt = new Date(Date.UTC(2099, 0, 1, 0, 0, 0, 900));
  await store.save(conn("c1", "u-1", "t-1", T0, { metadata: { room: "lobby", é: "ü" }, principal, expiresAt }));
  assert.deepEqual(await store.get("c1"), {
    id: "c1",
    userId: "u-1",
    tenantId: "t-1",
    createdAt: T0, // kept to the millisecond
    expiresAt: new Date(Date.UTC(2099, 0, 1)), // kept to the second
    metadata: { room: "lobby", é: "ü" },
    principal,
  });
});

suite("save fills createdAt and expiresAt from the lifetime", async (store) => {
  const before = Date.now() - 1000;
  await store.save({ id: "c1" });
  const got = (await store.get("c1"))!;
  const created = got.createdAt!.getTime();
  assert.ok(before <= created && created <= Date.now());
  assert.equal(LIFETIME_MS, 2 * HOUR);
  const expires = got.expiresAt!.getTime();
  assert.ok(created + LIFETIME_MS - 1000 <= expires && expires <= created + LIFETIME_MS);
  assert.deepEqual([got.userId, got.tenantId, got.metadata, got.principal], ["", "", {}, null]);
});

suite("get of an absent id is undefined, not an error", async (store) => {
  assert.equal(await store.get("nope"), undefined);
});

suite("saving the same id twice replaces it and counts it once", async (store) => {
  await store.save(conn("c1", "u-1", "", T0, { metadata: { v: "1" } }));
  await store.save(conn("c1", "u-2", "", T0, { metadata: { v: "2" } }));
  assert.equal(await store.countActive(), 1);
  const got = (await store.get("c1"))!;
  assert.deepEqual([got.userId, got.metadata], ["u-2", { v: "2" }]);
  assert.deepEqual(await store.listByUser("u-1"), []);
  assert.deepEqual(ids(await store.listByUser("u-2")), ["c1"]);
});

suite("deleting twice uncounts once and an absent delete is a no-op", async (store) => {
  await store.delete("never-saved");
  assert.equal(await store.countActive(), 0);
  await store.save(conn("c1"));
  await store.save(conn("c2"));
  assert.equal(await store.countActive(), 2);
  await store.delete("c1");
  await store.delete("c1");
  assert.equal(await store.countActive(), 1);
  assert.equal(await store.get("c1"), undefined);
  await store.delete("c2");
  await store.delete("c2");
  assert.equal(await store.countActive(), 0);
  await store.save(conn("c1")); // saved again after a delete: counted again
  assert.equal(await store.countActive(), 1);
});

suite("listByUser and listByTenant are oldest first and exact", async (store) => {
  await store.save(conn("c3", "u-1", "t-1", new Date(T0.getTime() + 3000)));
  await store.save(conn("c1", "u-1", "t-2", new Date(T0.getTime() + 1000)));
  await store.save(conn("c2", "u-2", "t-1", new Date(T0.getTime() + 2000)));
  await store.save(conn("c4", "", "", T0)); // anonymous: in no index
  await store.save(conn("c5", "u-10", "t-10", T0)); // a longer id sharing a prefix is another user
  assert.deepEqual(ids(await store.listByUser("u-1")), ["c1", "c3"]);
  assert.deepEqual(ids(await store.listByUser("u-2")), ["c2"]);
  assert.deepEqual(ids(await store.listByTenant("t-1")), ["c2", "c3"]);
  assert.deepEqual(ids(await store.listByTenant("t-2")), ["c1"]);
  assert.deepEqual(await store.listByUser(""), []);
  assert.deepEqual(await store.listByTenant(""), []);
  assert.deepEqual(await store.listByUser("nobody"), []);
});

suite("expired records are left out of reads but stay counted until deleted", async (store) => {
  await store.save(conn("old", "u-1", "t-1", T0, { expiresAt: new Date(Date.now() - 5000) }));
  await store.save(conn("new", "u-1", "t-1"));
  assert.equal(await store.get("old"), undefined);
  assert.deepEqual(ids(await store.listByUser("u-1")), ["new"]);
  assert.deepEqual(ids(await store.listByTenant("t-1")), ["new"]);
  assert.equal(await store.countActive(), 2);
  await store.delete("old");
  assert.equal(await store.countActive(), 1);
});

suite("an invalid id is a TypeError before any call", async (store) => {
  for (const bad of ["", "  ", null, 7]) {
    await assert.rejects(store.get(bad as string), {
      name: "TypeError",
      message: /^get: connection id must be a non-empty string, got /,
    });
    await assert.rejects(store.delete(bad as string), { message: /^delete: connection id must be a non-empty/ });
  }
});

// --- DynamoDB only ---------------------------------------------------------------------------------

async function scan(store: DynamoDBConnectionStore) {
  const answer = await (await store.sdkClient).send(new ScanCommand({ TableName: store.tableName }));
  return new Map((answer.Items ?? []).map((i) => [`${i["pk"]!.S} ${i["sk"]!.S}`, i]));
}

test("table layout: the record item and the counter item", async (t) => {
  const ep = endpoint(t);
  if (ep === undefined) return;
  const store = await newTable(ep);
  await store.save(conn("c1", "u-1", "t-1", T0, { expiresAt: new Date(Date.UTC(2099, 0, 1)) }));
  const items = await scan(store);
  assert.deepEqual([...items.keys()].sort(), ["CONN#c1 META", "COUNTER#connections ACTIVE"]);
  assert.deepEqual(items.get("CONN#c1 META"), {
    pk: { S: "CONN#c1" },
    sk: { S: "META" },
    connection_id: { S: "c1" },
    user_id: { S: "u-1" },
    tenant_id: { S: "t-1" },
    created_at: { N: "1796040000123" },
    expires_at: { N: "4070908800" },
  });
  assert.deepEqual(items.get("COUNTER#connections ACTIVE")!["active_count"], { N: "1" });
});

test("a missing table is a typed error", async (t) => {
  const ep = endpoint(t);
  if (ep === undefined) return;
  const store = new DynamoDBConnectionStore({ tableName: "no-such-table", region: "us-east-1", endpoint: ep });
  const err = await store.get("c1").then(
    () => assert.fail("no error"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StoreTableNotFoundError && err instanceof ConnectionStoreError);
  assert.deepEqual([err.operation, err.code, err.retryable], ["get", "ResourceNotFoundException", false]);
  assert.ok(err.cause !== undefined);
  await assert.rejects(store.save(conn("c1")), StoreTableNotFoundError);
  await assert.rejects(store.countActive(), StoreTableNotFoundError);
});

test("an unreachable store is the retryable network error", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  const store = new DynamoDBConnectionStore({
    tableName: "t",
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${port}`,
  });
  const err = await store.countActive().then(
    () => assert.fail("no error"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StoreUnavailableError);
  assert.deepEqual([err.operation, err.retryable], ["count_active", true]);
  assert.match(err.message, /^count_active: /);
});

test("the table name comes from the environment", () => {
  process.env["APPTHEORY_CONNECTIONS_TABLE"] = "from-env";
  try {
    assert.equal(new DynamoDBConnectionStore().tableName, "from-env");
  } finally {
    delete process.env["APPTHEORY_CONNECTIONS_TABLE"];
  }
  assert.throws(() => new DynamoDBConnectionStore(), {
    message: "no connections table: pass tableName or set APPTHEORY_CONNECTIONS_TABLE",
  });
});

// --- the table shared with Python -------------------------------------------------------------------

const PYTHON_SCRIPT = `
import sys
from datetime import UTC, datetime
from apptheory.connections import Connection, DynamoDBConnectionStore, Principal
mode, endpoint, table = sys.argv[1:4]
store = DynamoDBConnectionStore(table, region="us-east-1", endpoint_url=endpoint)
record = Connection(
    id="c1", user_id="u-1", tenant_id="t-1",
    created_at=datetime(2026, 11, 30, 12, 0, 0, 123000, tzinfo=UTC),
    expires_at=datetime(2099, 1, 1, tzinfo=UTC),
    metadata={"room": "lobby", "é": "ü", "q": "\\"\\\\\\n<&>"},
    principal=Principal(subject="u-1", scopes=("chat:read", "chat:write"),
        claims={"iss": "dev", "n": 3, "f": 1.5, "big": 1e16, "x": [1, None, True], "z": {"b": "é", "a": "\\u2028"}, "é": "\\u0001"}),
)
if mode == "write":
    store.save(record)
    store.save(Connection(id="c2", user_id="u-1"))
else:
    got = store.get("c1")
    assert got == record, (got, record)
    print(",".join(c.id for c in store.list_by_user("u-1")), store.count_active())
`;

const interopRecord: Connection = {
  id: "c1",
  userId: "u-1",
  tenantId: "t-1",
  createdAt: T0,
  expiresAt: new Date(Date.UTC(2099, 0, 1)),
  metadata: { room: "lobby", é: "ü", q: '"\\\n<&>' },
  principal: {
    subject: "u-1",
    scopes: ["chat:read", "chat:write"],
    claims: { iss: "dev", n: 3, f: 1.5, big: 1e16, x: [1, null, true], z: { b: "é", a: "\u2028" }, é: "\u0001" },
  },
};

function python(...args: string[]): string {
  const exe =
    process.env["APPTHEORY_TEST_PYTHON"] || fileURLToPath(new URL("../../../../.venv/bin/python", import.meta.url));
  if (!existsSync(exe)) {
    throw new Error(`the cross-language test runs Python's store: ${exe} not found (set APPTHEORY_TEST_PYTHON)`);
  }
  return execFileSync(exe, ["-c", PYTHON_SCRIPT, ...args], { encoding: "utf8" }).trim();
}

test("a table written by Python is read by TypeScript, and the items are the same bytes", async (t) => {
  const ep = endpoint(t);
  if (ep === undefined) return;
  const [fromPython, fromTs] = await Promise.all([newTable(ep), newTable(ep)]);
  python("write", ep, fromPython.tableName);
  await fromTs.save(interopRecord);
  await fromTs.save({ id: "c2", userId: "u-1" });
  const key = "CONN#c1 META";
  const [py, ts] = [(await scan(fromPython)).get(key), (await scan(fromTs)).get(key)];
  assert.deepEqual(ts, py);
  assert.equal(
    ts!["principal"]!.S,
    '{"claims":{"big":1e+16,"f":1.5,"iss":"dev","n":3,"x":[1,null,true],"z":{"a":"\u2028","b":"é"},"é":"\\u0001"},' +
      '"scopes":["chat:read","chat:write"],"subject":"u-1"}',
  );
  assert.deepEqual(await fromPython.get("c1"), interopRecord);
  assert.equal(await fromPython.countActive(), 2);
  await fromPython.delete("c2");
  assert.equal(python("check", ep, fromTs.tableName), "c1,c2 2");
  await fromTs.delete("c2");
  assert.equal(python("check", ep, fromTs.tableName), "c1 1");
});

// --- the strict fake ---------------------------------------------------------------------------------

test("the fake records calls and behaves like the in-memory store", async () => {
  const fake = new FakeConnectionStore([conn("c1", "u-1")]);
  const c2 = conn("c2", "u-1");
  await fake.save(c2);
  assert.deepEqual(ids(await fake.listByUser("u-1")), ["c1", "c2"]);
  assert.equal(await fake.get("zz"), undefined);
  await fake.delete("c1");
  assert.equal(await fake.countActive(), 1);
  assert.deepEqual(fake.calls, [
    { op: "save", args: [c2] },
    { op: "list_by_user", args: ["u-1"] },
    { op: "get", args: ["zz"] },
    { op: "delete", args: ["c1"] },
    { op: "count_active", args: [] },
  ]);
  assert.deepEqual(ids(fake.records()), ["c2"]);
});

test("the fake injects a declared error once or sticky", async () => {
  const fake = new FakeConnectionStore();
  fake.fail("save", "StoreThrottledError");
  await assert.rejects(fake.save(conn("c1")), (err: unknown) => {
    assert.ok(err instanceof StoreThrottledError);
    assert.equal(err.message, "save: injected by FakeConnectionStore");
    assert.equal(err.retryable, true);
    return true;
  });
  await fake.save(conn("c1")); // once: the next call succeeds
  fake.fail("get", "StoreUnavailableError", { sticky: true });
  await assert.rejects(fake.get("c1"), StoreUnavailableError);
  await assert.rejects(fake.get("c1"), StoreUnavailableError);
  assert.equal(await fake.countActive(), 1); // other operations are unaffected
  fake.clearFailures();
  assert.notEqual(await fake.get("c1"), undefined);
  assert.deepEqual(
    fake.calls.map((c) => c.op),
    ["save", "save", "get", "get", "count_active", "get"],
  );
});

test("the fake refuses undeclared errors and unknown operations", () => {
  const fake = new FakeConnectionStore();
  assert.throws(() => fake.fail("save", "GoneError"), {
    message:
      'save does not declare "GoneError"; it declares: StoreThrottledError, StoreUnavailableError, StoreTableNotFoundError',
  });
  assert.throws(() => fake.fail("put", "StoreThrottledError"), {
    message: 'unknown store operation "put"; known: save, get, delete, list_by_user, list_by_tenant, count_active',
  });
});

test("encodePythonJson writes what Python's json.dumps writes", () => {
  const cases: [Parameters<typeof encodePythonJson>[0], string][] = [
    [{ b: 1, a: [true, false, null] }, '{"a":[true,false,null],"b":1}'],
    [1e16, "1e+16"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [123.25, "123.25"],
    [1.5e300, "1.5e+300"],
    [-7, "-7"],
    ['\x00\x1f\b\f\n\r\t"\\\x7f<>&\u2028é😀', '"\\u0000\\u001f\\b\\f\\n\\r\\t\\"\\\\\x7f<>&\u2028é😀"'],
    [{ "\uffff": 1, "😀": 2, z: 3 }, '{"z":3,"\uffff":1,"😀":2}'],
  ];
  for (const [value, want] of cases) assert.equal(encodePythonJson(value), want);
  assert.equal(principalToJson({ subject: "s", scopes: [], claims: {} }), '{"claims":{},"scopes":[],"subject":"s"}');
});
