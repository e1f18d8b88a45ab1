// Execution layer: the venue interface, the simulated exchange and its accounts.
export * from './types.js';
export { compileExchangeOptions, ExchangePreset, type ExchangeOptions, type ExchangePresetName, type ExchangeRules } from './options.js';
export { Portfolio } from './portfolio.js';
export { FillLog } from './fill-log.js';
export { SimulatedExchange, type SimulatedExchangeOptions } from './simulated-exchange.js';
export { MarketTape, TapeFlag } from './market-tape.js';
