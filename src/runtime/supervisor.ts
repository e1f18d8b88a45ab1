/**
 * OTP-style supervision. A Supervisor owns children (actors or nested supervisors) started in
 * order and stopped in reverse order. On a child failure it applies its strategy:
 *   one_for_one  — restart the failed child;
 *   one_for_all  — stop all children, restart all;
 *   rest_for_one — stop and restart the failed child and every child started after it.
 * Restart policy per child: permanent (always restarted), transient (restarted only after a
 * failure, not after a normal stop), temporary (never restarted).
 * Restart intensity: more than `maxRestarts` restarts within `periodMs` → the supervisor stops
 * its children and fails itself, escalating to its parent (the root reports to the system).
 * Restarts wait an exponential backoff with jitter (seeded: reproducible), through the clock.
 */
import { EscalatedError, InvalidArgumentError, toErrorDetail } from '../errors.js';
import type { ActorFactory } from './actor.js';
import { ActorCell, type ChildNode, type Parent } from './cell.js';
import { LifecycleKind } from './events.js';
import { validateSegment } from './subjects.js';
import type { ActorSystem } from './system.js';
import type { TimerHandle } from './clock.js';
import { Rng } from '../util/rng.js';

export const SupervisionStrategy = { OneForOne: 'one_for_one', OneForAll: 'one_for_all', RestForOne: 'rest_for_one' } as const;
export type SupervisionStrategy = (typeof SupervisionStrategy)[keyof typeof SupervisionStrategy];

export const RestartPolicy = { Permanent: 'permanent', Transient: 'transient', Temporary: 'temporary' } as const;
export type RestartPolicy = (typeof RestartPolicy)[keyof typeof RestartPolicy];

export interface BackoffOptions {
  /** First restart delay. Default 10 ms. */
  initialMs?: number;
  /** Cap. Default 5000 ms. */
  maxMs?: number;
  /** Growth per consecutive restart within the intensity period. Default 2. */
  multiplier?: number;
  /** Relative jitter in [0,1): delay × (1 ± jitter). Default 0.2. */
  jitter?: number;
}

export interface SupervisorOptions {
  strategy?: SupervisionStrategy;
  /** Default 3 restarts … */
  maxRestarts?: number;
  /** … within 5000 ms. */
  periodMs?: number;
  backoff?: BackoffOptions;
  /** Seed of the jitter. Default 0. */
  seed?: number;
}

export interface ResolvedSupervisorOptions {
  strategy: SupervisionStrategy;
  maxRestarts: number;
  periodMs: number;
  backoff: Required<BackoffOptions>;
  seed: number;
}

export function compileSupervisorOptions(o: SupervisorOptions = {}): ResolvedSupervisorOptions {
  const r: ResolvedSupervisorOptions = {
    strategy: o.strategy ?? SupervisionStrategy.OneForOne,
    maxRestarts: o.maxRestarts ?? 3,
    periodMs: o.periodMs ?? 5000,
    backoff: {
      initialMs: o.backoff?.initialMs ?? 10,
      maxMs: o.backoff?.maxMs ?? 5000,
      multiplier: o.backoff?.multiplier ?? 2,
      jitter: o.backoff?.jitter ?? 0.2,
    },
    seed: o.seed ?? 0,
  };
  if (!(Object.values(SupervisionStrategy) as string[]).includes(r.strategy)) throw new InvalidArgumentError('strategy', `"${r.strategy}" is not one of ${Object.values(SupervisionStrategy).join(', ')}`);
  if (!Number.isInteger(r.maxRestarts) || r.maxRestarts < 0) throw new InvalidArgumentError('maxRestarts', `must be an integer >= 0, got ${r.maxRestarts}`);
  if (!(r.periodMs > 0)) throw new InvalidArgumentError('periodMs', `must be > 0, got ${r.periodMs}`);
  if (!(r.backoff.initialMs >= 0) || !(r.backoff.maxMs >= r.backoff.initialMs)) throw new InvalidArgumentError('backoff', 'need 0 <= initialMs <= maxMs');
  if (!(r.backoff.multiplier >= 1)) throw new InvalidArgumentError('backoff.multiplier', `must be >= 1, got ${r.backoff.multiplier}`);
  if (!(r.backoff.jitter >= 0 && r.backoff.jitter < 1)) throw new InvalidArgumentError('backoff.jitter', `must be in [0,1), got ${r.backoff.jitter}`);
  return r;
}

