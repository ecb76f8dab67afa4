'use strict';

const crypto = require('crypto');
const fetch = require('node-fetch');
const { PermanentError, RetryableError } = require('../errors');

const SIGNATURE_HEADER = 'X-Parcelhub-Signature';

function sign(body, secret) {
  return crypto.createHmac('sha256', secret).update(body).digest('hex');
}

async function handleWebhook(job, ctx) {
  const { url, event, data } = job.payload || {};
  if (!url) throw new PermanentError(`webhook job ${job.id} has no url`);

  const body = JSON.stringify({ event, data, deliveredAt: new Date().toISOString() });
  const headers = { 'Content-Type': 'application/json' };
  if (ctx.config.webhook && ctx.config.webhook.secret) {
    headers[SIGNATURE_HEADER] = sign(body, ctx.config.webhook.secret);
  }

  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      timeout: ctx.config.webhook.timeoutMs,
    });
  } catch (err) {
    throw new RetryableError(`webhook to ${url} failed`, { cause: err });
  }

  if (res.status === 410) throw new PermanentError(`endpoint gone: ${url}`);
  if (res.status >= 500) throw new RetryableError(`webhook got ${res.status}`);
  if (res.status >= 400) throw new PermanentError(`webhook rejected with ${res.status}`);
  return { status: res.status };
}

module.exports = { handleWebhook, sign, queue: 'webhook', SIGNATURE_HEADER };
