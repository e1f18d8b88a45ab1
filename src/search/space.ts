/**
 * Parameter spaces: continuous (optionally log scale, optionally stepped), integer (stepped) and
 * categorical parameters, defaults, and constraints between parameters. Every numeric algorithm
 * works in the unit hypercube [0,1]^d, one dimension per parameter:
 *  - float: (v - low) / (high - low), in log space when `log`; with a step the decoded value is
 *    snapped to low + i*step (rounded to the step's decimals so 0.1 + 7*0.01 prints as 0.17);
 *  - int and stepped float: the continuous relaxation, rounded to the nearest allowed value on
 *    decode (linear: each value owns an equal slice of [0,1]; log: rounded in value space);
 *  - categorical: index encoding, choice i owns [i/k, (i+1)/k) (not one-hot: one dimension per
 *    parameter keeps the GP and GA simple; the order of the choices is arbitrary for the model).
 * `snap(u)` = encode(decode(u)) moves a point onto what will actually be evaluated, so models see
 * the real point and duplicates are found by `key(params)`.
 */
import { ConfigError } from '../errors.js';
import type { Rng } from '../util/rng.js';
import { compileExpression, ExpressionSyntaxError } from './expr.js';

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface FloatParam {
  readonly type: 'float';
  readonly name: string;
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Grid step; null = continuous. */
  readonly step: number | null;
  readonly default: number;
  /** Levels used by grid search when there is no step. */
  readonly gridPoints: number;
}

export interface IntParam {
  readonly type: 'int';
  readonly name: string;
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
  readonly default: number;
}

export interface CategoricalParam {
  readonly type: 'categorical';
  readonly name: string;
  readonly choices: readonly ParamValue[];
  readonly default: ParamValue;
}

export type ParamSpec = FloatParam | IntParam | CategoricalParam;

/** What users write (TS API or parsed JSON/YAML); optional fields get documented defaults. */
export type ParamDefinition =
  | { type: 'float'; low: number; high: number; log?: boolean; step?: number; default?: number; gridPoints?: number }
  | { type: 'int'; low: number; high: number; log?: boolean; step?: number; default?: number }
  | { type: 'categorical'; choices: readonly ParamValue[]; default?: ParamValue };

export type ConstraintFn = (params: Readonly<Params>) => boolean;

export interface SpaceDefinition {
  params: Record<string, ParamDefinition> | Array<ParamDefinition & { name: string }>;
  /** Expressions over parameter names ("take_profit > stop_loss") or functions; all must hold. */
  constraints?: ReadonlyArray<string | ConstraintFn>;
}

export interface Constraint {
  readonly source: string;
  test(params: Readonly<Params>): boolean;
}

const DEFAULT_GRID_POINTS = 5;
/** Parameter sets whose key() is remembered (by identity, checked against their values). */
const KEY_MEMO = 8;
/** Rejection sampling gives up after this many draws and reports an empty feasible region. */
export const DEFAULT_MAX_REJECTIONS = 10_000;

export class SearchSpace {
  readonly params: readonly ParamSpec[];
  readonly constraints: readonly Constraint[];
  readonly names: readonly string[];
  private readonly decimals: Int32Array;
  private readonly levels: Int32Array;
  /** Grid values per parameter, built on first use (decode and grid points are hot paths). */
  private readonly gridCache: Array<readonly ParamValue[] | undefined>;
  /** Parameter names, for the unknown-name check of isValidParams. */
  private readonly nameSet: ReadonlySet<string>;
  /** key() memo: the last KEY_MEMO objects keyed, their keys, and the values they had then. */
  private readonly memoObj: Array<object | null> = new Array<object | null>(KEY_MEMO).fill(null);
  private readonly memoKey: string[] = new Array<string>(KEY_MEMO).fill('');
  private readonly memoVal: unknown[];
  private memoNext = 0;
  /** Scratch unit point of sampleUniform (decode does not keep it). */
  private readonly scratchU: Float64Array;

