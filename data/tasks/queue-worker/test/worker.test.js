'use strict';

const { expect } = require('chai');
const sinon = require('sinon');
const { Worker, withTimeout } = require('../src/worker');
const { MemoryQueue } = require('../src/queue/memoryQueue');
const { PermanentError, RetryableError, JobTimeoutError } = require('../src/errors');

const config = {
  worker: { concurrency: 1, pollIntervalMs: 10, shutdownTimeoutMs: 100 },
  retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, jitter: 0 },
};
const log = { info() {}, warn() {}, debug() {}, child() { return log; } };

function makeWorker(handler) {
  const queue = new MemoryQueue();
  const worker = new Worker({ queue, handlers: { email: handler }, config, log });
  return { queue, worker };
}

describe('Worker', () => {
  it('acks a job when the handler succeeds', async () => {
    const handler = sinon.stub().resolves({ ok: true });
    const { queue, worker } = makeWorker(handler);
    await queue.push('email', { id: 'j1' });
    await worker.tick('email');
    expect(handler.calledOnce).to.equal(true);
    expect(queue.list(queue.active, 'email')).to.have.length(0);
  });

  it('retries a RetryableError', async () => {
    const { queue, worker } = makeWorker(sinon.stub().rejects(new RetryableError('flaky')));
    await queue.push('email', { id: 'j2' });
    await worker.tick('email');
    expect(queue.size('email')).to.equal(1);
  });

  it('dead-letters a PermanentError', async () => {
    const { queue, worker } = makeWorker(sinon.stub().rejects(new PermanentError('bad')));
    await queue.push('email', { id: 'j3' });
    await worker.tick('email');
    expect(queue.list(queue.dead, 'email')).to.have.length(1);
  });

  it('withTimeout rejects with JobTimeoutError', async () => {
    const never = new Promise(() => {});
    try {
      await withTimeout(never, 5, 'slow');
      expect.fail('should have timed out');
    } catch (err) {
      expect(err).to.be.instanceOf(JobTimeoutError);
    }
  });
});
