/**
 * PricePanel / BenchmarkSeries <-> Arrow IPC (file format), the columnar store's and the periodic
 * slices' byte format.
 *
 * Layout of a panel: one record batch; column `date` (DateDay, days since 1970-01-01) then one
 * Float64 column per field per ticker, named `<field>:<ticker>` in the order close (all tickers),
 * open, high, low, volume. No validity bitmaps: a missing price is a NaN value, so NaNs (and every
 * other bit) round-trip exactly. Schema metadata `hppo.panel` holds {tickers, fields, ...extra}
 * as JSON so names never need to be parsed back.
 *
 * Decoding is zero-copy: each returned Float64Array is a view over the input bytes (Arrow aligns
 * buffers to 8 bytes; the input must itself be 8-byte aligned, as a Buffer from readFile is, or
 * Arrow copies). The caller owns the input bytes and must not reuse them while the panel lives.
 */
import { DateDay, Field, Float64, RecordBatch, Schema, Struct, Table, makeData, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import { DataError } from '../errors.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';
import { PRICE_FIELDS, type PriceField } from './csv.js';
import { epochDayToIso, isoToEpochDay } from './dates.js';

export { epochDayToIso, isoToEpochDay };

const PANEL_META_KEY = 'hppo.panel';
const BENCH_META_KEY = 'hppo.benchmark';

/** Extra key/values stored in the schema metadata next to tickers and fields (e.g. slice index). */
export type IpcExtra = Record<string, string | number>;

/** The fields a panel carries, in storage order. */
export function panelFields(panel: PricePanel): PriceField[] {
  return PRICE_FIELDS.filter((f) => panel[f] !== undefined);
}

function dateData(dates: readonly string[]): Data<DateDay> {
  const days = new Int32Array(dates.length);
  for (let i = 0; i < dates.length; i++) days[i] = isoToEpochDay(dates[i]!);
  return makeData({ type: new DateDay(), length: days.length, nullCount: 0, data: days });
}

function f64Data(col: Float64Array): Data<Float64> {
  return makeData({ type: new Float64(), length: col.length, nullCount: 0, data: col });
}

function encode(fields: Field[], children: Data[], length: number, metadata: Map<string, string>): Uint8Array {
  const schema = new Schema(fields, metadata);
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children });
  const batch = new RecordBatch(schema, struct);
  return tableToIPC(new Table(schema, [batch] as never), 'file');
}

/** Serializes a panel to Arrow IPC file bytes. */
export function panelToIpc(panel: PricePanel, extra: IpcExtra = {}): Uint8Array {
  return panelToIpcWithMeta(panel, panelMetaJson(panel, extra));
}

/** The `hppo.panel` schema metadata of a panel: extra keys first, then version, tickers, fields. */
export function panelMetaJson(panel: PricePanel, extra: IpcExtra = {}): string {
  return JSON.stringify({ ...extra, version: 1, tickers: panel.tickers, fields: panelFields(panel) });
}

/** panelToIpc with the metadata JSON given verbatim (it must describe the panel: see panelMetaJson). */
export function panelToIpcWithMeta(panel: PricePanel, metaJson: string): Uint8Array {
  const fields = panelFields(panel);
  const n = panel.dates.length;
  const arrowFields: Field[] = [new Field('date', new DateDay(), false)];
  const children: Data[] = [dateData(panel.dates)];
  for (const f of fields) {
    const cols = panel[f]!;
    if (cols.length !== panel.tickers.length) throw new DataError(`panel field ${f} has ${cols.length} columns for ${panel.tickers.length} tickers`);
    cols.forEach((col, j) => {
      if (col.length !== n) throw new DataError(`panel column ${f}:${panel.tickers[j]} has ${col.length} rows for ${n} dates`);
      arrowFields.push(new Field(`${f}:${panel.tickers[j]}`, new Float64(), false));
      children.push(f64Data(col));
    });
  }
  return encode(arrowFields, children, n, new Map([[PANEL_META_KEY, metaJson]]));
}

/**
 * Byte offsets, within `bytes`, of the date column's values and of every Float64 column's values
 * (storage order), read from Arrow's own decoding. Used to fill an IPC template in place.
 */
