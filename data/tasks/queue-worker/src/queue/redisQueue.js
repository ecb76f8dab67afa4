'use strict';

const Redis = require('ioredis');

class RedisQueue {
  constructor(options = {}) {
    this.prefix = options.keyPrefix || 'qw:';
    this.leaseMs = options.leaseMs || 30000;
    this.redis = options.client || new Redis(options.url || {
      host: options.host,
      port: options.port,
    });
  }

  key(queue, suffix) {
    return `${this.prefix}${queue}:${suffix}`;
  }

  async push(queue, job) {
    const body = JSON.stringify({ attempts: 0, ...job, enqueuedAt: Date.now() });
    await this.redis.rpush(this.key(queue, 'ready'), body);
  }

  async reserve(queue) {
    const raw = await this.redis.lmove(this.key(queue, 'ready'), this.key(queue, 'active'), 'LEFT', 'RIGHT');
    if (!raw) return null;
    const job = JSON.parse(raw);
    await this.redis.zadd(this.key(queue, 'leases'), Date.now() + this.leaseMs, job.id);
    return { job, raw };
  }

  async ack(queue, reserved) {
    await this.redis
      .multi()
      .lrem(this.key(queue, 'active'), 1, reserved.raw)
      .zrem(this.key(queue, 'leases'), reserved.job.id)
      .exec();
  }

  async retry(queue, reserved, delayMs) {
    const job = { ...reserved.job, attempts: reserved.job.attempts + 1 };
    await this.ack(queue, reserved);
    // FIXME: setTimeout-based delay loses the job if the process dies before it fires; use a delayed zset
    setTimeout(() => this.push(queue, job), delayMs);
  }

  async deadLetter(queue, reserved, reason) {
    const body = JSON.stringify({ ...reserved.job, failedAt: Date.now(), reason });
    await this.ack(queue, reserved);
    await this.redis.lpush(this.key(queue, 'dead'), body);
  }

  async reclaimExpired(queue, now = Date.now()) {
    const ids = await this.redis.zrangebyscore(this.key(queue, 'leases'), 0, now);
    return ids.length;
  }

  async close() {
    await this.redis.quit();
  }
}

module.exports = { RedisQueue };