  constructor(params: readonly ParamSpec[], constraints: readonly Constraint[]) {
    this.params = params;
    this.constraints = constraints;
    this.names = params.map((p) => p.name);
    this.nameSet = new Set(this.names);
    this.memoVal = new Array<unknown>(KEY_MEMO * params.length).fill(undefined);
    this.scratchU = new Float64Array(params.length);
    this.decimals = new Int32Array(params.length);
    this.levels = new Int32Array(params.length);
    this.gridCache = new Array<readonly ParamValue[] | undefined>(params.length);
    params.forEach((p, i) => {
      if (p.type === 'categorical') this.levels[i] = p.choices.length;
      else if (p.step !== null) {
        this.levels[i] = stepCount(p.low, p.high, p.step);
        this.decimals[i] = Math.max(decimalsOf(p.step), decimalsOf(p.low));
      } else this.levels[i] = 0;
    });
  }

  get dim(): number {
    return this.params.length;
  }

  /** Number of allowed values of parameter i (0 = continuous). */
  levelCount(i: number): number {
    return this.levels[i] as number;
  }

  /** Unit-cube coordinates of a (valid) parameter set. */
  encode(params: Readonly<Params>): Float64Array {
    const ps = this.params;
    const u = new Float64Array(ps.length);
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i] as ParamSpec;
      const v = params[p.name];
      if (p.type === 'categorical') {
        const k = p.choices.indexOf(v as ParamValue);
        u[i] = (Math.max(0, k) + 0.5) / p.choices.length;
      } else if (p.log) {
        u[i] = clamp01((Math.log(v as number) - Math.log(p.low)) / (Math.log(p.high) - Math.log(p.low)));
      } else if (p.step !== null) {
        const m = this.levels[i] as number;
        const k = Math.round(((v as number) - p.low) / p.step);
        u[i] = (Math.min(m - 1, Math.max(0, k)) + 0.5) / m;
      } else {
        u[i] = p.high === p.low ? 0.5 : clamp01(((v as number) - p.low) / (p.high - p.low));
      }
    }
    return u;
  }

  /** Parameter values of a unit-cube point (clamped into [0,1], snapped onto steps and choices). */
  decode(u: ArrayLike<number>): Params {
    const out: Params = {};
    const ps = this.params;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i] as ParamSpec;
      const x = clamp01(u[i] as number);
      if (p.type === 'categorical') {
        const k = p.choices.length;
        out[p.name] = p.choices[Math.min(k - 1, Math.floor(x * k))] as ParamValue;
      } else if (p.log) {
        const v = Math.exp(Math.log(p.low) + x * (Math.log(p.high) - Math.log(p.low)));
        out[p.name] = p.step !== null ? this.snapStep(i, p, v) : Math.min(p.high, Math.max(p.low, v));
      } else if (p.step !== null) {
        const m = this.levels[i] as number;
        const k = Math.min(m - 1, Math.floor(x * m));
        out[p.name] = this.valueAt(i, p, k);
      } else {
        out[p.name] = p.low + x * (p.high - p.low);
      }
    }
    return out;
  }

  /** encode(decode(u)): the unit point of what will really be evaluated. */
  snap(u: ArrayLike<number>): Float64Array {
    return this.encode(this.decode(u));
  }

  /** Canonical string of a parameter set, for duplicate detection. */
  key(params: Readonly<Params>): string {
    // The same object is keyed several times per proposal (engine, searcher): a small memo by
    // identity, valid only while every value is still the one it was keyed with.
    const names = this.names;
    const d = names.length;
    let slot = -1;
    for (let r = 0; r < KEY_MEMO; r++) {
      if (this.memoObj[r] !== params) continue;
      let same = true;
      for (let i = 0; i < d; i++) {
        if (params[names[i] as string] !== this.memoVal[r * d + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.memoKey[r] as string;
      slot = r;
      break;
    }
    if (slot < 0) {
      slot = this.memoNext;
      this.memoNext = (slot + 1) % KEY_MEMO;
    }
    // String(number) is the shortest round-trip form; strings are quoted so "1" differs from 1.
    let k = '';
    for (let i = 0; i < d; i++) {
      const v = params[names[i] as string];
      this.memoVal[slot * d + i] = v;
      k += keyPart(v);
    }
    this.memoObj[slot] = params;
    this.memoKey[slot] = k;
    return k;
  }

  isFeasible(params: Readonly<Params>): boolean {
    for (const c of this.constraints) if (!c.test(params)) return false;
    return true;
  }

  /** The defaults of every parameter (float: midpoint, geometric when log; categorical: first). */
  defaults(): Params {
    const out: Params = {};
    for (const p of this.params) out[p.name] = p.default;
    return out;
  }

  /** Values of parameter i used by grid search (all steps/choices, or `gridPoints` levels). */
  gridValues(i: number): ParamValue[] {
    return [...this.gridOf(i)];
  }

  /** The cached grid values of parameter i (shared: never mutate). */
  private gridOf(i: number): readonly ParamValue[] {
    let g = this.gridCache[i];
    if (g === undefined) {
      g = this.computeGridValues(i);
      // Huge stepped ranges (a million integers) are not worth keeping.
      if (g.length <= 1 << 16) this.gridCache[i] = g;
    }
    return g;
  }

  private computeGridValues(i: number): ParamValue[] {
    const p = this.params[i] as ParamSpec;
    if (p.type === 'categorical') return [...p.choices];
    if (p.step !== null) {
      const m = this.levels[i] as number;
      const out: number[] = [];
      for (let k = 0; k < m; k++) out.push(this.stepValue(i, p, k));
      return out;
    }
    const n = (p as FloatParam).gridPoints;
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      const t = n === 1 ? 0.5 : k / (n - 1);
      out.push(p.log ? Math.exp(Math.log(p.low) + t * (Math.log(p.high) - Math.log(p.low))) : p.low + t * (p.high - p.low));
    }
    return out;
  }

  /** Number of grid points before constraints (may be huge; a number, not a list). */
  gridSize(): number {
    let n = 1;
    for (let i = 0; i < this.params.length; i++) {
      const m = this.levels[i] as number;
      n *= m > 0 ? m : (this.params[i] as FloatParam).gridPoints;
    }
    return n;
  }

  /** Grid point number `index` in lexicographic order (last parameter fastest). */
  gridPoint(index: number): Params {
    const out: Params = {};
    let rest = index;
    for (let i = this.params.length - 1; i >= 0; i--) {
      const vals = this.gridOf(i);
      out[(this.params[i] as ParamSpec).name] = vals[rest % vals.length] as ParamValue;
      rest = Math.floor(rest / vals.length);
    }
    return out;
  }

  /**
   * A feasible point: `propose()` is called until the constraints hold, at most `maxTries` times;
   * then a ConfigError says the feasible region looks empty.
   */
  sampleFeasible(propose: () => Params, maxTries = DEFAULT_MAX_REJECTIONS): Params {
    for (let t = 0; t < maxTries; t++) {
      const p = propose();
      if (this.isFeasible(p)) return p;
    }
    throw this.noFeasiblePoint(maxTries);
  }

  private noFeasiblePoint(maxTries: number): ConfigError {
    return new ConfigError(
      'space.constraints',
      `no feasible point in ${maxTries} draws: the constraints [${this.constraints.map((c) => c.source).join('; ')}] ` +
        'look unsatisfiable within the parameter bounds',
    );
  }

  /** A uniformly random feasible parameter set (rejection sampling). */
  sampleUniform(rng: Rng, maxTries = DEFAULT_MAX_REJECTIONS): Params {
    // sampleFeasible(() => decode(uniform u)) without the closure and the buffer per call.
    const u = this.scratchU;
    for (let t = 0; t < maxTries; t++) {
      for (let i = 0; i < u.length; i++) u[i] = rng.next();
      const p = this.decode(u);
      if (this.isFeasible(p)) return p;
    }
    throw this.noFeasiblePoint(maxTries);
  }

  /**
   * validateParams without building the copy or an error: true only when validateParams(params)
   * would return a copy with the same values (callers fall back to validateParams on false; an
   * exotic object, e.g. one with inherited enumerable names, may get false although it is valid).
   */
  isValidParams(params: unknown): boolean {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return false;
    const rec = params as Record<string, unknown>;
    // for-in visits every own enumerable name (and inherited ones): a superset of Object.keys.
    for (const k in rec) if (!this.nameSet.has(k)) return false;
    const ps = this.params;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i] as ParamSpec;
      const v = rec[p.name];
      if (p.type === 'categorical') {
        if (!p.choices.includes(v as ParamValue)) return false;
      } else {
        if (typeof v !== 'number' || !Number.isFinite(v)) return false;
        const tol = 1e-9 * Math.max(1, Math.abs(p.high));
        if (v < p.low - tol || v > p.high + tol) return false;
        if (p.type === 'int' && !Number.isInteger(v)) return false;
      }
    }
    return true;
  }

  /** Checks a parameter set received from outside (journal, user); returns it snapped. */
  validateParams(params: unknown, path: string): Params {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new ConfigError(path, `expected an object of parameter values, got ${show(params)}`);
    }
    const rec = params as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      if (!this.names.includes(k)) throw new ConfigError(`${path}.${k}`, `unknown parameter (known: ${this.names.join(', ')})`);
    }
    const out: Params = {};
    for (const p of this.params) {
      const v = rec[p.name];
      const at = `${path}.${p.name}`;
      if (p.type === 'categorical') {
        if (!p.choices.includes(v as ParamValue)) throw new ConfigError(at, `expected one of ${JSON.stringify(p.choices)}, got ${show(v)}`);
        out[p.name] = v as ParamValue;
      } else {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(at, `expected a finite number, got ${show(v)}`);
        const tol = 1e-9 * Math.max(1, Math.abs(p.high));
        if (v < p.low - tol || v > p.high + tol) throw new ConfigError(at, `expected a value in [${p.low}, ${p.high}], got ${v}`);
        if (p.type === 'int' && !Number.isInteger(v)) throw new ConfigError(at, `expected an integer, got ${v}`);
        out[p.name] = v;
      }
    }
    return out;
  }

  private valueAt(i: number, p: FloatParam | IntParam, k: number): number {
    const g = this.gridCache[i] ?? ((this.levels[i] as number) <= 1 << 16 ? this.gridOf(i) : undefined);
    return g !== undefined ? (g[k] as number) : this.stepValue(i, p, k);
  }

  private stepValue(i: number, p: FloatParam | IntParam, k: number): number {
    const step = p.step as number;
    const v = p.low + k * step;
    return p.type === 'int' ? Math.round(v) : roundTo(v, this.decimals[i] as number);
  }

  private snapStep(i: number, p: FloatParam | IntParam, v: number): number {
    const m = this.levels[i] as number;
    const k = Math.min(m - 1, Math.max(0, Math.round((v - p.low) / (p.step as number))));
    return this.valueAt(i, p, k);
  }
}

