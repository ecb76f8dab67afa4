'use strict';

const fs = require('fs');
const path = require('path');

const CONFIG_DIR = path.join(__dirname, '..', '..', 'config');

function readJson(file) {
  const full = path.join(CONFIG_DIR, file);
  if (!fs.existsSync(full)) return {};
  return JSON.parse(fs.readFileSync(full, 'utf8'));
}

function merge(base, override) {
  const out = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = merge(base[key] || {}, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function fromEnv(env) {
  const cfg = {};
  if (env.REDIS_URL) cfg.redis = { url: env.REDIS_URL };
  if (env.LOG_LEVEL) cfg.log = { level: env.LOG_LEVEL, file: env.LOG_FILE || null };
  if (env.SMTP_HOST) {
    cfg.smtp = {
      host: env.SMTP_HOST,
      port: Number(env.SMTP_PORT || 587),
      from: env.SMTP_FROM,
    };
  }
  if (env.WEBHOOK_SIGNING_SECRET) cfg.webhook = { secret: env.WEBHOOK_SIGNING_SECRET };
  if (env.THUMBNAIL_MAX_WIDTH) cfg.thumbnail = { maxWidth: Number(env.THUMBNAIL_MAX_WIDTH) };
  return cfg;
}

function loadConfig(env = process.env) {
  const nodeEnv = env.NODE_ENV || 'development';
  let cfg = readJson('default.json');
  cfg = merge(cfg, readJson(`${nodeEnv}.json`));
  cfg = merge(cfg, fromEnv(env));
  cfg.env = nodeEnv;
  return cfg;
}

module.exports = { loadConfig, merge };
