// Public API of the data layer (src/data/): CSV ingest, the columnar store, periodic slices,
// suspension handling, the synthetic market and dataset presets. See docs/data.md.
export type { PricePanel, BenchmarkSeries } from './panel.js';
export { dateIndex, lowerBound } from './panel.js';
export {
  PriceField,
  PRICE_FIELDS,
  parsePriceCsv,
  parseBenchmarkCsv,
  loadPriceCsv,
  loadBenchmarkCsv,
  readCsvBytes,
  readCsvBytesSync,
  restrictDates,
  selectRows,
  type CsvFormat,
  type PriceCsvOptions,
  type BenchmarkCsvOptions,
  type PriceCsvInfo,
} from './csv.js';
export { panelToIpc, panelFromIpc, benchmarkToIpc, benchmarkFromIpc, panelFields } from './arrow-codec.js';
export { writeStore, openStore, buildManifest, sha256Hex, STORE_FILES, LAYOUT_KEYS, type IpcLayout, type ManifestInput, type OpenStoreOptions, type OpenedStore } from './store.js';
export { ingestCsv, type IngestCsvOptions, type IngestResult } from './ingest.js';
export {
  Frequency,
  periodOf,
  periodRanges,
  slicePanel,
  decodeSlice,
  assembleSlices,
  frequencyToProto,
  frequencyFromProto,
  type PeriodicSlice,
  type DecodedSlice,
  type SliceOptions,
} from './slice.js';
export { loadDataset, datasetCacheDir, type LoadDatasetOptions, type LoadedDataset } from './load.js';
export { validatePanel, validateBenchmark } from './validate.js';
export { staleAsSuspended, staleAsSuspendedWithReport, staleMask, type StaleOptions, type StaleResult } from './suspension.js';
export { syntheticMarket, type SyntheticMarket, type SyntheticMarketOptions } from './synthetic.js';
export {
  DATASET_PRESETS,
  resolveDataset,
  defaultDataDir,
  presetAvailable,
  repoRoot,
  type DatasetPresetName,
  type ResolveDatasetOptions,
  type ResolvedDataset,
} from './datasets.js';
