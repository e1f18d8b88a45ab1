// Model layer: backtest engine, strategy API, rebalance schedules and metrics.
export {
  compileBacktestOptions,
  runBacktest,
  runBacktestSync,
  type BacktestOptions,
  type BacktestResult,
  type CompiledBacktest,
  type RunOptions,
} from './engine.js';
export {
  EngineContext,
  type Bar,
  type HistoryField,
  type HistoryOptions,
  type ParamValue,
  type Params,
  type Strategy,
  type StrategyContext,
  type StrategyFactory,
} from './strategy.js';
export { loadStrategy, validateStrategy, type LoadedStrategy } from './strategy-loader.js';
export { compileSchedule, rebalanceMask, type RebalanceSchedule, type RebalanceScheduleLike } from './schedule.js';
export {
  benchmarkReturns,
  computeMetrics,
  drawdown,
  navReturns,
  type BacktestMetrics,
  type Drawdown,
  type MetricsInput,
} from './metrics.js';
export {
  runBacktestBatch,
  type BatchRebalanceContext,
  type BatchRunOptions,
  type BatchStrategy,
  type BatchTrialResult,
} from './batch.js';
