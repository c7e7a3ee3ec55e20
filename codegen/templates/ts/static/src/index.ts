/**
 * AppTheory WebSockets for TypeScript: API Gateway WebSocket apps on Lambda.
 *
 * Only this package's own modules load here; the AWS SDK is imported on the first real management
 * call, and the strict fake lives in "./testkit" so the runtime never loads it.
 */

export {
  App,
  UnknownEventError,
  createApp,
  isWebSocketEvent,
  type AppOptions,
  type ClientFactory,
  type Handler,
  type LambdaHandler,
  type Middleware,
} from "./app.js";
export {
  BroadcastResult,
  ConfigurationError,
  Context,
  DEFAULT_BROADCAST_CONCURRENCY,
  WebSocketContext,
  type BroadcastOptions,
  type LambdaContext,
} from "./context.js";
export * as connections from "./connections.js";
export { EventError, type EventRecord, type MultiMap, type StringMap } from "./event.js";
export * from "./generated/constants.js";
export {
  APP_ERROR_STATUS,
  AppError,
  AppErrorCode,
  ErrorMessage,
  ForbiddenError,
  GoneError,
  InvalidConnectionError,
  ManagementError,
  Messages,
  PayloadTooLargeError,
  ServerError,
  ThrottledError,
  managementError,
  type AppErrorOptions,
  type ManagementErrorClass,
  type ManagementErrorOptions,
} from "./generated/errors.js";
export { JsonEncodingError, encodeCanonicalJson, encodeJson, type JsonValue } from "./json.js";
export type { ConnectionInfo, ManagementClient } from "./generated/streamer.js";
export {
  Response,
  fromResult,
  type HandlerResult,
  type HeaderValues,
  type Headers,
  type ProxyResponse,
} from "./response.js";
export * as streamer from "./streamer.js";
