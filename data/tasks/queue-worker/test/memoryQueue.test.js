'use strict';

const { expect } = require('chai');
const { MemoryQueue } = require('../src/queue/memoryQueue');

describe('MemoryQueue', () => {
  let queue;

  beforeEach(() => {
    queue = new MemoryQueue();
  });

  it('reserves jobs in FIFO order', async () => {
    await queue.push('email', { id: 'a' });
    await queue.push('email', { id: 'b' });
    const first = await queue.reserve('email');
    expect(first.job.id).to.equal('a');
  });

  it('returns null when the queue is empty', async () => {
    expect(await queue.reserve('email')).to.equal(null);
  });

  it('requeues on retry with attempts incremented', async () => {
    await queue.push('webhook', { id: 'w1' });
    const reserved = await queue.reserve('webhook');
    await queue.retry('webhook', reserved, 10);
    const again = await queue.reserve('webhook');
    expect(again.job.attempts).to.equal(1);
  });

  it('moves dead-lettered jobs out of active', async () => {
    await queue.push('thumbnail', { id: 't1' });
    const reserved = await queue.reserve('thumbnail');
    await queue.deadLetter('thumbnail', reserved, 'bad payload');
    expect(queue.list(queue.active, 'thumbnail')).to.have.length(0);
    expect(queue.list(queue.dead, 'thumbnail')[0].reason).to.equal('bad payload');
  });
});
