'use strict';

const email = require('./emailHandler');
const thumbnail = require('./thumbnailHandler');
const webhook = require('./webhookHandler');

const HANDLERS = {
  [email.queue]: email.handleEmail,
  [thumbnail.queue]: thumbnail.handleThumbnail,
  [webhook.queue]: webhook.handleWebhook,
};

function getHandler(queue) {
  const handler = HANDLERS[queue];
  if (!handler) {
    throw new Error(`no handler registered for queue "${queue}"`);
  }
  return handler;
}

function registeredQueues() {
  return Object.keys(HANDLERS);
}

module.exports = { HANDLERS, getHandler, registeredQueues };
