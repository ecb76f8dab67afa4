#!/usr/bin/env node
'use strict';

/*
 * Push a few sample jobs so the worker has something to chew on locally.
 * Usage: node scripts/enqueue-sample.js [count]
 */
require('dotenv').config();
const Redis = require('ioredis');
const jobs = require('../test/fixtures/jobs.json');

async function run() {
  const count = Number(process.argv[2] || jobs.length);
  const redis = new Redis(process.env.REDIS_URL || 'redis://localhost:6379/2');
  for (let i = 0; i < count; i += 1) {
    const job = { ...jobs[i % jobs.length], id: `sample-${Date.now()}-${i}` };
    await redis.rpush(`qw:${job.queue}:ready`, JSON.stringify(job));
    console.log(`queued ${job.id} on ${job.queue}`);
  }
  await redis.quit();
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
