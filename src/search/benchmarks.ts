/**
 * Analytic test functions with known optima (minimization), as search spaces + objectives, for
 * tests and bench/search.bench.ts.
 */
import type { Params } from './space.js';
import { defineSpace, type SearchSpace } from './space.js';

export interface AnalyticProblem {
  readonly name: string;
  readonly space: SearchSpace;
  readonly optimum: number;
  evaluate(p: Readonly<Params>): number;
}

export function branin(x1: number, x2: number): number {
  const a = 1;
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 * x1 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));

export function hartmann6(x: ArrayLike<number>): number {
  let f = 0;
  for (let i = 0; i < 4; i++) {
    let e = 0;
    for (let j = 0; j < 6; j++) {
      const t = (x[j] as number) - ((H6_P[i] as number[])[j] as number);
      e += ((H6_A[i] as number[])[j] as number) * t * t;
    }
    f -= (H6_ALPHA[i] as number) * Math.exp(-e);
  }
  return f;
}

export function rosenbrock(x: ArrayLike<number>): number {
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i] as number;
    const b = x[i + 1] as number;
    f += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
  }
  return f;
}

export const BRANIN_OPTIMUM = 0.397887357729739;
export const HARTMANN6_OPTIMUM = -3.32236801141551;

export function braninProblem(): AnalyticProblem {
  return {
    name: 'branin',
    space: defineSpace({ params: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } } }),
    optimum: BRANIN_OPTIMUM,
    evaluate: (p) => branin(p.x1 as number, p.x2 as number),
  };
}

export function hartmann6Problem(): AnalyticProblem {
  const params: Record<string, { type: 'float'; low: number; high: number }> = {};
  for (let j = 1; j <= 6; j++) params[`x${j}`] = { type: 'float', low: 0, high: 1 };
  return {
    name: 'hartmann6',
    space: defineSpace({ params }),
    optimum: HARTMANN6_OPTIMUM,
    evaluate: (p) => hartmann6([1, 2, 3, 4, 5, 6].map((j) => p[`x${j}`] as number)),
  };
}

export function rosenbrockProblem(dim = 2): AnalyticProblem {
  const params: Record<string, { type: 'float'; low: number; high: number }> = {};
  for (let j = 1; j <= dim; j++) params[`x${j}`] = { type: 'float', low: -2, high: 2 };
  return {
    name: `rosenbrock${dim}`,
    space: defineSpace({ params }),
    optimum: 0,
    evaluate: (p) => rosenbrock(Array.from({ length: dim }, (_, j) => p[`x${j + 1}`] as number)),
  };
}

/** |f - f*| <= tol * max(|f*|, floor): "within 1 %" with a floor for optima at 0. */
export function withinTolerance(f: number, optimum: number, relTol: number, absFloor = 1e-2): boolean {
  return Math.abs(f - optimum) <= relTol * Math.max(Math.abs(optimum), absFloor);
}
