'use strict';

const nodemailer = require('nodemailer');
const { PermanentError, RetryableError } = require('../errors');

let transport = null;

function getTransport(smtp) {
  if (!transport) {
    transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.port === 465,
    });
  }
  return transport;
}

async function handleEmail(job, ctx) {
  const { to, subject, text, html } = job.payload || {};
  if (!to || !subject) {
    throw new PermanentError(`email job ${job.id} is missing "to" or "subject"`);
  }
  try {
    const info = await getTransport(ctx.config.smtp).sendMail({
      from: ctx.config.smtp.from,
      to,
      subject,
      text,
      html,
    });
    ctx.log.info({ jobId: job.id, messageId: info.messageId }, 'email sent');
    return { messageId: info.messageId };
  } catch (err) {
    if (err.responseCode && err.responseCode >= 500 && err.responseCode < 600) {
      throw new PermanentError('smtp rejected message', { cause: err });
    }
    throw new RetryableError('smtp send failed', { cause: err });
  }
}

module.exports = { handleEmail, queue: 'email' };
