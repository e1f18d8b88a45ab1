/**
 * The only module that imports pino. Everything else receives a `Logger` (a child carrying
 * `component` and ids such as `nodeId`, `actorId`, `jobId`). Messages are constant strings;
 * variables go in fields; errors under `err`.
 *
 * Level: HPPO_LOG_LEVEL (trace|debug|info|warn|error|silent), default "info"; tests default to
 * "silent" unless HPPO_LOG_LEVEL is set. Logs go to stderr so --json output on stdout stays clean.
 */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

let root: Logger | undefined;

function defaultLevel(): LogLevel {
  const env = process.env['HPPO_LOG_LEVEL'];
  if (env) return env as LogLevel;
  if (process.env['NODE_TEST_CONTEXT'] !== undefined) return 'silent';
  return 'info';
}

export function rootLogger(): Logger {
  root ??= pino({ level: defaultLevel(), base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
  return root;
}

/** A child of the root logger carrying `component` and any ids. */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}

/** A logger that drops everything (for library callers that pass none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
