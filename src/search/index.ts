// Public surface of the parameter-search layer (pure logic: no I/O, no NATS).
export { compileExpression, ExpressionSyntaxError, type CompiledExpression } from './expr.js';
export {
  SearchSpace,
  parseSpace,
  defineSpace,
  decimalsOf,
  type Params,
  type ParamValue,
  type ParamSpec,
  type ParamDefinition,
  type SpaceDefinition,
  type Constraint,
  type ConstraintFn,
} from './space.js';
export * from './types.js';
export { createSearcher, rebuildSearcher, compileSearchOptions, type ResolvedSearchOptions } from './searcher.js';
export { analyzeSearch, spearman, mainEffect, type SearchAnalysis, type ParameterImportance, type ConvergencePoint, type AnalysisOptions } from './analysis.js';
export { compileCompositeObjective, BUILTIN_METRICS, type CompositeObjective, type CompositeTerm } from './objective.js';
export { dominates, nonDominatedSort, crowdingDistance } from './pareto.js';
export { Sobol } from './sobol.js';
export { braninProblem, hartmann6Problem, rosenbrockProblem, withinTolerance, type AnalyticProblem } from './benchmarks.js';
