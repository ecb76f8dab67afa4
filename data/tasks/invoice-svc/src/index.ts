/**
 * Process entry point: loads configuration, runs pending migrations
 * and starts the HTTP server.
 */
import 'dotenv/config';
import { createApp } from './app';
import { runMigrations } from './db/migrations';
import { closePool } from './db/pool';
import { logger } from './utils/logger';

const DEFAULT_PORT = 3000;

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? DEFAULT_PORT);

  await runMigrations();
  const app = createApp();

  const server = app.listen(port, () => {
    logger.info({ port }, 'invoice-svc listening');
  });

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    server.close();
    await closePool();
    process.exit(0);
  };

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'failed to start');
  process.exit(1);
});
