import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { NatsServerMissingError } from '../../src/errors.js';
import { EmbeddedNats, findNatsServer } from '../../src/runtime/embedded-nats.js';
import { startNode } from '../../src/runtime/node.js';

test('a missing nats-server binary gives an error that says how to install it', () => {
  assert.throws(() => findNatsServer('/nonexistent/nats-server'), (e: unknown) => e instanceof NatsServerMissingError && /apt-get install -y nats-server/.test(e.message));
  assert.throws(() => findNatsServer('no-such-nats-server-binary'), NatsServerMissingError);
});

test('the embedded server listens on a loopback port with JetStream and removes its store dir on stop', async () => {
  const s = await EmbeddedNats.start();
  assert.match(s.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(existsSync(s.storeDir));
  await s.stop();
  assert.equal(existsSync(s.storeDir), false);
});

test('a node with no NATS URL starts its own server and reports its status', async () => {
  const prev = process.env['HPPO_NATS_URL'];
  delete process.env['HPPO_NATS_URL'];
  const node = await startNode({ nodeId: 'solo' });
  try {
    assert.ok(node.embedded);
    const st = node.status();
    assert.equal(st.nodeId, 'solo');
    assert.equal(st.embeddedNats, true);
    assert.ok((st.resources?.total?.cpus ?? 0) >= 1);
  } finally {
    await node.stop();
    if (prev !== undefined) process.env['HPPO_NATS_URL'] = prev;
  }
  assert.equal(existsSync(node.embedded.storeDir), false);
});

test('a configured NATS URL with no server behind it fails fast with an error naming the URL', async () => {
  const { NatsTransport } = await import('../../src/runtime/nats-transport.js');
  const { TransportError } = await import('../../src/errors.js');
  await assert.rejects(NatsTransport.connect({ servers: 'nats://127.0.0.1:1' }), (e: unknown) => e instanceof TransportError && /127\.0\.0\.1:1/.test(e.message));
});
