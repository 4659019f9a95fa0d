package dev.ferry.store;

import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisKeyAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;

/**
 * The commands the store uses, from either a standalone/Sentinel or a Cluster connection (Lettuce
 * gives both the same command interfaces but no common type for them).
 */
record RedisCommandsView(
        RedisScriptingAsyncCommands<byte[], byte[]> scripting,
        RedisKeyAsyncCommands<byte[], byte[]> keys,
        BaseRedisAsyncCommands<byte[], byte[]> base) {}
