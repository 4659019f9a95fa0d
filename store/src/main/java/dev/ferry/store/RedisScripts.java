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
     * KEYS[1]=record; ARGV: token hash, claimant, tombstone ttl ms (0 = no tombstone), confirm-within
     * ms (0 = confirmed at once). Returns {0} missing, {1} bad token, {2, claimant} already claimed,
     * {3, payload, ttl ms} claimed, {4, claimant, ms left} claimed by another but not confirmed yet,
     * {5, payload, previous claimant, ttl ms} claimed by taking over a claim left unconfirmed past its
     * deadline. The ttl is the record's before the claim changed it.
     * A provisional claim keeps the record's TTL and adds {@code confirm_by} (ms, Redis clock).
     * The token comparison is a plain string compare: it runs on hashes of 256-bit random
     * tokens, so its timing tells an attacker nothing about a token.
     */
    static final LuaScript CLAIM = LuaScript.of("claim", """
            local state = redis.call('HGET', KEYS[1], 'state')
            if not state then return {0} end
            local ttl = redis.call('PTTL', KEYS[1])
            local function nowMillis()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local sameToken = redis.call('HGET', KEYS[1], 'token') == ARGV[1]
            local previous = false
            if state == 'claimed' then
              local claimant = redis.call('HGET', KEYS[1], 'claimant')
              if claimant == ARGV[2] and sameToken then
                return {3, redis.call('HGET', KEYS[1], 'payload'), ttl}
              end
              local confirmBy = redis.call('HGET', KEYS[1], 'confirm_by')
              if not confirmBy or not sameToken then return {2, claimant} end
              local left = tonumber(confirmBy) - nowMillis()
              if left > 0 then return {4, claimant, left} end
              previous = claimant
            elseif not sameToken then
              return {1}
            end
            local payload = redis.call('HGET', KEYS[1], 'payload')
            local lease = tonumber(ARGV[4])
            if lease > 0 then
              redis.call('HSET', KEYS[1], 'state', 'claimed', 'claimant', ARGV[2], 'confirm_by', nowMillis() + lease)
              redis.call('HDEL', KEYS[1], 'owner')
              if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
            elseif tonumber(ARGV[3]) > 0 then
              redis.call('HSET', KEYS[1], 'state', 'claimed', 'claimant', ARGV[2])
              redis.call('HDEL', KEYS[1], 'confirm_by', 'owner')
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
            else
              redis.call('DEL', KEYS[1])
            end
            if previous then return {5, payload, previous, ttl} end
            return {3, payload, ttl}
            """);

    /**
     * KEYS[1]=record; ARGV: claimant, tombstone ttl ms (0 = no tombstone). Turns the claimant's
     * provisional claim into a tombstone. Returns 1 when the session is the claimant's (claimed by
     * it, or saved by it since), 0 otherwise.
     */
    static final LuaScript CONFIRM = LuaScript.of("confirm", """
            local state = redis.call('HGET', KEYS[1], 'state')
            if state == 'exported' then
              if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return 1 end
              return 0
            end
            if state ~= 'claimed' or redis.call('HGET', KEYS[1], 'claimant') ~= ARGV[1] then return 0 end
            if redis.call('HEXISTS', KEYS[1], 'confirm_by') == 1 then
              if tonumber(ARGV[2]) > 0 then
                redis.call('HDEL', KEYS[1], 'confirm_by')
                redis.call('PEXPIRE', KEYS[1], ARGV[2])
              else
                redis.call('DEL', KEYS[1])
              end
            end
            return 1
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
    static final long UNCONFIRMED = 4;
    static final long TAKEN_OVER = 5;
}
