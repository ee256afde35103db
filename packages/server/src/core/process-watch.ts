import type { Logger } from 'pino';

/**
 * While an app listens, an unhandled rejection or uncaught exception is logged and counted instead of ending
 * the process: one faulty background task must not take down every in-flight request. Returns the undo.
 */
export function watchProcess(
  log: Pick<Logger, 'error'>,
  stats: { unhandledRejections: number; uncaughtExceptions: number },
): () => void {
  const onRejection = (reason: unknown) => {
    stats.unhandledRejections += 1;
    log.error({ err: reason }, 'unhandled promise rejection; still serving');
  };
  const onException = (error: Error) => {
    stats.uncaughtExceptions += 1;
    log.error({ err: error }, 'uncaught exception; still serving');
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
