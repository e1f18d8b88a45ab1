// Registers the built-in evaluators (imported for its side effect by backtester workers).
import './analytic.js';
import './strategy-evaluator.js';
// Last: 'hppo-var' is the batch evaluator (one window and one LP batch per date for all trials),
// even if the event-driven form is ever listed among the strategy models.
import './hppo-var-evaluator.js';
