import express, { type Express } from 'express';
import type { Logger } from '../lib/logger.ts';
import { errorHandler, notFound } from './middleware/error-handler.ts';

export interface AppDependencies {
  log: Logger;
}

/** The Express app: routes and error handling. It never listens; `start-server.ts` does. */
export function createApp({ log }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));
  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}
