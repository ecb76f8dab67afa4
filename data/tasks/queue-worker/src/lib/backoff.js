'use strict';

/**
 * Exponential backoff with optional jitter.
 *
 * @param {number} attempt  1-based attempt number that just failed
 * @param {object} opts     { baseDelayMs, maxDelayMs, jitter }
 * @param {function} random source of randomness, injectable for tests
 * @returns {number} delay in milliseconds before the next attempt
 */
function computeDelay(attempt, opts, random = Math.random) {
  const { baseDelayMs, maxDelayMs, jitter = 0 } = opts;
  if (attempt < 1) return 0;
  const raw = baseDelayMs * 2 ** (attempt - 1);
  const capped = Math.min(raw, maxDelayMs);
  const spread = capped * jitter * random();
  return Math.round(capped + spread);
}

/**
 * @returns {boolean} whether another attempt is allowed
 */
function shouldRetry(attempt, maxAttempts) {
  // TODO: honour a per-queue maxAttempts override once handlers can declare one
  return attempt < maxAttempts;
}

function nextRunAt(now, attempt, opts, random) {
  return now + computeDelay(attempt, opts, random);
}

module.exports = { computeDelay, shouldRetry, nextRunAt };
