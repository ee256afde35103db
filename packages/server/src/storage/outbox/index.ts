export { ChangeFeedBroker, type ChangeFeedOptions, type ChangeFeedStats } from './change-feed.ts';
export { ClaimLoop, type ClaimLoopStats } from './claim-loop.ts';
export {
  type Job,
  type JobHandler,
  type JobQueue,
  Outbox,
  type OutboxOptions,
  type OutboxSettings,
  type OutboxStats,
} from './outbox.ts';
export { outboxEventSink } from './outbox-event-sink.ts';
export { outboxOrigin, outboxOwner } from './outbox-origin.ts';
export type { ClaimRequest, OutboxEntry, OutboxKind, OutboxRow, OutboxStore } from './outbox-store.ts';
export { type OutboxTable, outboxMigrations } from './outbox-table.ts';
export { changeAnnounced, SqlEventRows } from './sql-event-rows.ts';
export { appendOutboxRows, SqlOutboxStore } from './sql-outbox-store.ts';