/** Scratch for hashing doubles by their bits. */
const HASH_F64 = new Float64Array(1);
const HASH_U32 = new Uint32Array(HASH_F64.buffer);

/** The component key() writes for one value. */
function keyPart(v: unknown): string {
  return typeof v === 'number' ? `${v},` : `${JSON.stringify(v)},`;
}

/**
 * A set of parameter sets under key() equality, without building key strings: the values of
 * the space's parameters are hashed (doubles by their bits) and kept as they were when added;
 * two sets are equal when every value is (===, or both NaN): exactly when their keys are equal,
 * for numbers, strings, booleans, null and undefined. The first other value (an object: key()
 * compares its JSON text) switches the set to key strings for good.
 */
export class ParamsSet {
  private readonly space: SearchSpace;
  private readonly names: readonly string[];
  /** Hash → values of the first entry with it, then (last slot) the next entry's values. */
  private readonly buckets = new Map<number, unknown[]>();
  private keys: Set<string> | null = null;

  constructor(space: SearchSpace) {
    this.space = space;
    this.names = space.names;
  }

  has(params: Readonly<Params>): boolean {
    if (this.keys !== null) return this.keys.has(this.space.key(params));
    const h = this.hashOf(params);
    if (h < 0) return this.toKeys().has(this.space.key(params));
    for (let e = this.buckets.get(h); e !== undefined; e = e[this.names.length] as unknown[] | undefined) {
      if (this.equal(e, params)) return true;
    }
    return false;
  }

