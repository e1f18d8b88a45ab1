/**
 * Hand-written protobuf wire codec for hppo.v1.Envelope, the one message on every hop: one
 * exact-size allocation to encode, zero-copy payload on decode, no generic writer/reader. Wire
 * compatible with the generated code (tested both ways); unknown fields are skipped on decode.
 */
import type { Envelope } from '../gen/hppo/v1/envelope.js';
import { CodecError } from '../errors.js';

const T_ID = (1 << 3) | 2;
const T_CORR = (2 << 3) | 2;
const T_SENDER = (3 << 3) | 2;
const T_REPLY = (4 << 3) | 2;
const T_TYPE = (5 << 3) | 2;
const T_DEADLINE = (6 << 3) | 0;
const T_TRACE = (7 << 3) | 2;
const T_PAYLOAD = (8 << 3) | 2;
const T_ERROR = (9 << 3) | 2;
const T_SENT = (10 << 3) | 0;

function varintSize(n: number): number {
  let s = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

function writeVarint(buf: Buffer, off: number, n: number): number {
  while (n >= 128) {
    buf[off++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[off++] = n;
  return off;
}

function strField(s: string): number {
  if (s.length === 0) return 0;
  const n = Buffer.byteLength(s, 'utf8');
  return 1 + varintSize(n) + n;
}

function writeStr(buf: Buffer, off: number, tag: number, s: string): number {
  if (s.length === 0) return off;
  buf[off++] = tag;
  const n = Buffer.byteLength(s, 'utf8');
  off = writeVarint(buf, off, n);
  return off + buf.write(s, off, n, 'utf8');
}

function int64Ok(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

export function encodeEnvelope(e: Envelope): Buffer {
  if (!int64Ok(e.deadlineUnixMs) || !int64Ok(e.sentUnixMs)) throw new CodecError(`envelope times must be non-negative safe integers (deadline ${e.deadlineUnixMs}, sent ${e.sentUnixMs})`);
  const trace = e.trace;
  const traceLen = trace ? strField(trace.traceparent) + strField(trace.tracestate) : 0;
  const err = e.error;
  const errLen = err ? strField(err.code) + strField(err.message) + (err.retryable ? 2 : 0) : 0;
  const payload = e.payload;
  let size = strField(e.id) + strField(e.correlationId) + strField(e.sender) + strField(e.replyTo) + strField(e.messageType);
  if (e.deadlineUnixMs !== 0) size += 1 + varintSize(e.deadlineUnixMs);
  if (trace) size += 1 + varintSize(traceLen) + traceLen;
  if (payload.length > 0) size += 1 + varintSize(payload.length) + payload.length;
  if (err) size += 1 + varintSize(errLen) + errLen;
  if (e.sentUnixMs !== 0) size += 1 + varintSize(e.sentUnixMs);
  const buf = Buffer.allocUnsafe(size);
  let off = writeStr(buf, 0, T_ID, e.id);
  off = writeStr(buf, off, T_CORR, e.correlationId);
  off = writeStr(buf, off, T_SENDER, e.sender);
  off = writeStr(buf, off, T_REPLY, e.replyTo);
  off = writeStr(buf, off, T_TYPE, e.messageType);
  if (e.deadlineUnixMs !== 0) {
    buf[off++] = T_DEADLINE;
    off = writeVarint(buf, off, e.deadlineUnixMs);
  }
  if (trace) {
    buf[off++] = T_TRACE;
    off = writeVarint(buf, off, traceLen);
    off = writeStr(buf, off, T_ID, trace.traceparent);
    off = writeStr(buf, off, T_CORR, trace.tracestate);
  }
  if (payload.length > 0) {
    buf[off++] = T_PAYLOAD;
    off = writeVarint(buf, off, payload.length);
    buf.set(payload, off);
    off += payload.length;
  }
  if (err) {
    buf[off++] = T_ERROR;
    off = writeVarint(buf, off, errLen);
    off = writeStr(buf, off, T_ID, err.code);
    off = writeStr(buf, off, T_CORR, err.message);
    if (err.retryable) {
      buf[off++] = (3 << 3) | 0;
      buf[off++] = 1;
    }
  }
  if (e.sentUnixMs !== 0) {
    buf[off++] = T_SENT;
    off = writeVarint(buf, off, e.sentUnixMs);
  }
  return buf;
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new CodecError('truncated varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 127) * mul;
      if (b < 128) return result;
      mul *= 128;
    }
    throw new CodecError('varint longer than 10 bytes');
  }
  bytesRange(): [number, number] {
    const n = this.varint();
    const s = this.pos;
    if (n > this.end - s) throw new CodecError(`length ${n} runs past the end of the message`);
    this.pos = s + n;
    return [s, s + n];
  }
  string(): string {
    const [s, e] = this.bytesRange();
    return this.buf.toString('utf8', s, e);
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.bytesRange();
    else if (wire === 5) this.advance(4);
    else throw new CodecError(`unsupported wire type ${wire}`);
  }
  private advance(n: number): void {
    if (this.pos + n > this.end) throw new CodecError('truncated fixed field');
    this.pos += n;
  }
}

const EMPTY = Buffer.alloc(0);

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf, 0, buf.length);
  const e: Envelope = { id: '', correlationId: '', sender: '', replyTo: '', messageType: '', deadlineUnixMs: 0, trace: undefined, payload: EMPTY, error: undefined, sentUnixMs: 0 };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new CodecError('field number 0');
    switch (tag) {
      case T_ID: e.id = r.string(); break;
      case T_CORR: e.correlationId = r.string(); break;
      case T_SENDER: e.sender = r.string(); break;
      case T_REPLY: e.replyTo = r.string(); break;
      case T_TYPE: e.messageType = r.string(); break;
      case T_DEADLINE: e.deadlineUnixMs = r.varint(); break;
      case T_SENT: e.sentUnixMs = r.varint(); break;
      case T_PAYLOAD: {
        const [s, end] = r.bytesRange();
        e.payload = buf.subarray(s, end);
        break;
      }
      case T_TRACE: {
        const [s, end] = r.bytesRange();
        const t = new Reader(buf, s, end);
        const trace = { traceparent: '', tracestate: '' };
        while (t.pos < t.end) {
          const tt = t.varint();
          if (tt === T_ID) trace.traceparent = t.string();
          else if (tt === T_CORR) trace.tracestate = t.string();
          else t.skip(tt & 7);
        }
        e.trace = trace;
        break;
      }
      case T_ERROR: {
        const [s, end] = r.bytesRange();
        const t = new Reader(buf, s, end);
        const er = { code: '', message: '', retryable: false };
        while (t.pos < t.end) {
          const tt = t.varint();
          if (tt === T_ID) er.code = t.string();
          else if (tt === T_CORR) er.message = t.string();
          else if (tt === ((3 << 3) | 0)) er.retryable = t.varint() !== 0;
          else t.skip(tt & 7);
        }
        e.error = er;
        break;
      }
      default:
        r.skip(wire);
    }
  }
  return e;
}
