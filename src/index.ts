// Public entry of the hppo library: actors/, cluster/ and the CLI use src/ through this file.
export * from './errors.js';
export { createLogger, rootLogger, silentLogger, type Logger } from './log.js';
export { loadNative, nativeCapabilities, type NativeCapabilities } from './solver/native.js';
export * from './runtime/index.js';