  add(params: Readonly<Params>): void {
    if (this.keys !== null) {
      this.keys.add(this.space.key(params));
      return;
    }
    const h = this.hashOf(params);
    if (h < 0) {
      this.toKeys().add(this.space.key(params));
      return;
    }
    const d = this.names.length;
    const head = this.buckets.get(h);
    for (let e = head; e !== undefined; e = e[d] as unknown[] | undefined) if (this.equal(e, params)) return;
    const values = new Array<unknown>(d + 1);
    for (let i = 0; i < d; i++) values[i] = params[this.names[i] as string];
    values[d] = head;
    this.buckets.set(h, values);
  }

  private equal(values: readonly unknown[], params: Readonly<Params>): boolean {
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      const a = values[i];
      const b = params[names[i] as string];
      // NaN: key() writes "NaN" for both.
      if (a !== b && !(typeof a === 'number' && typeof b === 'number' && a !== a && b !== b)) return false;
    }
    return true;
  }

  /** A 30-bit hash of the values (equal values, equal hash: 0 and -0, every NaN), or -1 for a value of another type. */
  private hashOf(params: Readonly<Params>): number {
    const names = this.names;
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < names.length; i++) {
      const v: unknown = params[names[i] as string];
      let x: number;
      if (typeof v === 'number') {
        if (v === 0) x = 0;
        else if (v !== v) x = 0x7ff80000;
        else {
          HASH_F64[0] = v;
          x = Math.imul((HASH_U32[0] as number) ^ ((HASH_U32[1] as number) >>> 7), 0x9e3779b1) ^ (HASH_U32[1] as number);
        }
      } else if (typeof v === 'string') {
        x = 0x5bd1e995;
        for (let k = 0; k < v.length; k++) x = Math.imul(x ^ v.charCodeAt(k), 0x01000193);
      } else if (typeof v === 'boolean') x = v ? 0x27d4eb2f : 0x165667b1;
      else if (v === undefined) x = 0x3c6ef372;
      else if (v === null) x = 0x1b873593;
      else return -1;
      h = Math.imul(h ^ x, 0x85ebca6b);
      h ^= h >>> 15;
    }
    return h & 0x3fffffff;
  }

  /** Switches to key strings (the entries so far hold only values that key() writes as they are compared here). */
  private toKeys(): Set<string> {
    const keys = new Set<string>();
    const d = this.names.length;
    for (const head of this.buckets.values()) {
      for (let e: unknown[] | undefined = head; e !== undefined; e = e[d] as unknown[] | undefined) {
        let k = '';
        for (let i = 0; i < d; i++) k += keyPart(e[i]);
        keys.add(k);
      }
    }
    this.buckets.clear();
    this.keys = keys;
    return keys;
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : Number.isNaN(x) ? 0.5 : x;
}

