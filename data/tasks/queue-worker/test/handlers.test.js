'use strict';

const { expect } = require('chai');
const { getHandler, registeredQueues } = require('../src/handlers');
const { sign } = require('../src/handlers/webhookHandler');
const { PermanentError } = require('../src/errors');

describe('handlers', () => {
  it('registers one handler per queue', () => {
    expect(registeredQueues()).to.have.members(['email', 'thumbnail', 'webhook']);
  });

  it('throws for an unknown queue', () => {
    expect(() => getHandler('sms')).to.throw(/no handler registered/);
  });

  it('signs webhook bodies with hmac-sha256', () => {
    const sig = sign('{"a":1}', 'secret');
    expect(sig).to.match(/^[0-9a-f]{64}$/);
  });

  it('rejects email jobs without a subject', async () => {
    const handleEmail = getHandler('email');
    try {
      await handleEmail({ id: 'e1', payload: { to: 'x@y.z' } }, { config: {}, log: {} });
      expect.fail('expected PermanentError');
    } catch (err) {
      expect(err).to.be.instanceOf(PermanentError);
    }
  });
});
