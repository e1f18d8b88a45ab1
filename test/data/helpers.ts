// Shared helpers of the data-layer tests: temp dirs that are removed, fixtures written as files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { presetAvailable } from '../../src/data/index.js';

export interface TempDir {
  path: string;
  file(name: string, text: string, gzip?: boolean): string;
  remove(): void;
}

export function tempDir(prefix = 'hppo-data-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file(name, text, gzip = false) {
      const p = join(path, name);
      writeFileSync(p, gzip ? gzipSync(Buffer.from(text)) : text);
      return p;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Byte view of a typed array's own range. */
export function bytesOf(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Bit-exact equality of two Float64Arrays (NaN payloads included). */
export function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.compare(bytesOf(a), bytesOf(b)) === 0;
}

/** Reason to skip tests that need ../shared/data, or undefined when the files are there. */
export function sharedDataMissing(name: 'sse50' | 'sp500'): string | undefined {
  return presetAvailable(name) ? undefined : `../shared/data (or HPPO_DATA) lacks the ${name} files`;
}