function stepCount(low: number, high: number, step: number): number {
  return Math.floor((high - low) / step + 1e-9) + 1;
}

/** Decimal digits needed to write x exactly as typed (0.01 → 2, 1e-7 → 7, 5 → 0). */
export function decimalsOf(x: number): number {
  const s = String(Math.abs(x));
  const m = /^(\d*)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(s);
  if (!m) return 12;
  const frac = m[2]?.length ?? 0;
  const exp = m[3] !== undefined ? Number(m[3]) : 0;
  return Math.min(100, Math.max(0, frac - exp));
}

export function roundTo(x: number, decimals: number): number {
  return Number(x.toFixed(Math.min(100, decimals)));
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const TYPE_ALIASES: Record<string, ParamSpec['type']> = {
  float: 'float',
  continuous: 'float',
  real: 'float',
  double: 'float',
  int: 'int',
  integer: 'int',
  categorical: 'categorical',
  choice: 'categorical',
  enum: 'categorical',
};

const KEYS: Record<ParamSpec['type'], string[]> = {
  float: ['type', 'name', 'low', 'high', 'log', 'step', 'default', 'gridPoints'],
  int: ['type', 'name', 'low', 'high', 'log', 'step', 'default'],
  categorical: ['type', 'name', 'choices', 'default'],
};

function parseParam(name: string, raw: unknown, path: string): ParamSpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(path, `expected an object like {type: float, low: 0, high: 1}, got ${show(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  const type = typeof r.type === 'string' ? TYPE_ALIASES[r.type] : undefined;
  if (type === undefined) {
    throw new ConfigError(`${path}.type`, `expected one of float | int | categorical, got ${show(r.type)}`);
  }
  for (const k of Object.keys(r)) {
    if (!KEYS[type].includes(k)) throw new ConfigError(`${path}.${k}`, `unknown field for a ${type} parameter (allowed: ${KEYS[type].join(', ')})`);
  }
  if (type === 'categorical') {
    const choices = r.choices;
    if (!Array.isArray(choices) || choices.length === 0) {
      throw new ConfigError(`${path}.choices`, `expected a non-empty list of values, got ${show(choices)}`);
    }
    choices.forEach((c, k) => {
      if (!(typeof c === 'string' || typeof c === 'boolean' || (typeof c === 'number' && Number.isFinite(c)))) {
        throw new ConfigError(`${path}.choices[${k}]`, `expected a string, number or boolean, got ${show(c)}`);
      }
      if (choices.indexOf(c) !== k) throw new ConfigError(`${path}.choices[${k}]`, `duplicate choice ${show(c)}`);
    });
    const def = r.default === undefined ? choices[0] : r.default;
    if (!choices.includes(def)) throw new ConfigError(`${path}.default`, `expected one of ${JSON.stringify(choices)}, got ${show(def)}`);
    return { type, name, choices: choices as ParamValue[], default: def as ParamValue };
  }
  const num = (field: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${path}.${field}`, `expected a finite number, got ${show(v)}`);
    return v;
  };
  const low = num('low', r.low);
  const high = num('high', r.high);
  if (high < low) throw new ConfigError(`${path}.high`, `expected high >= low (${low}), got ${high}`);
  if (r.log !== undefined && typeof r.log !== 'boolean') throw new ConfigError(`${path}.log`, `expected true or false, got ${show(r.log)}`);
  const log = r.log === true;
  if (log && low <= 0) throw new ConfigError(`${path}.low`, `a log-scale parameter needs low > 0, got ${low}`);
  if (type === 'int') {
    if (!Number.isInteger(low)) throw new ConfigError(`${path}.low`, `expected an integer, got ${low}`);
    if (!Number.isInteger(high)) throw new ConfigError(`${path}.high`, `expected an integer, got ${high}`);
  }
  let step: number | null = null;
  if (r.step !== undefined) {
    step = num('step', r.step);
    if (step <= 0) throw new ConfigError(`${path}.step`, `expected a step > 0, got ${step}`);
    if (type === 'int' && !Number.isInteger(step)) throw new ConfigError(`${path}.step`, `expected an integer step, got ${step}`);
  } else if (type === 'int') step = 1;
  let def: number;
  if (r.default !== undefined) {
    def = num('default', r.default);
    if (def < low || def > high) throw new ConfigError(`${path}.default`, `expected a value in [${low}, ${high}], got ${def}`);
    if (type === 'int' && !Number.isInteger(def)) throw new ConfigError(`${path}.default`, `expected an integer, got ${def}`);
  } else {
    def = log ? Math.sqrt(low * high) : (low + high) / 2;
    if (step !== null) {
      const k = Math.round((def - low) / step);
      def = Math.min(low + (stepCount(low, high, step) - 1) * step, low + k * step);
      def = type === 'int' ? Math.round(def) : roundTo(def, Math.max(decimalsOf(step), decimalsOf(low)));
    }
  }
  if (type === 'int') return { type, name, low, high, log, step: step as number, default: def };
  let gridPoints = DEFAULT_GRID_POINTS;
  if (r.gridPoints !== undefined) {
    gridPoints = num('gridPoints', r.gridPoints);
    if (!Number.isInteger(gridPoints) || gridPoints < 1) throw new ConfigError(`${path}.gridPoints`, `expected an integer >= 1, got ${gridPoints}`);
  }
  return { type, name, low, high, log, step, default: def, gridPoints };
}

