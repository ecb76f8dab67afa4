'use strict';

/**
 * In-process queue with the same interface as RedisQueue. Used by the tests
 * and when worker.driver is "memory".
 */
class MemoryQueue {
  constructor() {
    this.ready = new Map();
    this.active = new Map();
    this.dead = new Map();
  }

  list(store, queue) {
    if (!store.has(queue)) store.set(queue, []);
    return store.get(queue);
  }

  async push(queue, job) {
    this.list(this.ready, queue).push({ attempts: 0, ...job, enqueuedAt: Date.now() });
  }

  async reserve(queue) {
    const job = this.list(this.ready, queue).shift();
    if (!job) return null;
    this.list(this.active, queue).push(job);
    return { job, raw: job };
  }

  async ack(queue, reserved) {
    const active = this.list(this.active, queue);
    const idx = active.indexOf(reserved.raw);
    if (idx !== -1) active.splice(idx, 1);
  }

  async retry(queue, reserved, _delayMs) {
    await this.ack(queue, reserved);
    this.list(this.ready, queue).push({ ...reserved.job, attempts: reserved.job.attempts + 1 });
  }

  async deadLetter(queue, reserved, reason) {
    await this.ack(queue, reserved);
    this.list(this.dead, queue).push({ ...reserved.job, reason });
  }

  size(queue) {
    return this.list(this.ready, queue).length;
  }

  async close() {}
}

module.exports = { MemoryQueue };
