/**
 * Attribute names. The HTTP and messaging ones are OpenTelemetry's stable semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/ and
 * https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/), written out rather than imported from
 * `@opentelemetry/semantic-conventions` to keep this package to the API alone. The `hookinbox.*` ones are ours.
 */
export const ATTR = {
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  userAgent: 'user_agent.original',
  errorType: 'error.type',
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestination: 'messaging.destination.name',
  messagingMessageId: 'messaging.message.id',
  provider: 'hookinbox.provider',
  eventName: 'hookinbox.event.name',
  deliveryId: 'hookinbox.delivery.id',
  outcome: 'hookinbox.outcome',
  attempt: 'hookinbox.attempt',
  deadLettered: 'hookinbox.dead_lettered',
  handler: 'hookinbox.handler.pattern',
} as const;

/** The event of a failed handler call on a `process` span. */
export const HANDLER_FAILED_EVENT = 'hookinbox.handler.failed';

/** Methods the HTTP conventions name; any other is reported as `_OTHER`, keeping the attribute's values few. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

export function httpMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** The path of a request target without its query: a provider may put a shared secret in the query. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** An error's class name for `error.type`: never its message, which may quote a payload. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name || 'Error';
  return typeof error;
}