function compileConstraint(c: unknown, path: string, params: readonly ParamSpec[]): Constraint {
  if (typeof c === 'function') {
    const fn = c as ConstraintFn;
    return { source: fn.name ? `${fn.name}()` : '<function>', test: (p) => fn(p) === true };
  }
  if (typeof c !== 'string' || c.trim() === '') {
    throw new ConfigError(path, `expected an expression such as "take_profit > stop_loss", got ${show(c)}`);
  }
  let compiled;
  try {
    compiled = compileExpression(c);
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) throw new ConfigError(path, `cannot parse "${c}": ${err.message}`, { cause: err });
    throw err;
  }
  for (const n of compiled.names) {
    const p = params.find((q) => q.name === n);
    if (!p) throw new ConfigError(path, `"${c}" uses unknown parameter "${n}" (known: ${params.map((q) => q.name).join(', ')})`);
    if (p.type === 'categorical' && p.choices.some((v) => typeof v === 'string')) {
      throw new ConfigError(path, `"${c}" uses categorical parameter "${n}" whose choices are not numbers`);
    }
  }
  const names = compiled.names;
  const vals: Record<string, number> = {};
  return {
    source: c,
    test: (p) => {
      for (const n of names) {
        const v = p[n];
        vals[n] = typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
      }
      return compiled.evaluate(vals) !== 0;
    },
  };
}

