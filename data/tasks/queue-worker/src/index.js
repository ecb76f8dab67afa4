'use strict';

require('dotenv').config();

const { loadConfig } = require('./lib/config');
const { getLogger } = require('./lib/logger');
const { startMetricsServer } = require('./lib/metrics');
const { createQueue } = require('./queue');
const { HANDLERS } = require('./handlers');
const { Worker } = require('./worker');

async function main() {
  const config = loadConfig();
  const log = getLogger(config.log);
  const queue = createQueue(config);
  const worker = new Worker({ queue, handlers: HANDLERS, config, log });

  let metricsServer = null;
  if (config.metrics.enabled) {
    metricsServer = startMetricsServer(config.metrics.port);
    log.info({ port: config.metrics.port }, 'metrics listening');
  }

  worker.start(config.queues);

  const shutdown = async (signal) => {
    log.info({ signal }, 'shutting down');
    await worker.stop();
    await queue.close();
    if (metricsServer) metricsServer.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err) => {
  // eslint-disable-next-line no-console
  console.error('queue-worker failed to start', err);
  process.exit(1);
});
