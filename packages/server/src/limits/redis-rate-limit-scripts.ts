/**
 * The Lua of the Redis rate-limit store: the same steps as `sliding-window.ts` and `gcra.ts`, in the same
 * order of operations on the same doubles, so Redis and memory agree to the millisecond (the conformance suite
 * checks it). Each script reads and writes one key, so it runs on Redis Cluster; the key carries a hash tag
 * anyway, so a later script over several keys of one subject stays on one slot.
 *
 * Time: ARGV's `now`, or Redis's own TIME when it is empty. The module uses Redis's TIME — one clock for every
 * node, so a node whose clock is off cannot shift the windows of the others; tests pass their manual clock.
 * Expiries are relative (PEXPIRE), since the caller's clock need not be Redis's.
 * Numbers that may exceed 14 digits are formatted by hand: Lua's own conversion keeps only 14.
 */

const NOW = `
local now = tonumber(ARGV[#ARGV])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

/** KEYS: the counter. ARGV: windowMs, limit, cost, now. Returns allowed, windowStart, current, previous, now. */
export const SLIDING_WINDOW_SCRIPT = `${NOW}
local w = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local start = now - (now % w)
local s = redis.call('HMGET', KEYS[1], 's', 'c', 'p')
local stored = tonumber(s[1])
local c = 0
local p = 0
if stored == start then
  c = tonumber(s[2])
  p = tonumber(s[3])
elseif stored == start - w then
  p = tonumber(s[2])
end
local allowed = 0
if p * (w - (now - start)) + (c + cost) * w <= limit * w then
  allowed = 1
  c = c + cost
  redis.call('HSET', KEYS[1], 's', string.format('%d', start), 'c', c, 'p', p)
  redis.call('PEXPIRE', KEYS[1], string.format('%d', start + 2 * w - now))
end
return {allowed, string.format('%d', start), c, p, string.format('%d', now)}`;

/** KEYS: the TAT. ARGV: periodMs, rate, burst, cost, now. Returns allowed, tat, now. */
export const GCRA_SCRIPT = `${NOW}
local interval = tonumber(ARGV[1]) / tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then tat = math.max(tonumber(stored), now) end
local nextTat = tat + interval * cost
if nextTat - interval * burst > now then
  return {0, string.format('%.17g', tat), string.format('%d', now)}
end
redis.call('SET', KEYS[1], string.format('%.17g', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return {1, string.format('%.17g', nextTat), string.format('%d', now)}`;
