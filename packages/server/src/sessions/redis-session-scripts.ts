/**
 * The Lua scripts of the Redis session store (`redis-session-store.ts`, whose header describes the keys). Each
 * runs atomically, so a cached record, its index and its user set never disagree.
 */

/** Caches a record unless its revoked marker exists; drops ids whose index key is gone from the user's set. */
export const CACHE_SCRIPT = `
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
for _, member in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('EXISTS', ARGV[5] .. member) == 0 then redis.call('SREM', KEYS[3], member) end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[3])
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
return 1`;

/**
 * Removes sessions' keys. ARGV: prefix, revoked-marker ttl, user whose whole set is swept ('' = none), id the
 * sweep keeps ('' = none), then (id, tokenHash or '', userId or '', '1' to leave a revoked marker) per session.
 */
export const INVALIDATE_SCRIPT = `
local prefix = ARGV[1]
local function drop(id, tokenHash, userId, revoke)
  local indexed = redis.call('GET', prefix .. 'sess:i:' .. id)
  if indexed then redis.call('DEL', prefix .. 'sess:t:' .. indexed) end
  if tokenHash ~= '' then redis.call('DEL', prefix .. 'sess:t:' .. tokenHash) end
  redis.call('DEL', prefix .. 'sess:i:' .. id)
  if userId ~= '' then redis.call('SREM', prefix .. 'sess:u:' .. userId, id) end
  if revoke == '1' then redis.call('SET', prefix .. 'sess:x:' .. id, '1', 'PX', ARGV[2]) end
end
for i = 5, #ARGV, 4 do drop(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) end
if ARGV[3] ~= '' then
  for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'sess:u:' .. ARGV[3])) do
    if id ~= ARGV[4] then drop(id, '', ARGV[3], '1') end
  end
end
return 0`;

/** The record behind an id, in one round trip. */
export const FIND_BY_ID_SCRIPT = `
local tokenHash = redis.call('GET', KEYS[1])
if not tokenHash then return false end
return redis.call('GET', ARGV[1] .. tokenHash)`;

/** Sessions per invalidation script call, so a large purge does not block Redis for long. */
export const INVALIDATE_BATCH = 250;
