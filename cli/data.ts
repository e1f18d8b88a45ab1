/**
 * `hppo data <sub>`: the data layer from the command line.
 *   hppo data ingest sse50|sp500|FILE [--benchmark NAME|FILE] [--out DIR] [--from D] [--to D]
 *                    [--tickers A,B] [--format auto|wide|long] [--data-dir DIR] [--json]
 *   hppo data info DIR [--json]
 *   hppo data slice DIR --by year|quarter|month|week [--out DIR] [--json]
 *   hppo data synthetic [--seed N] [--tickers N] [--days N] [--start D] --out DIR [--json]
 * Stores go to .hppo/cache/datasets/<name> unless --out says otherwise.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HppoError } from '../src/errors.js';
import {
  Frequency,
  ingestCsv,
  openStore,
  repoRoot,
  resolveDataset,
  slicePanel,
  syntheticMarket,
  writeStore,
  type CsvFormat,
} from '../src/data/index.js';
import { DatasetManifest, SliceRef } from '../src/gen/hppo/v1/data.js';

const USAGE = `usage:
  hppo data ingest sse50|sp500|FILE [--benchmark NAME|FILE] [--out DIR] [--from D] [--to D] [--tickers A,B] [--format auto|wide|long] [--data-dir DIR] [--json]
  hppo data info DIR [--json]
  hppo data slice DIR --by year|quarter|month|week [--out DIR] [--json]
  hppo data synthetic [--seed N] [--tickers N] [--days N] [--start YYYY-MM-DD] [--out DIR] [--json]
`;

function summary(m: DatasetManifest): string {
  return (
    `${m.datasetId}: ${m.numDays} days ${m.firstDate} .. ${m.lastDate} × ${m.tickers.length} tickers, ` +
    `fields ${m.fields.join(',')}, benchmark ${m.benchmark || '(none)'}, ${(m.sizeBytes / 1e6).toFixed(1)} MB, sha256 ${m.digest.slice(0, 16)}...`
  );
}

function defaultOut(name: string): string {
  return join(repoRoot(), '.hppo', 'cache', 'datasets', name);
}

async function ingest(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      benchmark: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      tickers: { type: 'string' },
      format: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const spec = positionals[0];
  if (spec === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const ds = resolveDataset(spec, {
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(values.benchmark !== undefined ? { benchmark: values.benchmark } : {}),
  });
  const out = values.out ?? defaultOut(ds.name);
  const t0 = performance.now();
  const r = await ingestCsv({
    pricesPath: ds.pricesPath,
    ...(ds.benchmarkPath !== undefined ? { benchmarkPath: ds.benchmarkPath } : {}),
    ...(ds.benchmarkName !== undefined ? { benchmarkName: ds.benchmarkName } : {}),
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(values.to !== undefined ? { to: values.to } : {}),
    ...(values.tickers !== undefined ? { tickers: values.tickers.split(',').map((t) => t.trim()) } : {}),
    ...(values.format !== undefined ? { format: values.format as CsvFormat } : {}),
    name: ds.name,
    storeDir: out,
  });
  const ms = performance.now() - t0;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ dir: out, ms, manifest: DatasetManifest.toJSON(r.manifest) })}\n`);
  } else {
    process.stdout.write(`${summary(r.manifest)}\nwritten to ${out} in ${ms.toFixed(0)} ms (${r.info.format} CSV, ${r.info.rows} rows, ${r.info.missingCells} empty cells)\n`);
  }
  return 0;
}

async function info(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const dir = positionals[0];
  if (dir === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const { manifest } = await openStore(dir);
  process.stdout.write(values.json ? `${JSON.stringify(DatasetManifest.toJSON(manifest))}\n` : `${summary(manifest)}\n`);
  return 0;
}

async function slice(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { by: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  });
  const dir = positionals[0];
  const by = values.by as Frequency | undefined;
  if (dir === undefined || by === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const { panel, manifest } = await openStore(dir);
  const t0 = performance.now();
  const slices = slicePanel(panel, by, { datasetId: manifest.datasetId });
  const ms = performance.now() - t0;
  const out = values.out ?? join(dir, `slices-${by}`);
  await mkdir(out, { recursive: true });
  const refs = [];
  for (const s of slices) {
    await writeFile(join(out, `${String(s.ref.index).padStart(4, '0')}-${s.period}.arrow`), s.ipc);
    refs.push({ ...(SliceRef.toJSON(s.ref) as object), period: s.period });
  }
  await writeFile(join(out, 'slices.json'), `${JSON.stringify(refs, null, 2)}\n`);
  const bytes = slices.reduce((a, s) => a + s.ipc.byteLength, 0);
  if (values.json) process.stdout.write(`${JSON.stringify({ dir: out, ms, slices: refs })}\n`);
  else process.stdout.write(`${slices.length} ${by} slices of ${manifest.datasetId} (${(bytes / 1e6).toFixed(1)} MB) in ${ms.toFixed(0)} ms, written to ${out}\n`);
  return 0;
}

async function synthetic(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: 'string' },
      tickers: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const m = syntheticMarket({
    ...(values.seed !== undefined ? { seed: /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed } : {}),
    ...(values.tickers !== undefined ? { tickers: Number(values.tickers) } : {}),
    ...(values.days !== undefined ? { days: Number(values.days) } : {}),
    ...(values.start !== undefined ? { start: values.start } : {}),
  });
  const out = values.out ?? defaultOut('synthetic');
  const manifest = await writeStore(out, m.panel, m.benchmark, { name: 'synthetic', source: m.description });
  if (values.json) process.stdout.write(`${JSON.stringify({ dir: out, description: m.description, manifest: DatasetManifest.toJSON(manifest) })}\n`);
  else process.stdout.write(`${m.description}\n${summary(manifest)}\nwritten to ${out}\n`);
  return 0;
}

const subs: Record<string, (args: string[]) => Promise<number>> = { ingest, info, slice, synthetic };

export async function dataCommand(argv: string[]): Promise<number> {
  const sub = argv[0] === undefined ? undefined : subs[argv[0]];
  if (!sub) {
    process.stderr.write(argv[0] === undefined ? USAGE : `hppo data: unknown subcommand "${argv[0]}"\n${USAGE}`);
    return 2;
  }
  try {
    return await sub(argv.slice(1));
  } catch (err) {
    if (err instanceof HppoError || (err as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`hppo data ${argv[0]}: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}
