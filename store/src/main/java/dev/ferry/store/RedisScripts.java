package dev.ferry.store;

/**
 * The record layout and the scripts that change it. One hash per session:
 * {@code state} is {@code exported} or {@code claimed}; an exported record has {@code token}
 * (SHA-256 of the resume token) and {@code payload}; a claimed one (the tombstone) has
 * {@code claimant} and keeps {@code token} and {@code payload}, so the same claimant can repeat a
 * claim whose answer it lost. Each script runs atomically in Redis, which is what makes a claim
 * exclusive.
 */
final class RedisScripts {
    private RedisScripts() {}

    /** KEYS[1]=record; ARGV: token hash, payload, ttl ms. Replaces whatever was there. */
    static final LuaScript EXPORT = LuaScript.of("export", """
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'state', 'exported', 'token', ARGV[1], 'payload', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1
            """);

    /**
     * KEYS[1]=record; ARGV: token hash, claimant, tombstone ttl ms (0 = no tombstone).
     * Returns {0} missing, {1} bad token, {2, claimant} already claimed, {3, payload} claimed.
     * The token comparison is a plain string compare: it runs on hashes of 256-bit random
     * tokens, so its timing tells an attacker nothing about a token.
     */
    static final LuaScript CLAIM = LuaScript.of("claim", """
            local state = redis.call('HGET', KEYS[1], 'state')
            if not state then return {0} end
            if state == 'claimed' then
              local claimant = redis.call('HGET', KEYS[1], 'claimant')
              if claimant == ARGV[2] and redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
                return {3, redis.call('HGET', KEYS[1], 'payload')}
              end
              return {2, claimant}
            end
            if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return {1} end
            local payload = redis.call('HGET', KEYS[1], 'payload')
            if tonumber(ARGV[3]) > 0 then
              redis.call('HSET', KEYS[1], 'state', 'claimed', 'claimant', ARGV[2])
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
            else
              redis.call('DEL', KEYS[1])
            end
            return {3, payload}
            """);

    /**
     * Write-through save. KEYS[1]=record; ARGV: token hash, payload, ttl ms, owner, then the claimant
     * names that count as the owner's own. Writes (state exported, owner) and returns 1 when there
     * is no record, or the record is exported without an owner or with this owner, or claimed by one
     * of the owner's names; returns 0 (and writes nothing) when another server has the session.
     */
    static final LuaScript SAVE = LuaScript.of("save", """
            local state = redis.call('HGET', KEYS[1], 'state')
            if state == 'claimed' then
              local claimant = redis.call('HGET', KEYS[1], 'claimant')
              local ours = false
              for i = 4, #ARGV do
                if claimant == ARGV[i] then ours = true end
              end
              if not ours then return 0 end
            elseif state == 'exported' then
              local owner = redis.call('HGET', KEYS[1], 'owner')
              if owner and owner ~= ARGV[4] then return 0 end
            end
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'state', 'exported', 'token', ARGV[1], 'payload', ARGV[2], 'owner', ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1
            """);

    /** KEYS[1]=record; ARGV: ttl ms. Only an exported record gets a new TTL. Returns 1 or 0. */
    static final LuaScript EXPIRE = LuaScript.of("expire", """
            if redis.call('HGET', KEYS[1], 'state') == 'exported' then
              redis.call('PEXPIRE', KEYS[1], ARGV[1])
              return 1
            end
            return 0
            """);

    static final long MISSING = 0;
    static final long BAD_TOKEN = 1;
    static final long ALREADY_CLAIMED = 2;
    static final long CLAIMED = 3;
}
