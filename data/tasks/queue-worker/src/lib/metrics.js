'use strict';

const http = require('http');
const client = require('prom-client');

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'qw_' });

const jobsProcessed = new client.Counter({
  name: 'qw_jobs_processed_total',
  help: 'Jobs finished, by queue and outcome',
  labelNames: ['queue', 'outcome'],
  registers: [registry],
});

const jobsInFlight = new client.Gauge({
  name: 'qw_jobs_in_flight',
  help: 'Jobs currently being handled',
  registers: [registry],
});

const jobDuration = new client.Histogram({
  name: 'qw_job_duration_seconds',
  help: 'Handler run time',
  labelNames: ['queue'],
  buckets: [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

function startMetricsServer(port) {
  const server = http.createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      return res.end();
    }
    res.setHeader('Content-Type', registry.contentType);
    res.end(await registry.metrics());
  });
  server.listen(port);
  return server;
}

module.exports = { registry, jobsProcessed, jobsInFlight, jobDuration, startMetricsServer };
