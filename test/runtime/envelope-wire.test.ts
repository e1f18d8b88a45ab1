import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Envelope } from '../../src/gen/hppo/v1/envelope.js';
import { CodecError } from '../../src/errors.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/runtime/envelope-wire.js';
import { Rng } from '../../src/util/rng.js';

function randomEnvelope(r: Rng): Envelope {
  const str = (): string => (r.next() < 0.3 ? '' : Array.from({ length: r.int(1, 40) }, () => String.fromCodePoint(r.next() < 0.9 ? r.int(32, 126) : r.int(0x4e00, 0x4fff))).join(''));
  return Envelope.fromPartial({
    id: str(),
    correlationId: str(),
    sender: str(),
    replyTo: str(),
    messageType: str(),
    deadlineUnixMs: r.next() < 0.5 ? 0 : r.int(0, 2 ** 31) * 1000 + r.int(0, 999),
    trace: r.next() < 0.5 ? undefined : { traceparent: str(), tracestate: str() },
    payload: Buffer.from(Array.from({ length: r.int(0, 300) }, () => r.int(0, 255))),
    error: r.next() < 0.7 ? undefined : { code: str(), message: str(), retryable: r.next() < 0.5 },
    sentUnixMs: r.next() < 0.5 ? 0 : Date.UTC(2026, 0, 1) + r.int(0, 1e9),
  });
}

test('the hand-written envelope codec is wire-compatible with the generated one in both directions', () => {
  const r = new Rng(11);
  for (let i = 0; i < 500; i++) {
    const e = randomEnvelope(r);
    const ours = encodeEnvelope(e);
    const theirs = Buffer.from(Envelope.encode(e).finish());
    assert.deepEqual(Envelope.decode(ours), Envelope.decode(theirs));
    assert.deepEqual(decodeEnvelope(theirs), Envelope.decode(theirs));
  }
});

test('the envelope decoder skips unknown fields and rejects truncated or malformed bytes with CodecError', () => {
  const e = Envelope.fromPartial({ id: 'a', messageType: 'hppo.v1.Ping', payload: Buffer.from([1, 2, 3]) });
  const bytes = Buffer.concat([Buffer.from(Envelope.encode(e).finish()), Buffer.from([(14 << 3) | 0, 5, (15 << 3) | 2, 2, 9, 9])]);
  assert.equal(decodeEnvelope(bytes).messageType, 'hppo.v1.Ping');
  assert.throws(() => decodeEnvelope(bytes.subarray(0, 5)), CodecError);
  assert.throws(() => decodeEnvelope(Buffer.from([0xff, 0xff, 0xff])), CodecError);
  assert.throws(() => decodeEnvelope(Buffer.from([(3 << 3) | 7])), CodecError);
});
