/** Where a benchmark server listens: `BENCH_PORT` (required) on `BENCH_HOST` (default 127.0.0.1). */
export interface ListenAddress {
  host: string;
  port: number;
}

export function listenAddress(): ListenAddress {
  const port = Number(process.env.BENCH_PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`BENCH_PORT must be a port number, got ${JSON.stringify(process.env.BENCH_PORT)}`);
  }
  return { host: process.env.BENCH_HOST ?? '127.0.0.1', port };
}
