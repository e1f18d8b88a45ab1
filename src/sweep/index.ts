export * from './evaluator.js';
export { paramsToProto, paramsFromProto, metricsToProto, metricsFromProto } from './params.js';
export { branin, hartmann6, rosenbrock } from './analytic.js';
export { parseObjectives, compileObjectives, type ObjectiveDef, type CompiledObjectives } from './objectives.js';
export { loadJobDocument, compileJob, type CompiledJob, type ExecutionOptions } from './job-config.js';
export { loadMarket, compileBacktestSection, type Market } from './market.js';