export function ipcValueOffsets(bytes: Uint8Array): { dateOffset: number; valueOffsets: number[]; rows: number } {
  const table = decodeTable(bytes, 'template');
  const at = (i: number): number => {
    const v = table.getChildAt(i)!.data[0]!.values as ArrayBufferView;
    if (v.buffer !== bytes.buffer) throw new DataError('Arrow copied a column while decoding the template (misaligned input)');
    return v.byteOffset - bytes.byteOffset;
  };
  const valueOffsets: number[] = [];
  for (let i = 1; i < table.numCols; i++) valueOffsets.push(at(i));
  return { dateOffset: at(0), valueOffsets, rows: table.numRows };
}

function decodeTable(bytes: Uint8Array, source: string): Table {
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw new DataError(`not a readable Arrow IPC buffer: ${(err as Error).message}`, { source, cause: err });
  }
}

function readDates(table: Table, source: string): string[] {
  const col = table.getChildAt(0);
  if (!col || table.schema.fields[0]?.name !== 'date' || col.data.length !== 1) {
    throw new DataError('Arrow buffer: first column must be one chunk named "date"', { source });
  }
  const days = col.data[0]!.values as Int32Array;
  const out = new Array<string>(table.numRows);
  for (let i = 0; i < table.numRows; i++) out[i] = epochDayToIso(days[i]!);
  return out;
}

function f64Column(table: Table, index: number, expectedName: string, source: string): Float64Array {
  const field = table.schema.fields[index];
  const col = table.getChildAt(index);
  if (!field || !col || field.name !== expectedName) {
    throw new DataError(`Arrow buffer: column ${index} should be "${expectedName}", found "${field?.name ?? 'nothing'}"`, { source });
  }
  if (col.data.length !== 1) throw new DataError(`Arrow buffer: column ${expectedName} has ${col.data.length} chunks, expected 1`, { source });
  const values = col.data[0]!.values;
  if (!(values instanceof Float64Array)) throw new DataError(`Arrow buffer: column ${expectedName} is not Float64`, { source });
  return values.length === table.numRows ? values : values.subarray(0, table.numRows);
}

/** Decodes a panel written by panelToIpc; columns are views over `bytes` (zero-copy). */
export function panelFromIpc(bytes: Uint8Array, source = 'arrow buffer'): { panel: PricePanel; extra: Record<string, unknown> } {
  const table = decodeTable(bytes, source);
  const metaText = table.schema.metadata.get(PANEL_META_KEY);
  if (metaText === undefined) throw new DataError(`Arrow buffer has no "${PANEL_META_KEY}" metadata (not an hppo panel)`, { source });
  const meta = JSON.parse(metaText) as { tickers: string[]; fields: PriceField[] } & Record<string, unknown>;
  const dates = readDates(table, source);
  const panel: { -readonly [K in keyof PricePanel]: PricePanel[K] } = { dates, tickers: meta.tickers, close: [] };
  let idx = 1;
  for (const f of meta.fields) {
    const cols: Float64Array[] = [];
    for (const t of meta.tickers) cols.push(f64Column(table, idx++, `${f}:${t}`, source));
    panel[f] = cols;
  }
  if (table.numCols !== idx) throw new DataError(`Arrow buffer has ${table.numCols} columns, metadata describes ${idx}`, { source });
  const { tickers: _t, fields: _f, ...extra } = meta;
  return { panel, extra };
}

/** Serializes a benchmark series (`date`, `close`; name in metadata). */
export function benchmarkToIpc(b: BenchmarkSeries): Uint8Array {
  if (b.close.length !== b.dates.length) throw new DataError(`benchmark ${b.name} has ${b.close.length} values for ${b.dates.length} dates`);
  const fields = [new Field('date', new DateDay(), false), new Field('close', new Float64(), false)];
  return encode(fields, [dateData(b.dates), f64Data(b.close)], b.dates.length, new Map([[BENCH_META_KEY, JSON.stringify({ version: 1, name: b.name })]]));
}

export function benchmarkFromIpc(bytes: Uint8Array, source = 'arrow buffer'): BenchmarkSeries {
  const table = decodeTable(bytes, source);
  const metaText = table.schema.metadata.get(BENCH_META_KEY);
  if (metaText === undefined) throw new DataError(`Arrow buffer has no "${BENCH_META_KEY}" metadata (not an hppo benchmark)`, { source });
  const { name } = JSON.parse(metaText) as { name: string };
  return { name, dates: readDates(table, source), close: f64Column(table, 1, 'close', source) };
}
