/**
 * The Lua of the Redis realtime stores. Each script touches only keys of one hash tag, so it runs on Redis
 * Cluster. Time is Redis's TIME — one clock for every node, so a node whose clock is off cannot expire the
 * entries of the others early. An entry is expired when its expiry is <= now, as in the memory adapters.
 * Numbers are formatted with %d: Lua's own conversion keeps only 14 digits.
 */

const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- A key lives at least as long as its longest-lived entry; a shorter TTL never shortens it.
local function keep(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end`;

/**
 * KEYS: the user's connection set. ARGV: connection id, limit, ttlMs. Returns 1 when admitted, 0 when the user
 * already has `limit` live connections. A connection admitted again keeps its slot.
 */
export const ADMIT_SCRIPT = `${PRELUDE}
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], string.format('%d', now + ttl), ARGV[1])
keep(KEYS[1], ttl)
return 1`;

/**
 * KEYS: a connection set. ARGV: ttlMs, 'add' or 'refresh', connection ids. Sets each id's expiry to now + ttl;
 * 'refresh' only for ids still live (ZADD XX after dropping the expired), so a heartbeat never revives one.
 */
export const PUT_LIVE_SCRIPT = `${PRELUDE}
local ttl = tonumber(ARGV[1])
local score = string.format('%d', now + ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 3, #ARGV do
  if ARGV[2] == 'refresh' then
    redis.call('ZADD', KEYS[1], 'XX', score, ARGV[i])
  else
    redis.call('ZADD', KEYS[1], score, ARGV[i])
  end
end
keep(KEYS[1], ttl)
return 1`;

/** KEYS: a connection set. Returns its live count. */
export const COUNT_LIVE_SCRIPT = `${PRELUDE}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

/** Creates the stream's epoch when missing; a new epoch starts from nothing (offset 0, no publications). */
const STREAM = `
local function epochOf(candidate, ttl)
  local epoch = redis.call('GET', KEYS[1])
  if epoch then return epoch end
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('SET', KEYS[1], candidate, 'PX', ttl)
  return candidate
end`;

/**
 * KEYS: epoch, offset, publications (a list of `offset:data`, oldest first). ARGV: data, size, ttlMs, a new
 * epoch for a stream without one. Returns the offset and the epoch.
 */
export const APPEND_SCRIPT = `${STREAM}
local size = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local epoch = epochOf(ARGV[4], ttl)
local offset = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[3], string.format('%d', offset) .. ':' .. ARGV[1])
redis.call('LTRIM', KEYS[3], -size, -1)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
return {offset, epoch}`;

/** KEYS: as APPEND. ARGV: a new epoch, ttlMs of an unwritten stream. Returns the offset and the epoch. */
export const POSITION_SCRIPT = `${STREAM}
local epoch = epochOf(ARGV[1], tonumber(ARGV[2]))
return {tonumber(redis.call('GET', KEYS[2]) or '0'), epoch}`;

/**
 * KEYS: as APPEND. ARGV: since offset, since epoch, limit, a new epoch, ttlMs of an unwritten stream. Returns
 * offset, epoch, recovered (1 or 0), then the missed `offset:data` items oldest first — all of them or none.
 */
export const SINCE_SCRIPT = `${STREAM}
local epoch = epochOf(ARGV[4], tonumber(ARGV[5]))
local offset = tonumber(redis.call('GET', KEYS[2]) or '0')
local missed = offset - tonumber(ARGV[1])
if epoch ~= ARGV[2] or missed < 0 or missed > tonumber(ARGV[3]) or missed > redis.call('LLEN', KEYS[3]) then
  return {offset, epoch, 0}
end
local reply = {offset, epoch, 1}
if missed > 0 then
  for _, item in ipairs(redis.call('LRANGE', KEYS[3], -missed, -1)) do reply[#reply + 1] = item end
end
return reply`;

/** Drops the expired connections of a channel from its hash (KEYS[1]) and its expiry set (KEYS[2]). */
const PRESENCE = `${PRELUDE}
local function dropExpired()
  local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for i = 1, #gone, 1000 do redis.call('HDEL', KEYS[1], unpack(gone, i, math.min(i + 999, #gone))) end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end`;

/**
 * KEYS: the channel's hash (connection id → JSON {userId, joinedAt, info?}), its expiry set. ARGV: connection
 * id, user id, info as JSON text or '', ttlMs. The info text is embedded as given, never re-encoded by Lua.
 */
export const JOIN_SCRIPT = `${PRESENCE}
local ttl = tonumber(ARGV[4])
dropExpired()
local value = '{"userId":' .. cjson.encode(ARGV[2]) .. ',"joinedAt":' .. string.format('%d', now)
if ARGV[3] ~= '' then value = value .. ',"info":' .. ARGV[3] end
redis.call('HSET', KEYS[1], ARGV[1], value .. '}')
redis.call('ZADD', KEYS[2], string.format('%d', now + ttl), ARGV[1])
keep(KEYS[1], ttl)
keep(KEYS[2], ttl)
return 1`;

/** KEYS: as JOIN. ARGV: ttlMs, connection ids. Extends the live ones; an expired one stays gone. */
export const REFRESH_PRESENCE_SCRIPT = `${PRESENCE}
local ttl = tonumber(ARGV[1])
local score = string.format('%d', now + ttl)
dropExpired()
for i = 2, #ARGV do redis.call('ZADD', KEYS[2], 'XX', score, ARGV[i]) end
keep(KEYS[1], ttl)
keep(KEYS[2], ttl)
return 1`;

/** KEYS: as JOIN. Returns the live connections as HGETALL does: id, JSON, id, JSON … */
export const MEMBERS_SCRIPT = `${PRESENCE}
dropExpired()
return redis.call('HGETALL', KEYS[1])`;
