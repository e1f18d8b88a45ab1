import { nativeCapabilities } from '../src/solver/native.js';

export async function capabilitiesCommand(_argv: string[]): Promise<number> {
  process.stdout.write(JSON.stringify(nativeCapabilities(), null, 2) + '\n');
  return 0;
}
