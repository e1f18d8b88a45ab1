/**
 * How trial metrics become the numbers a search optimizes. A job names one or more objectives
 * ({metric, direction}); nsga2 optimizes them jointly; any other algorithm given several (or
 * weighted) objectives maximizes the normalized weighted composite of src/search/objective.ts (the
 * strategy-optimizer design's Sharpe / total return / max drawdown / win rate score). A missing or
 * non-finite metric makes the trial count as failed for the search.
 */
import { ConfigError } from '../errors.js';
import { compileCompositeObjective } from '../search/objective.js';

export interface ObjectiveDef {
  metric: string;
  direction: 'maximize' | 'minimize';
  weight?: number;
}

export interface CompiledObjectives {
  /** Directions handed to the searcher (one per objective value). */
  directions: ('maximize' | 'minimize')[];
  /** Metric values → objective values, or null when one is missing/non-finite. */
  evaluate(metrics: Readonly<Record<string, number>> | undefined): number[] | null;
  describe(): string;
}

export function parseObjectives(raw: unknown, path = 'search.objectives'): ObjectiveDef[] {
  if (raw === undefined) return [{ metric: 'sharpe', direction: 'maximize' }];
  if (typeof raw === 'string') return [{ metric: raw, direction: 'maximize' }];
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new ConfigError(path, 'needs at least one objective');
  return list.map((o, i) => {
    const p = `${path}[${i}]`;
    if (typeof o === 'string') return { metric: o, direction: 'maximize' as const };
    if (typeof o !== 'object' || o === null) throw new ConfigError(p, `expected {metric, direction, weight?}, got ${JSON.stringify(o)}`);
    const r = o as Record<string, unknown>;
    if (typeof r['metric'] !== 'string' || !r['metric']) throw new ConfigError(`${p}.metric`, 'expected a metric name such as sharpe, annualReturn, maxDrawdown, winRate');
    const dir = r['direction'] ?? 'maximize';
    if (dir !== 'maximize' && dir !== 'minimize') throw new ConfigError(`${p}.direction`, `expected maximize or minimize, got ${JSON.stringify(dir)}`);
    const w = r['weight'];
    if (w !== undefined && (typeof w !== 'number' || !Number.isFinite(w))) throw new ConfigError(`${p}.weight`, `expected a finite number, got ${JSON.stringify(w)}`);
    return { metric: r['metric'], direction: dir, ...(w !== undefined ? { weight: w } : {}) };
  });
}

export function compileObjectives(defs: readonly ObjectiveDef[], multiObjective: boolean): CompiledObjectives {
  const composite = !multiObjective && (defs.length > 1 || defs.some((d) => d.weight !== undefined));
  if (composite) {
    // The strategy-optimizer design's weighted composite, normalized per metric (src/search/objective.ts).
    const c = compileCompositeObjective(defs.map((d) => ({ metric: d.metric, weight: d.weight ?? 1, direction: d.direction })), 'search.objectives');
    return {
      directions: ['maximize'],
      evaluate(m) {
        if (!m) return null;
        const v = c.score(m);
        return v === null ? null : [v];
      },
      describe: () => `maximize composite ${c.terms.map((t) => `${t.weight}×${t.metric}(${t.direction} over [${t.low}, ${t.high}])`).join(' + ')}`,
    };
  }
  return {
    directions: defs.map((d) => d.direction),
    evaluate(m) {
      if (!m) return null;
      const out: number[] = [];
      for (const d of defs) {
        const v = m[d.metric];
        if (v === undefined || !Number.isFinite(v)) return null;
        out.push(v);
      }
      return out;
    },
    describe: () => defs.map((d) => `${d.direction} ${d.metric}`).join(', '),
  };
}