/**
 * Builds a space from its plain-object form (parsed JSON/YAML or the TS API). Accepted shapes:
 *   {params: {alpha: {type: float, low: 0.1, high: 0.2, step: 0.01}, ...}, constraints: [...]}
 *   {params: [{name: alpha, type: float, ...}, ...], constraints: [...]}
 *   {alpha: {type: float, ...}, ...}                     (shorthand: no constraints)
 * Errors are ConfigErrors whose path names the field: "space.params[2].low", "space.params.alpha.step".
 */
export function parseSpace(raw: unknown, path = 'space'): SearchSpace {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(path, `expected an object with "params" (and optional "constraints"), got ${show(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  const full = 'params' in r && (Array.isArray(r.params) || (typeof r.params === 'object' && r.params !== null && !('type' in r.params)));
  const paramsRaw = full ? r.params : r;
  const paramsPath = full ? `${path}.params` : path;
  if (full) {
    for (const k of Object.keys(r)) {
      if (k !== 'params' && k !== 'constraints') throw new ConfigError(`${path}.${k}`, 'unknown field (allowed: params, constraints)');
    }
  }
  const specs: ParamSpec[] = [];
  if (Array.isArray(paramsRaw)) {
    paramsRaw.forEach((p, i) => {
      const at = `${paramsPath}[${i}]`;
      const name = (p as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) {
        throw new ConfigError(`${at}.name`, `expected an identifier (letters, digits, _ and .), got ${show(name)}`);
      }
      specs.push(parseParam(name, p, at));
    });
  } else {
    for (const [name, p] of Object.entries(paramsRaw as Record<string, unknown>)) {
      const at = `${paramsPath}.${name}`;
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new ConfigError(at, 'parameter names must be identifiers (letters, digits, _ and .)');
      specs.push(parseParam(name, p, at));
    }
  }
  if (specs.length === 0) throw new ConfigError(paramsPath, 'expected at least one parameter');
  specs.forEach((s, i) => {
    if (specs.findIndex((t) => t.name === s.name) !== i) throw new ConfigError(`${paramsPath}[${i}].name`, `duplicate parameter "${s.name}"`);
  });
  const consRaw = full ? r.constraints : undefined;
  if (consRaw !== undefined && !Array.isArray(consRaw)) {
    throw new ConfigError(`${path}.constraints`, `expected a list of expressions, got ${show(consRaw)}`);
  }
  const constraints = (consRaw ?? []).map((c, i) => compileConstraint(c, `${path}.constraints[${i}]`, specs));
  // Defaults are a starting point for users, not checked against constraints (the midpoints
  // used when no default is given may well violate them).
  return new SearchSpace(specs, constraints);
}

/** The TS API: same rules and error paths as parseSpace. */
export function defineSpace(def: SpaceDefinition): SearchSpace {
  return parseSpace(def);
}
