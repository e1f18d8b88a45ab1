// Registers the built-in evaluators (imported for its side effect by backtester workers).
import './analytic.js';
import './hppo-var-evaluator.js';
import './strategy-evaluator.js';
