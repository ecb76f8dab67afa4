'use strict';

const { RedisQueue } = require('./redisQueue');
const { MemoryQueue } = require('./memoryQueue');

/**
 * Build the queue driver named by config.worker.driver.
 *
 * @returns {MemoryQueue|RedisQueue} a MemoryQueue when the driver is "memory",
 *   otherwise a RedisQueue connected with config.redis
 */
function createQueue(config) {
  const driver = (config.worker && config.worker.driver) || 'redis';
  if (driver === 'memory') {
    return new MemoryQueue();
  }
  if (driver !== 'redis') {
    throw new Error(`unknown queue driver: ${driver}`);
  }
  return new RedisQueue({
    ...config.redis,
    leaseMs: config.worker.leaseMs,
  });
}

module.exports = { createQueue, RedisQueue, MemoryQueue };
