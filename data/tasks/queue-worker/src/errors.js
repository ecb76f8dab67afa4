'use strict';

/**
 * Errors thrown by handlers to tell the worker what to do with a job.
 */

class RetryableError extends Error {
  constructor(message, { cause, retryAfterMs } = {}) {
    super(message);
    this.name = 'RetryableError';
    this.cause = cause;
    this.retryAfterMs = retryAfterMs;
  }
}

class PermanentError extends Error {
  constructor(message, { cause } = {}) {
    super(message);
    this.name = 'PermanentError';
    this.cause = cause;
  }
}

class JobTimeoutError extends RetryableError {
  constructor(jobId, timeoutMs) {
    super(`job ${jobId} timed out after ${timeoutMs}ms`);
    this.name = 'JobTimeoutError';
    this.jobId = jobId;
    this.timeoutMs = timeoutMs;
  }
}

function isRetryable(err) {
  if (err instanceof PermanentError) return false;
  return true;
}

module.exports = {
  RetryableError,
  PermanentError,
  JobTimeoutError,
  isRetryable,
};
