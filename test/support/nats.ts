/**
 * Integration-test support: a real nats-server on a free loopback port (embedded runtime code:
 * waits for readiness, fails fast if it exits, removes its storage dir), and child processes
 * running fixture scripts with the same loader as the test (tsx or compiled JS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedNats } from '../../src/runtime/embedded-nats.js';

export async function startNats(): Promise<EmbeddedNats> {
  return EmbeddedNats.start({ startTimeoutMs: 15_000 });
}

/** Path of a fixture next to the compiled or source test (same extension as this file). */
export function fixturePath(name: string): string {
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const p = join(dirname(here), '..', 'fixtures', `${name}${ext}`);
  if (!existsSync(p)) throw new Error(`fixture ${p} not found`);
  return p;
}

export interface ChildHandle {
  proc: ChildProcess;
  output(): string;
  /** Resolves when the child printed a line containing `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export function runFixture(name: string, env: Record<string, string>): ChildHandle {
  const proc = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), fixturePath(name)], {
    env: { ...process.env, ...env, NODE_TEST_CONTEXT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const onData = (b: Buffer): void => {
    out += b.toString();
    for (const w of [...waiters]) {
      if (out.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  return {
    proc,
    output: () => out,
    waitFor(text, timeoutMs = 15_000) {
      if (out.includes(text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child ${name} did not print "${text}" within ${timeoutMs} ms; output:\n${out}`)), timeoutMs);
        const exit = (code: number | null): void => {
          clearTimeout(t);
          reject(new Error(`child ${name} exited (${code}) before printing "${text}"; output:\n${out}`));
        };
        proc.once('exit', exit);
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(t);
            proc.off('exit', exit);
            resolve();
          },
        });
      });
    },
    kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    },
  };
}
