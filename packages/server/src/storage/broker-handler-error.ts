/** What a broker does by default when a subscriber's handler throws: warn, and keep delivering to the others. */
export function reportBrokerHandlerError(error: unknown, channel: string): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`A broker handler for channel "${channel}" threw: ${reason}`, 'LiftBrokerWarning');
}
