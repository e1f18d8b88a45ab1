/**
 * The embedded default: with no NATS URL configured, hppo runs its own `nats-server -js` on a
 * free loopback port with a temporary storage dir, waits until it accepts connections, and stops
 * it and removes the dir on exit (also on SIGINT/SIGTERM). Debian ships nats-server 2.9.10:
 * nothing here needs 2.10+.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { HppoError, NatsServerMissingError, TransportError } from '../errors.js';
import type { Logger } from '../log.js';

export interface EmbeddedNatsOptions {
  /** Binary path; default HPPO_NATS_SERVER or `nats-server` on PATH (also /usr/sbin, /usr/bin). */
  binary?: string;
  /** Port; default 0 = a free port chosen by the server. */
  port?: number;
  /** JetStream storage dir; default a new temp dir, removed on stop. */
  storeDir?: string;
  jetstream?: boolean;
  /** Max wait for readiness. Default 10 000 ms. */
  startTimeoutMs?: number;
  log?: Logger;
}

export function findNatsServer(binary?: string): string {
  const name = binary ?? process.env['HPPO_NATS_SERVER'] ?? 'nats-server';
  if (name.includes('/')) {
    if (existsSync(name)) return name;
    throw new NatsServerMissingError(name);
  }
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];
  for (const d of dirs) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  throw new NatsServerMissingError(name);
}

const live = new Set<EmbeddedNats>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const s of live) s.killSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const s of live) s.killSync();
      // Re-raise with default behaviour so the exit code says which signal ended us.
      process.kill(process.pid, sig);
    });
  }
}

export class EmbeddedNats {
  readonly binary: string;
  readonly storeDir: string;
  private proc: ChildProcess | undefined;
  private ownsStoreDir: boolean;
  private portNumber = 0;
  private readonly opts: EmbeddedNatsOptions;

  private constructor(opts: EmbeddedNatsOptions) {
    this.opts = opts;
    this.binary = findNatsServer(opts.binary);
    this.ownsStoreDir = opts.storeDir === undefined;
    this.storeDir = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'hppo-nats-'));
    this.portNumber = opts.port ?? 0;
  }

  static async start(opts: EmbeddedNatsOptions = {}): Promise<EmbeddedNats> {
    const s = new EmbeddedNats(opts);
    installExitHooks();
    live.add(s);
    try {
      await s.launch();
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.portNumber}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  private async launch(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', this.portNumber > 0 ? String(this.portNumber) : '-1'];
    if (this.opts.jetstream ?? true) args.push('-js', '-sd', this.storeDir);
    const proc = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const timeoutMs = this.opts.startTimeoutMs ?? 10_000;
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportError(`nats-server did not become ready within ${timeoutMs} ms; output:\n${output.slice(-2000)}`, { retryable: false })), timeoutMs);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const m = /Listening for client connections on [^\s]*:(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new HppoError('TRANSPORT', `cannot start ${this.binary}: ${err.message}`, { cause: err }));
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new TransportError(`nats-server exited during start-up (code ${code}, signal ${signal}); output:\n${output.slice(-2000)}`, { retryable: false }));
      });
    });
    proc.removeAllListeners('exit');
    proc.removeAllListeners('error');
    proc.on('error', () => {});
    // Keep draining its output so the pipe never fills and blocks the server.
    proc.stdout?.removeAllListeners('data');
    proc.stderr?.removeAllListeners('data');
    proc.stdout?.resume();
    proc.stderr?.resume();
    this.portNumber = port;
    await waitForTcp('127.0.0.1', port, timeoutMs);
    this.opts.log?.info({ url: this.url, pid: proc.pid, storeDir: this.storeDir }, 'embedded nats-server started');
  }

  /** Kills the server (SIGKILL) without removing the store: for failure tests. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
    this.proc = undefined;
  }

  /** Starts the server again on the same port and store (after kill()). */
  async restart(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => p.kill('SIGKILL'), 3000);
        p.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        p.kill('SIGTERM');
      });
    }
    this.proc = undefined;
    live.delete(this);
    if (this.ownsStoreDir) rmSync(this.storeDir, { recursive: true, force: true });
  }

  killSync(): void {
    try {
      this.proc?.kill('SIGKILL');
    } catch {
      // already gone
    }
    if (this.ownsStoreDir) rmSync(this.storeDir, { recursive: true, force: true });
  }
}

async function waitForTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new TransportError(`nats-server at ${host}:${port} does not accept connections`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
