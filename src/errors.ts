/**
 * The one error taxonomy of hppo. Every error that crosses a process boundary (NATS, gRPC,
 * worker threads) travels as `ErrorDetail {code, message, retryable}` and is rebuilt on the other
 * side as the same class by `errorFromDetail`.
 *
 * Outcomes are not errors: a solver stopping at its iteration limit or proving infeasibility
 * returns a result with that status. Errors are for work that could not run or was cancelled.
 */

export const ErrorCode = {
  Internal: 'INTERNAL',
  InvalidArgument: 'INVALID_ARGUMENT',
  Config: 'CONFIG',
  Data: 'DATA',
  Parse: 'PARSE',
  Cancelled: 'CANCELLED',
  Timeout: 'TIMEOUT',
  MailboxFull: 'MAILBOX_FULL',
  ActorNotFound: 'ACTOR_NOT_FOUND',
  ActorStopped: 'ACTOR_STOPPED',
  Codec: 'CODEC',
  Transport: 'TRANSPORT',
  NatsServerMissing: 'NATS_SERVER_MISSING',
  NativeUnavailable: 'NATIVE_UNAVAILABLE',
  DeviceUnavailable: 'DEVICE_UNAVAILABLE',
  Solver: 'SOLVER',
  Escalated: 'ESCALATED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorDetailLike {
  code: string;
  message: string;
  retryable: boolean;
}

export class HppoError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }

  toDetail(): ErrorDetailLike {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** A bad argument: names the field, the value received and what was expected. */
export class InvalidArgumentError extends HppoError {
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidArgument, `${field}: ${message}`, options);
    this.field = field;
  }
}

/** A configuration file or options object that cannot be used; `path` is e.g. "search.algorithm". */
export class ConfigError extends HppoError {
  readonly path: string;
  readonly file: string | undefined;
  constructor(path: string, message: string, options?: { file?: string; cause?: unknown }) {
    super(ErrorCode.Config, `${options?.file ? `${options.file}: ` : ''}${path}: ${message}`, options);
    this.path = path;
    this.file = options?.file;
  }
}

/** Input data that cannot be used (prices, calendars, manifests). */
export class DataError extends HppoError {
  readonly source: string | undefined;
  readonly line: number | undefined;
  constructor(message: string, options?: { source?: string; line?: number; cause?: unknown }) {
    const where = options?.source ? `${options.source}${options.line !== undefined ? `:${options.line}` : ''}: ` : '';
    super(ErrorCode.Data, `${where}${message}`, options);
    this.source = options?.source;
    this.line = options?.line;
  }
}

/** A file that does not follow its format (MPS, QPS, CSV...), with the 1-based line number. */
export class ParseError extends HppoError {
  readonly source: string;
  readonly line: number;
  constructor(source: string, line: number, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Parse, `${source}:${line}: ${message}`, options);
    this.source = source;
    this.line = line;
  }
}

export class CancelledError extends HppoError {
  constructor(message = 'cancelled', options?: { cause?: unknown }) {
    super(ErrorCode.Cancelled, message, options);
  }
}

export class TimeoutError extends HppoError {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(ErrorCode.Timeout, message, { ...options, retryable: true });
    this.timeoutMs = timeoutMs;
  }
}

export class MailboxFullError extends HppoError {
  readonly actor: string;
  readonly capacity: number;
  constructor(actor: string, capacity: number) {
    super(ErrorCode.MailboxFull, `mailbox of ${actor} is full (capacity ${capacity})`, { retryable: true });
    this.actor = actor;
    this.capacity = capacity;
  }
}

export class ActorNotFoundError extends HppoError {
  readonly actor: string;
  constructor(actor: string) {
    super(ErrorCode.ActorNotFound, `no actor at ${actor}`, { retryable: true });
    this.actor = actor;
  }
}

export class ActorStoppedError extends HppoError {
  readonly actor: string;
  constructor(actor: string, message?: string) {
    super(ErrorCode.ActorStopped, message ?? `actor ${actor} stopped`, { retryable: true });
    this.actor = actor;
  }
}

export class CodecError extends HppoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Codec, message, options);
  }
}

export class TransportError extends HppoError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(ErrorCode.Transport, message, { retryable: true, ...options });
  }
}

export class NatsServerMissingError extends HppoError {
  constructor(binary: string) {
    super(
      ErrorCode.NatsServerMissing,
      `nats-server not found (looked for "${binary}"). Install it with "apt-get install -y nats-server" ` +
        `(Debian/Ubuntu), set HPPO_NATS_SERVER to its path, or set HPPO_NATS_URL to use a running server.`,
    );
  }
}

export class NativeUnavailableError extends HppoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.NativeUnavailable, message, options);
  }
}

export class DeviceUnavailableError extends HppoError {
  constructor(message: string) {
    super(ErrorCode.DeviceUnavailable, message);
  }
}

/** The native solver could not run (out of memory, device failure...). Not for solve statuses. */
export class SolverError extends HppoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Solver, message, options);
  }
}

export class EscalatedError extends HppoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Escalated, message, options);
  }
}

const classByCode: Partial<Record<ErrorCode, { prototype: HppoError; name: string }>> = {
  [ErrorCode.InvalidArgument]: InvalidArgumentError,
  [ErrorCode.Config]: ConfigError,
  [ErrorCode.Data]: DataError,
  [ErrorCode.Parse]: ParseError,
  [ErrorCode.Cancelled]: CancelledError,
  [ErrorCode.Timeout]: TimeoutError,
  [ErrorCode.MailboxFull]: MailboxFullError,
  [ErrorCode.ActorNotFound]: ActorNotFoundError,
  [ErrorCode.ActorStopped]: ActorStoppedError,
  [ErrorCode.Codec]: CodecError,
  [ErrorCode.Transport]: TransportError,
  [ErrorCode.NatsServerMissing]: NatsServerMissingError,
  [ErrorCode.NativeUnavailable]: NativeUnavailableError,
  [ErrorCode.DeviceUnavailable]: DeviceUnavailableError,
  [ErrorCode.Solver]: SolverError,
  [ErrorCode.Escalated]: EscalatedError,
};

function isKnownCode(code: string): code is ErrorCode {
  return (Object.values(ErrorCode) as string[]).includes(code);
}

/**
 * Rebuilds an error received as ErrorDetail as the same class (instanceof works; structured
 * fields that the detail does not carry stay undefined). Unknown codes become INTERNAL.
 */
export function errorFromDetail(d: ErrorDetailLike): HppoError {
  const code = isKnownCode(d.code) ? d.code : ErrorCode.Internal;
  const err = new HppoError(code, d.message, { retryable: d.retryable });
  const cls = classByCode[code];
  if (cls) {
    Object.setPrototypeOf(err, cls.prototype);
    err.name = cls.name;
  }
  return err;
}

/** Any thrown value as an ErrorDetail (non-hppo errors become INTERNAL, not retryable). */
export function toErrorDetail(err: unknown): ErrorDetailLike {
  if (err instanceof HppoError) return err.toDetail();
  if (err instanceof Error) return { code: ErrorCode.Internal, message: err.message, retryable: false };
  return { code: ErrorCode.Internal, message: String(err), retryable: false };
}
