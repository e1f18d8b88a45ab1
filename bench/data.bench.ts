/**
 * make bench-data: the data layer on the ../shared/data files (or HPPO_DATA), with pandas
 * `read_csv` (Debian /usr/bin/python3) timed on the same files in the same run for comparison.
 * Per dataset: read (+gunzip), parse, panel → Arrow IPC, sha256, writeStore, openStore (verified and
 * not), slicing by month; medians over BENCH_ROUNDS (default 5) after one warm-up.
 * Wall times on a shared machine move with its load: the CPU times (process user + system) are
 * printed next to them. Last output line: one JSON object with every figure in ms.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openStore,
  panelToIpc,
  parseBenchmarkCsv,
  parsePriceCsv,
  presetAvailable,
  readCsvBytes,
  resolveDataset,
  sha256Hex,
  slicePanel,
  writeStore,
  type DatasetPresetName,
} from '../src/data/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU time of this process (user + system, all threads: zlib's gunzip runs on the libuv pool). */
const cpuMs: Record<string, number> = {};

/** Median wall ms over ROUNDS after a warm-up; the median CPU ms goes to cpuMs[label]. */
async function medianOf(label: string, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  cpuMs[label] = median(cpu);
  return median(wall);
}

function pandasReadCsvMs(path: string): number | undefined {
  if (!existsSync('/usr/bin/python3')) return undefined;
  const script = [
    'import time, sys, pandas as pd',
    'xs = []',
    `for r in range(${ROUNDS + 1}):`,
    '    t = time.perf_counter()',
    `    pd.read_csv(${JSON.stringify(path)}, index_col="date", parse_dates=["date"])`,
    '    xs.append((time.perf_counter() - t) * 1000)',
    'xs = sorted(xs[1:])',
    'print(xs[len(xs) // 2])',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

const out: Record<string, Record<string, number | undefined>> = {};
const dir = mkdtempSync(join(tmpdir(), 'hppo-bench-data-'));
try {
  for (const name of ['sse50', 'sp500'] as DatasetPresetName[]) {
    if (!presetAvailable(name)) {
      console.log(`${name}: skipped (../shared/data or HPPO_DATA lacks its files)`);
      continue;
    }
    const ds = resolveDataset(name);
    const bytes = await readCsvBytes(ds.pricesPath);
    const { panel } = parsePriceCsv(bytes, ds.pricesPath);
    const bench = parseBenchmarkCsv(await readCsvBytes(ds.benchmarkPath!), ds.benchmarkPath!);
    const ipc = panelToIpc(panel);
    const store = join(dir, name);
    const f: Record<string, number | undefined> = {};
    f['readGunzipMs'] = await medianOf('readGunzipMs', () => readCsvBytes(ds.pricesPath));
    f['parseMs'] = await medianOf('parseMs', () => parsePriceCsv(bytes, ds.pricesPath));
    f['ingestMs'] = await medianOf('ingestMs', async () => parsePriceCsv(await readCsvBytes(ds.pricesPath), ds.pricesPath));
    f['toIpcMs'] = await medianOf('toIpcMs', () => panelToIpc(panel));
    f['sha256Ms'] = await medianOf('sha256Ms', () => sha256Hex(ipc));
    f['writeStoreMs'] = await medianOf('writeStoreMs', () => writeStore(store, panel, bench, { name, ipc }));
    f['openStoreMs'] = await medianOf('openStoreMs', () => openStore(store));
    f['openStoreNoVerifyMs'] = await medianOf('openStoreNoVerifyMs', () => openStore(store, { verify: false }));
    f['sliceMonthMs'] = await medianOf('sliceMonthMs', () => slicePanel(panel, 'month'));
    f['pandasReadCsvMs'] = pandasReadCsvMs(ds.pricesPath);
    for (const [k, v] of Object.entries(cpuMs)) f[`${k.replace(/Ms$/, '')}CpuMs`] = v;
    f['days'] = panel.dates.length;
    f['tickers'] = panel.tickers.length;
    f['csvBytes'] = bytes.byteLength;
    f['ipcBytes'] = ipc.byteLength;
    out[name] = f;
    const p = f['pandasReadCsvMs'];
    console.log(
      `${name} (${f['days']} days × ${f['tickers']}, ${(bytes.byteLength / 1e6).toFixed(1)} MB csv): ` +
        `read+gunzip ${f['readGunzipMs']!.toFixed(1)} ms, parse ${f['parseMs']!.toFixed(1)} ms (${f['parseCpuMs']!.toFixed(1)} ms CPU), ` +
        `ingest ${f['ingestMs']!.toFixed(1)} ms (${f['ingestCpuMs']!.toFixed(1)} ms CPU)` +
        `${p !== undefined ? ` (pandas read_csv ${p.toFixed(1)} ms wall, ${(p / f['ingestMs']!).toFixed(1)}× ours)` : ''}; ` +
        `to IPC ${f['toIpcMs']!.toFixed(1)} ms, sha256 ${f['sha256Ms']!.toFixed(1)} ms, writeStore ${f['writeStoreMs']!.toFixed(1)} ms, ` +
        `openStore ${f['openStoreMs']!.toFixed(1)} ms (${f['openStoreNoVerifyMs']!.toFixed(1)} ms unverified), slice by month ${f['sliceMonthMs']!.toFixed(1)} ms (${f['sliceMonthCpuMs']!.toFixed(1)} ms CPU)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
