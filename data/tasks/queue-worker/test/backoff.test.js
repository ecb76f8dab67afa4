'use strict';

const { expect } = require('chai');
const { computeDelay, shouldRetry, nextRunAt } = require('../src/lib/backoff');

const opts = { baseDelayMs: 400, maxDelayMs: 60000, jitter: 0 };

describe('backoff', () => {
  describe('computeDelay', () => {
    it('returns the base delay on the first attempt', () => {
      expect(computeDelay(1, opts)).to.equal(400);
    });

    it('doubles with each attempt', () => {
      expect(computeDelay(2, opts)).to.equal(800);
      expect(computeDelay(4, opts)).to.equal(3200);
    });

    it('is capped at maxDelayMs', () => {
      expect(computeDelay(20, opts)).to.equal(60000);
    });

    it('adds jitter from the injected random source', () => {
      const delay = computeDelay(1, { ...opts, jitter: 0.5 }, () => 1);
      expect(delay).to.equal(600);
    });

    it('returns 0 for attempt 0', () => {
      expect(computeDelay(0, opts)).to.equal(0);
    });
  });

  describe('shouldRetry', () => {
    it('allows attempts below the limit', () => {
      expect(shouldRetry(4, 5)).to.equal(true);
    });

    it('stops at the limit', () => {
      expect(shouldRetry(5, 5)).to.equal(false);
    });
  });

  it('nextRunAt adds the delay to now', () => {
    expect(nextRunAt(1000, 1, opts)).to.equal(1400);
  });
});
