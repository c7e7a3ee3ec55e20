/**
 * The connection store (docs/connections.md): the record, the ConnectionStore interface, its typed errors, the
 * in-memory store, the strict fake and the DynamoDB store, generated from the IDL's connections and store
 * sections. @aws-sdk/client-dynamodb loads on the DynamoDB store's first call, never on import.
 */

export * from "./generated/store.js";
export { encodePythonJson } from "./pyjson.js";
