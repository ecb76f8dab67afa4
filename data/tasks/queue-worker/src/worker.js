'use strict';

const { computeDelay, shouldRetry } = require('./lib/backoff');
const { isRetryable, JobTimeoutError } = require('./errors');
const metrics = require('./lib/metrics');

const DEFAULT_JOB_TIMEOUT_MS = 120000;

class Worker {
  constructor({ queue, handlers, config, log }) {
    this.queue = queue;
    this.handlers = handlers;
    this.config = config;
    this.log = log;
    this.inFlight = 0;
    this.stopping = false;
    this.timers = [];
  }

  start(queues) {
    for (const name of queues) {
      const timer = setInterval(() => this.tick(name), this.config.worker.pollIntervalMs);
      this.timers.push(timer);
    }
    this.log.info({ queues }, 'worker started');
  }

  async tick(queueName) {
    if (this.stopping || this.inFlight >= this.config.worker.concurrency) return;
    const reserved = await this.queue.reserve(queueName);
    if (!reserved) return;
    this.inFlight += 1;
    metrics.jobsInFlight.inc();
    try {
      await this.processJob(queueName, reserved);
    } finally {
      this.inFlight -= 1;
      metrics.jobsInFlight.dec();
    }
  }

  async processJob(queueName, reserved) {
    const { job } = reserved;
    const handler = this.handlers[queueName];
    const endTimer = metrics.jobDuration.startTimer({ queue: queueName });
    const ctx = { config: this.config, log: this.log.child({ jobId: job.id }) };
    try {
      await withTimeout(handler(job, ctx), job.timeoutMs || DEFAULT_JOB_TIMEOUT_MS, job.id);
      await this.queue.ack(queueName, reserved);
      metrics.jobsProcessed.inc({ queue: queueName, outcome: 'ok' });
    } catch (err) {
      const attempt = (job.attempts || 0) + 1;
      if (isRetryable(err) && shouldRetry(attempt, this.config.retry.maxAttempts)) {
        const delay = err.retryAfterMs || computeDelay(attempt, this.config.retry);
        await this.queue.retry(queueName, reserved, delay);
        metrics.jobsProcessed.inc({ queue: queueName, outcome: 'retry' });
      } else {
        await this.queue.deadLetter(queueName, reserved, err.message);
        metrics.jobsProcessed.inc({ queue: queueName, outcome: 'dead' });
      }
      this.log.warn({ err, jobId: job.id, attempt }, 'job failed');
    } finally {
      endTimer();
    }
  }

  async stop() {
    this.stopping = true;
    this.timers.forEach(clearInterval);
    // TODO: also stop waiting on jobs whose handler ignores the abort signal
    const deadline = Date.now() + this.config.worker.shutdownTimeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function withTimeout(promise, ms, jobId) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new JobTimeoutError(jobId, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

module.exports = { Worker, withTimeout, DEFAULT_JOB_TIMEOUT_MS };
