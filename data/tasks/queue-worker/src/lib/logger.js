'use strict';

const pino = require('pino');

let root = null;

function createLogger(options = {}) {
  const level = options.level || 'info';
  const destination = options.file
    ? pino.destination({ dest: options.file, mkdir: true, sync: false })
    : undefined;
  return pino(
    {
      level,
      base: { service: 'queue-worker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: ['job.payload.password', 'job.payload.token'],
    },
    destination,
  );
}

function getLogger(options) {
  if (!root) root = createLogger(options);
  return root;
}

function child(bindings) {
  return getLogger().child(bindings);
}

module.exports = { createLogger, getLogger, child };
