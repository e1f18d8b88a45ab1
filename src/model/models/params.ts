/**
 * Reading a model's parameters (the trial's `params`, merged over the job's `model.options`) with
 * errors that name the field: `params.lookback: 0, expected an integer >= 1`. Names are camelCase;
 * the snake_case spelling of a name (`stop_loss` for `stopLoss`) is accepted too, so a config can
 * follow either habit. Giving both spellings of one name is an error.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { ParamValue, Params } from '../strategy.js';

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The value of `name` (or its snake_case spelling), undefined when absent. */
export function rawParam(p: Params, name: string): ParamValue | undefined {
  const alt = snake(name);
  const a = p[name];
  const b = alt === name ? undefined : p[alt];
  if (a !== undefined && b !== undefined) throw new InvalidArgumentError(`params.${name}`, `given twice (as ${name} and ${alt})`);
  return a ?? b;
}

export interface NumberRule {
  /** Default when absent; omitted: the parameter is required. */
  def?: number;
  min?: number;
  max?: number;
  /** Exclusive bounds. */
  gt?: number;
  lt?: number;
  integer?: boolean;
}

function describe(r: NumberRule): string {
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`>= ${r.min}`);
  if (r.gt !== undefined) parts.push(`> ${r.gt}`);
  if (r.max !== undefined) parts.push(`<= ${r.max}`);
  if (r.lt !== undefined) parts.push(`< ${r.lt}`);
  return `${r.integer ? 'an integer' : 'a number'}${parts.length ? ' ' + parts.join(' and ') : ''}`;
}

/** A numeric parameter; numeric strings ("20") are accepted (YAML and CLI overrides). */
export function numParam(p: Params, name: string, rule: NumberRule = {}): number {
  const raw = rawParam(p, name);
  if (raw === undefined) {
    if (rule.def !== undefined) return rule.def;
    throw new InvalidArgumentError(`params.${name}`, `missing, expected ${describe(rule)}`);
  }
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  const bad =
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    (rule.integer === true && !Number.isInteger(v)) ||
    (rule.min !== undefined && v < rule.min) ||
    (rule.max !== undefined && v > rule.max) ||
    (rule.gt !== undefined && !(v > rule.gt)) ||
    (rule.lt !== undefined && !(v < rule.lt));
  if (bad) throw new InvalidArgumentError(`params.${name}`, `${JSON.stringify(raw)}, expected ${describe(rule)}`);
  return v as number;
}

/** A parameter that is one of `choices` (a string). */
export function choiceParam<T extends string>(p: Params, name: string, choices: readonly T[], def: T): T {
  const raw = rawParam(p, name);
  if (raw === undefined) return def;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new InvalidArgumentError(`params.${name}`, `${JSON.stringify(raw)}, expected one of ${choices.join(', ')}`);
  }
  return raw as T;
}

/** A boolean parameter (true/false, or the strings "true"/"false"). */
export function boolParam(p: Params, name: string, def: boolean): boolean {
  const raw = rawParam(p, name);
  if (raw === undefined) return def;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new InvalidArgumentError(`params.${name}`, `${JSON.stringify(raw)}, expected true or false`);
}

/** Rejects parameters the model does not know (a typo would otherwise be silently ignored). */
export function checkKnownParams(p: Params, known: readonly string[], model: string): void {
  const ok = new Set<string>();
  for (const k of known) {
    ok.add(k);
    ok.add(snake(k));
  }
  for (const k of Object.keys(p)) {
    if (!ok.has(k)) throw new InvalidArgumentError(`params.${k}`, `unknown parameter of model ${model} (known: ${known.join(', ')})`);
  }
}
