/**
 * The async-solve plumbing shared by the iterative solvers (PDLP, ADMM): native errors mapped to
 * the error taxonomy, and a started native job awaited with its AbortSignal wired to the job's
 * cooperative cancel flag (a running worker cannot be interrupted from outside).
 */
import { CancelledError, HppoError, InvalidArgumentError, SolverError } from '../errors.js';

/** A native error "field: message" with code INVALID_ARGUMENT becomes InvalidArgumentError(field). */
export function mapNativeError(err: unknown, solver: string): Error {
  if (err instanceof HppoError) return err;
  const e = err as Error & { code?: string };
  if (e && e.code === 'INVALID_ARGUMENT') {
    const msg = String(e.message);
    const colon = msg.indexOf(': ');
    return colon > 0 ? new InvalidArgumentError(msg.slice(0, colon), msg.slice(colon + 2), { cause: err }) : new InvalidArgumentError('problem', msg, { cause: err });
  }
  return new SolverError(`${solver}: ${e?.message ?? String(err)}`, { cause: err });
}

export interface NativeJob<R> {
  promise: Promise<R>;
  cancel(): void;
}

/**
 * Starts a native job and waits for it; `signal` aborts it cooperatively. A result with status
 * "cancelled" becomes CancelledError (`what`: "LP solve", "QP solve").
 */
export async function runNativeJob<R extends { status: string; iterations: number }>(
  solver: string,
  what: string,
  start: () => NativeJob<R>,
  signal: AbortSignal | undefined,
): Promise<Omit<R, 'status'> & { status: Exclude<R['status'], 'cancelled'> }> {
  let handle: NativeJob<R>;
  try {
    handle = start();
  } catch (err) {
    throw mapNativeError(err, solver);
  }
  const onAbort = (): void => handle.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  let r: R;
  try {
    r = await handle.promise;
  } catch (err) {
    throw mapNativeError(err, solver);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (r.status === 'cancelled') throw new CancelledError(`${what} cancelled after ${r.iterations} iterations`, { cause: signal?.reason });
  return r as unknown as Omit<R, 'status'> & { status: Exclude<R['status'], 'cancelled'> };
}
