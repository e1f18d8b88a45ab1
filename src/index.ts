// Public entry of the hppo library: actors/, cluster/ and the CLI use src/ through this file.
export * from './errors.js';
export { createLogger, rootLogger, silentLogger, type Logger } from './log.js';
export { loadNative, nativeCapabilities, type NativeCapabilities } from './solver/native.js';
export * from './runtime/index.js';
export * from './data/index.js';
export * from './execution/index.js';
// The model layer's `Strategy` is exported as `TradingStrategy` (the runtime's supervision `Strategy` came first).
export {
  benchmarkReturns,
  compileBacktestOptions,
  compileSchedule,
  computeMetrics,
  drawdown,
  EngineContext,
  loadStrategy,
  navReturns,
  rebalanceMask,
  runBacktest,
  runBacktestBatch,
  runBacktestSync,
  validateStrategy,
  type BatchRebalanceContext,
  type BatchRunOptions,
  type BatchStrategy,
  type BatchTrialResult,
  type BacktestMetrics,
  type BacktestOptions,
  type BacktestResult,
  type Bar,
  type CompiledBacktest,
  type Drawdown,
  type HistoryField,
  type HistoryOptions,
  type LoadedStrategy,
  type MetricsInput,
  type ParamValue,
  type Params,
  type RebalanceSchedule,
  type RebalanceScheduleLike,
  type RunOptions,
  type Strategy as TradingStrategy,
  type StrategyContext,
  type StrategyFactory,
} from './model/index.js';
// Built-in event-driven models (momentum, mean-cvar, fof-bl), model resolution, one-backtest runner.
export * from './model/models/index.js';
// The HPPO VaR model (historical CVaR LP at tail probability alpha, annualized target mu): both forms.
export {
  compileHppoVarOptions,
  hppoVarBatchStrategy,
  hppoVarCell,
  hppoVarStrategy,
  hppoVarWindow,
  scatterHppoVarWeights,
  solveHppoVarCells,
  solveHppoVarDate,
  type HppoVarBatchStats,
  type HppoVarCell,
  type HppoVarDateSolution,
  type HppoVarOptions,
  type HppoVarSolution,
  type HppoVarWarmState,
  type HppoVarWindow,
  type ResolvedHppoVarOptions,
} from './model/models/hppo-var.js';
export { flattenMetrics, prepareStrategyRun, runStrategyTrial, type PreparedStrategyRun } from './sweep/strategy-evaluator.js';
export {
  BasisStatus,
  compileDenseLpOptions,
  DenseLpPricing,
  DenseLpStatus,
  solveDenseLp,
  solveDenseLpBatch,
  solveDenseLpBatchAsync,
  solveDenseLpBatchPacked,
  solveDenseLpBatchPackedAsync,
  unpackDenseLpResults,
  type DenseLp,
  type DenseLpOptions,
  type DenseLpResult,
  type PackedDenseLpResults,
  type ResolvedDenseLpOptions,
} from './solver/small-lp.js';
export {
  buildCvarLp,
  buildCvarLps,
  buildReferenceCvarLps,
  cvarStartBasis,
  cvarTargetReachable,
  cvarWeights,
  numpySum,
  remapCvarBasis,
  scenarioMeans,
  type CvarBasisShape,
  type CvarCell,
  type CvarLpSpec,
  type ScenarioWindow,
} from './solver/cvar-lp.js';
export {
  compileLpSettings,
  lpFromMps,
  LpStatus,
  solveLp,
  type CompiledLpSettings,
  type LpDevice,
  type LpProblem,
  type LpProgress,
  type LpResult,
  type LpSettings,
  type SolveLpOptions,
} from './solver/lp.js';
export { parseMps, readMps, MPS_INFINITY, type MpsProblem, type MpsReadOptions, type CsrMatrixData, type CscMatrixData } from './solver/mps.js';
export * from './sweep/index.js';
export { BacktestSpec, BacktestMetrics as BacktestMetricsMessage, ParameterSet, RunBacktestBatch, TrialResult as TrialResultMessage, BacktestBatchResult } from './gen/hppo/v1/backtest.js';
export { JobSpec, JobState, JobStatus, JobProgress, JobFinished, StartJob, GetJobStatus, Trial as TrialMessage } from './gen/hppo/v1/job.js';
export { Ping, Pong, Ack, ErrorDetail, Envelope } from './gen/hppo/v1/envelope.js';
// Parameter search (pure ask/tell algorithms, spaces, analysis); model's Params/ParamValue are the same shapes.
export {
  ALGORITHMS,
  analyzeSearch,
  BUILTIN_METRICS,
  compileCompositeObjective,
  compileSearchOptions,
  createSearcher,
  defineSpace,
  dominates,
  nonDominatedSort,
  parseSpace,
  rebuildSearcher,
  SearchSpace,
  StopReason,
  type AlgorithmName,
  type Candidate,
  type CompositeObjective,
  type ParamDefinition,
  type ParameterImportance,
  type SearchAnalysis,
  type SearchOptions,
  type Searcher,
  type SpaceDefinition,
  type TellSummary,
  type Trial as SearchTrial,
  type TrialResult as SearchTrialResult,
} from './search/index.js';
export {
  solveReferenceCvarBatch,
  solveReferenceCvarBatchAsync,
  type CvarBatchOptions,
  type CvarBatchResult,
} from './solver/cvar-batch.js';
export {
  compileQpSettings,
  csrToCsc,
  qpFromMps,
  QpStatus,
  solveQp,
  type CompiledQpSettings,
  type CscData,
  type QpCosts,
  type QpDevice,
  type QpProblem,
  type QpProgress,
  type QpResult,
  type QpSettings,
  type SolveQpOptions,
} from './solver/qp.js';
export { parseFof, readFof, type FofInstance } from './solver/fof.js';
