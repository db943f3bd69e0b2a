// The one error type the SDK rejects and emits with.
//
// `code` is the protocol's Error.Code name (FORBIDDEN, CONFLICT, UNAUTHENTICATED, ...) when the
// server answered with an error, or one of the SDK's own:
//   CLOSED        the client was closed before the command could be answered
//   DISCONNECTED  the connection was lost after the command was sent and before its reply, and
//                 the command is not one the SDK may safely send again (its outcome is unknown)
//   TIMEOUT       no reply within the configured time
//   HTTP          an HTTP call failed without a protocol error body (`status` says how)

export class MusterError extends Error {
  /** Error.Code name, or CLOSED | DISCONNECTED | TIMEOUT | HTTP. */
  readonly code: string;
  /** Milliseconds after which a retry may succeed (RATE_LIMITED, UNAVAILABLE); 0 when unknown. */
  readonly retryAfterMs: number;
  /** HTTP status, for errors of the HTTP API. */
  readonly status?: number;

  constructor(code: string, message: string, options: { retryAfterMs?: number; status?: number } = {}) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'MusterError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs ?? 0;
    if (options.status !== undefined) this.status = options.status;
  }

  /** From a protocol Error ({code, message, retryAfterMs}). */
  static from(error: { code?: string; message?: string; retryAfterMs?: number }, status?: number): MusterError {
    return new MusterError(error.code || 'INTERNAL', error.message ?? '', {
      retryAfterMs: error.retryAfterMs ?? 0,
      ...(status !== undefined ? { status } : {}),
    });
  }
}
