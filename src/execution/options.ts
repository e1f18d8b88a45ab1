/**
 * Simulated exchange options: the cost model and the trading rules. User-facing `ExchangeOptions`
 * (all optional, or a preset name plus overrides) are compiled once by `compileExchangeOptions`
 * into a fully resolved `ExchangeRules`; only resolved rules reach the exchange.
 */
import { InvalidArgumentError } from '../errors.js';

export interface ExchangeOptions {
  /** Start from this preset, then apply the fields given here. Default: 'reference'. */
  preset?: ExchangePresetName;
  /** Commission as a fraction of traded value, on buys and sells (0.0003 = 3 bp). */
  commissionRate?: number;
  /** Minimum commission per fill, in currency (0 = none). */
  minCommission?: number;
  /** Stamp tax as a fraction of traded value, on sells only. */
  stampTaxRate?: number;
  /** Slippage in basis points against the trader: buys fill at P·(1+s), sells at P·(1−s). */
  slippageBp?: number;
  /** Shares are traded in multiples of this (100 for A-shares); 0 = fractional shares allowed. */
  lotSize?: number;
  /**
   * Daily price limit as a fraction of the previous close (0.1 = ±10 %); 0 = no limit rule.
   * At limit-up (close ≥ prev·(1+limit) within `priceLimitTolerance`) no buy fills; at limit-down
   * no sell fills.
   */
  priceLimit?: number;
  /** How close to the limit (in return units) counts as "at the limit"; default 0.0005. */
  priceLimitTolerance?: number;
}

/** Fully resolved rules (what the exchange uses). */
export interface ExchangeRules {
  readonly commissionRate: number;
  readonly minCommission: number;
  readonly stampTaxRate: number;
  /** Slippage as a fraction (bp / 10 000). */
  readonly slippage: number;
  readonly lotSize: number;
  readonly priceLimit: number;
  readonly priceLimitTolerance: number;
}

export const ExchangePreset = {
  /**
   * Exactly ../shared/reference/README.md "Execution": commission 0.0003 both ways, stamp tax
   * 0.001 on sells, no minimum, no slippage, fractional shares, no price-limit rule.
   */
  reference: {
    commissionRate: 0.0003,
    minCommission: 0,
    stampTaxRate: 0.001,
    slippage: 0,
    lotSize: 0,
    priceLimit: 0,
    priceLimitTolerance: 0.0005,
  },
  /** China A-shares: commission 0.03 % (min 5 CNY), stamp tax 0.1 % on sells, lots of 100, ±10 %. */
  cnAShares: {
    commissionRate: 0.0003,
    minCommission: 5,
    stampTaxRate: 0.001,
    slippage: 0,
    lotSize: 100,
    priceLimit: 0.1,
    priceLimitTolerance: 0.0005,
  },
  /** US equities: commission 0.05 %, no minimum, no stamp tax, whole shares, no daily limit. */
  usEquities: {
    commissionRate: 0.0005,
    minCommission: 0,
    stampTaxRate: 0,
    slippage: 0,
    lotSize: 1,
    priceLimit: 0,
    priceLimitTolerance: 0.0005,
  },
} as const satisfies Record<string, ExchangeRules>;
export type ExchangePresetName = keyof typeof ExchangePreset;

function checkNumber(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new InvalidArgumentError(field, `expected a finite number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Resolves options (or a preset name) into rules. Throws InvalidArgumentError naming the field
 * (prefixed by `path`, e.g. "exchange.lotSize") for an unknown preset or an out-of-range value.
 */
export function compileExchangeOptions(
  options: ExchangeOptions | ExchangePresetName | undefined,
  path = 'exchange',
): ExchangeRules {
  const opts: ExchangeOptions = typeof options === 'string' ? { preset: options } : (options ?? {});
  if (typeof opts !== 'object' || opts === null) {
    throw new InvalidArgumentError(path, `expected an object or a preset name, got ${JSON.stringify(options)}`);
  }
  const known = new Set([
    'preset', 'commissionRate', 'minCommission', 'stampTaxRate', 'slippageBp', 'lotSize', 'priceLimit',
    'priceLimitTolerance',
  ]);
  for (const k of Object.keys(opts)) {
    if (!known.has(k)) throw new InvalidArgumentError(`${path}.${k}`, `unknown option (known: ${[...known].join(', ')})`);
  }
  const presetName = opts.preset ?? 'reference';
  if (!Object.hasOwn(ExchangePreset, presetName)) {
    throw new InvalidArgumentError(
      `${path}.preset`,
      `unknown preset ${JSON.stringify(presetName)} (expected one of ${Object.keys(ExchangePreset).join(', ')})`,
    );
  }
  const base: ExchangeRules = ExchangePreset[presetName];
  const rules: ExchangeRules = {
    commissionRate: checkNumber(`${path}.commissionRate`, opts.commissionRate ?? base.commissionRate, 0, 0.1),
    minCommission: checkNumber(`${path}.minCommission`, opts.minCommission ?? base.minCommission, 0, 1e9),
    stampTaxRate: checkNumber(`${path}.stampTaxRate`, opts.stampTaxRate ?? base.stampTaxRate, 0, 0.1),
    slippage:
      opts.slippageBp !== undefined ? checkNumber(`${path}.slippageBp`, opts.slippageBp, 0, 1000) / 10_000 : base.slippage,
    lotSize: checkNumber(`${path}.lotSize`, opts.lotSize ?? base.lotSize, 0, 1e9),
    priceLimit: checkNumber(`${path}.priceLimit`, opts.priceLimit ?? base.priceLimit, 0, 10),
    priceLimitTolerance: checkNumber(
      `${path}.priceLimitTolerance`,
      opts.priceLimitTolerance ?? base.priceLimitTolerance,
      0,
      0.05,
    ),
  };
  if (rules.lotSize !== 0 && !Number.isInteger(rules.lotSize)) {
    throw new InvalidArgumentError(`${path}.lotSize`, `expected a whole number of shares or 0, got ${rules.lotSize}`);
  }
  return rules;
}
