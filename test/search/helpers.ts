import type { Candidate, Searcher, TrialResult } from '../../src/search/types.js';
import type { Params } from '../../src/search/space.js';

/** Runs ask(batch)/tell rounds until done or `rounds` are over; returns every proposal in order. */
export function drive(s: Searcher, f: (p: Params) => number | number[] | null, batch: number, rounds = Infinity): Candidate[] {
  const proposals: Candidate[] = [];
  for (let r = 0; r < rounds && !s.isDone(); r++) {
    const b = s.ask(batch);
    if (b.length === 0) break;
    proposals.push(...b);
    s.tell(b.map((c) => result(c, f(c.params))));
  }
  return proposals;
}

export function result(c: Candidate, v: number | number[] | null): TrialResult {
  return { candidate: c, objectives: v === null ? null : Array.isArray(v) ? v : [v] };
}
