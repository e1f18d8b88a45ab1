import { nativeCapabilities } from '../solver/native.js';

export async function main(argv: string[]): Promise<number> {
  const cmd = argv[0] ?? 'help';
  if (cmd === 'capabilities') {
    process.stdout.write(JSON.stringify(nativeCapabilities(), null, 2) + '\n');
    return 0;
  }
  process.stderr.write(`unknown command: ${cmd}\n`);
  return 2;
}
