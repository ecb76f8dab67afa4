import pino, { Logger } from 'pino';

const LEVEL = process.env.LOG_LEVEL ?? 'info';

export const logger: Logger = pino({
  level: LEVEL,
  base: { service: 'invoice-svc' },
  redact: ['req.headers.authorization', 'customer.email'],
  timestamp: pino.stdTimeFunctions.isoTime,
});

export function childLogger(bindings: Record<string, unknown>): Logger {
  return logger.child(bindings);
}