export type ChildSpec =
  | { type: 'actor'; id: string; factory: ActorFactory; restart?: RestartPolicy; mailboxCapacity?: number }
  | { type: 'supervisor'; id: string; options?: SupervisorOptions; children: ChildSpec[]; restart?: RestartPolicy };

interface Entry {
  spec: ChildSpec;
  node: ChildNode;
  running: boolean;
}

export class Supervisor implements ChildNode, Parent {
  readonly id: string;
  readonly address: string;
  restarts = 0;
  private entries: Entry[] = [];
  private restartTimes: number[] = [];
  private readonly opts: ResolvedSupervisorOptions;
  private readonly rng: Rng;
  private pendingTimer: TimerHandle | undefined;
  private state: 'new' | 'running' | 'restarting' | 'stopped' | 'failed' = 'new';

  constructor(
    private readonly system: ActorSystem,
    private readonly parent: Parent | undefined,
    id: string,
    address: string,
    options: SupervisorOptions,
    private readonly childSpecs: ChildSpec[],
  ) {
    this.id = id;
    this.address = address;
    this.opts = compileSupervisorOptions(options);
    this.rng = new Rng(`${this.opts.seed}:${address}`);
  }

  get options(): ResolvedSupervisorOptions {
    return this.opts;
  }

  status(): { state: string; restarts: number; mailboxLength: number } {
    return { state: this.state, restarts: this.restarts, mailboxLength: 0 };
  }

  children(): { id: string; address: string; restart: RestartPolicy; state: string; restarts: number; mailboxLength: number; type: string }[] {
    return this.entries.map((e) => ({ id: e.node.id, address: e.node.address, restart: e.spec.restart ?? RestartPolicy.Permanent, type: e.spec.type, ...e.node.status() }));
  }

  /** The node of a direct child by id. */
  child(id: string): ChildNode | undefined {
    return this.entries.find((e) => e.node.id === id)?.node;
  }

  async start(): Promise<void> {
    this.entries = [];
    this.restartTimes = [];
    this.state = 'running';
    for (const spec of this.childSpecs) await this.startChild(spec);
  }

  /** Adds and starts a child (dynamic children, e.g. backtesters of a job). */
  async startChild(spec: ChildSpec): Promise<ChildNode> {
    validateSegment('child id', spec.id);
    if (this.entries.some((e) => e.node.id === spec.id)) throw new InvalidArgumentError('child id', `"${spec.id}" already exists under ${this.address}`);
    const node = this.makeNode(spec);
    const entry: Entry = { spec, node, running: false };
    this.entries.push(entry);
    await node.start();
    entry.running = true;
    this.system.lifecycle({ actor: node.address, parent: this.address, kind: LifecycleKind.Started, restartCount: 0, backoffMs: 0 });
    return node;
  }

  /** Stops and removes a child. */
  async stopChild(id: string): Promise<void> {
    const e = this.entries.find((x) => x.node.id === id);
    if (!e) return;
    this.entries = this.entries.filter((x) => x !== e);
    await e.node.stop();
    this.system.lifecycle({ actor: e.node.address, parent: this.address, kind: LifecycleKind.Stopped, restartCount: e.node.restarts, backoffMs: 0 });
  }

  async stop(): Promise<void> {
    this.pendingTimer?.cancel();
    this.pendingTimer = undefined;
    this.state = 'stopped';
    for (const e of [...this.entries].reverse()) {
      if (!e.running) continue;
      e.running = false;
      await e.node.stop();
      this.system.lifecycle({ actor: e.node.address, parent: this.address, kind: LifecycleKind.Stopped, restartCount: e.node.restarts, backoffMs: 0 });
    }
  }

  private makeNode(spec: ChildSpec): ChildNode {
    const address = `${this.address}/${spec.id}`;
    if (spec.type === 'actor') return new ActorCell(this.system, this, spec.id, spec.factory, spec.mailboxCapacity ?? this.system.defaultMailboxCapacity);
    return new Supervisor(this.system, this, spec.id, address, spec.options ?? {}, spec.children);
  }

