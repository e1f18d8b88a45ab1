/**
 * The one loader of the native addon (native/build/Release/hppo_native.node). Nothing else
 * imports native/. The addon is loaded lazily so that processes that never solve (gateway,
 * scheduler) do not need it built.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeUnavailableError } from '../errors.js';

export interface CudaDeviceInfo {
  index: number;
  name: string;
  totalMemoryBytes: number;
  computeCapability: string;
  multiprocessors: number;
}

export interface NativeCapabilities {
  version: string;
  cpuThreads: number;
  cuda: {
    compiled: boolean;
    runtimeVersion: number;
    driverVersion: number;
    message: string;
    devices: CudaDeviceInfo[];
  };
}

/** The raw addon surface; each solver's TS wrapper narrows what it uses. */
export interface NativeAddon {
  capabilities(): NativeCapabilities;
  [name: string]: unknown;
}

let cached: NativeAddon | undefined;

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

export function nativeAddonPath(): string {
  return process.env['HPPO_NATIVE_ADDON'] ?? join(findProjectRoot(), 'native', 'build', 'Release', 'hppo_native.node');
}

export function loadNative(): NativeAddon {
  if (cached) return cached;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    throw new NativeUnavailableError(`native addon not built: ${path} is missing; run "make build" (or bash scripts/build-native.sh)`);
  }
  try {
    const require = createRequire(import.meta.url);
    cached = require(path) as NativeAddon;
  } catch (err) {
    throw new NativeUnavailableError(`native addon at ${path} failed to load: ${(err as Error).message}`, { cause: err });
  }
  return cached;
}

export function nativeCapabilities(): NativeCapabilities {
  return loadNative().capabilities();
}