  childExited(child: ChildNode): void {
    const e = this.entries.find((x) => x.node === child);
    if (!e) return;
    const policy = e.spec.restart ?? RestartPolicy.Permanent;
    if (policy === RestartPolicy.Permanent) {
      this.handle(e, new Error('permanent child exited'));
      return;
    }
    void this.stopChild(child.id);
  }

  childFailed(child: ChildNode, err: unknown): void {
    const e = this.entries.find((x) => x.node === child);
    if (!e || this.state === 'stopped') return;
    this.system.lifecycle({ actor: child.address, parent: this.address, kind: LifecycleKind.Failed, restartCount: child.restarts, backoffMs: 0, error: toErrorDetail(err) });
    if ((e.spec.restart ?? RestartPolicy.Permanent) === RestartPolicy.Temporary) {
      void this.stopChild(child.id);
      return;
    }
    this.handle(e, err);
  }

  private handle(e: Entry, err: unknown): void {
    const now = this.system.clock.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < this.opts.periodMs);
    if (this.restartTimes.length >= this.opts.maxRestarts) {
      void this.escalate(err);
      return;
    }
    this.restartTimes.push(now);
    const idx = this.entries.indexOf(e);
    let targets: Entry[];
    if (this.opts.strategy === SupervisionStrategy.OneForOne) targets = [e];
    else if (this.opts.strategy === SupervisionStrategy.OneForAll) targets = [...this.entries];
    else targets = this.entries.slice(idx);
    const consecutive = this.restartTimes.length;
    const b = this.opts.backoff;
    const base = Math.min(b.maxMs, b.initialMs * Math.pow(b.multiplier, consecutive - 1));
    const delay = Math.max(0, Math.round(base * (1 + b.jitter * (2 * this.rng.next() - 1))));
    void this.restart(targets, e, delay, err);
  }

  private async restart(targets: Entry[], failed: Entry, delayMs: number, err: unknown): Promise<void> {
    this.state = 'restarting';
    // Stop in reverse start order; the failed child is stopped too (its instance only).
    for (const t of [...targets].reverse()) {
      if (t.node instanceof ActorCell) await t.node.stopInstance();
      else await t.node.stop();
      t.running = false;
    }
    // Temporary siblings are not restarted.
    const toStart = targets.filter((t) => t === failed || (t.spec.restart ?? RestartPolicy.Permanent) !== RestartPolicy.Temporary);
    for (const t of targets) if (!toStart.includes(t)) this.entries = this.entries.filter((x) => x !== t);
    for (const t of toStart) {
      t.node.restarts++;
      this.system.lifecycle({ actor: t.node.address, parent: this.address, kind: LifecycleKind.Restarting, restartCount: t.node.restarts, backoffMs: delayMs, error: t === failed ? toErrorDetail(err) : undefined });
    }
    await new Promise<void>((resolve) => {
      this.pendingTimer = this.system.clock.setTimeout(resolve, delayMs);
    });
    this.pendingTimer = undefined;
    if ((this.state as string) === 'stopped') return;
    this.state = 'running';
    for (const t of toStart) {
      try {
        await t.node.start();
        t.running = true;
        this.system.lifecycle({ actor: t.node.address, parent: this.address, kind: LifecycleKind.Restarted, restartCount: t.node.restarts, backoffMs: delayMs });
      } catch (startErr) {
        this.childFailed(t.node, startErr);
        return;
      }
    }
  }

  private async escalate(err: unknown): Promise<void> {
    const cause = err instanceof Error ? err.message : String(err);
    const escalated = new EscalatedError(`${this.address}: restart intensity exceeded (${this.opts.maxRestarts} restarts in ${this.opts.periodMs} ms); last failure: ${cause}`, { cause: err });
    this.system.lifecycle({ actor: this.address, parent: this.parent?.address ?? '', kind: LifecycleKind.Escalated, restartCount: this.restarts, backoffMs: 0, error: toErrorDetail(escalated) });
    await this.stop();
    this.state = 'failed';
    if (this.parent) this.parent.childFailed(this, escalated);
    else this.system.rootFailed(escalated);
  }
}
