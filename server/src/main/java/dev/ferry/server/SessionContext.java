package dev.ferry.server;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The part of a session that travels with it: named byte values the application keeps here
 * instead of in its own fields. The SDK serializes it into the context store when the session
 * migrates and restores it on the server that resumes the session.
 *
 * <p>Not thread-safe on its own: handlers of one session run one at a time, which is the only
 * access the SDK makes.
 */
public final class SessionContext {
    private final Map<String, byte[]> values = new LinkedHashMap<>();

    public byte[] get(String key) {
        byte[] v = values.get(key);
        return v == null ? null : v.clone();
    }

    public void put(String key, byte[] value) {
        if (key == null || value == null) throw new IllegalArgumentException("key and value must not be null");
        values.put(key, value.clone());
    }

    public String getString(String key) {
        byte[] v = values.get(key);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    public void putString(String key, String value) {
        if (value == null) throw new IllegalArgumentException("value must not be null");
        values.put(requireKey(key), value.getBytes(StandardCharsets.UTF_8));
    }

    public void remove(String key) {
        values.remove(key);
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    public int size() {
        return values.size();
    }

    /** Removes every key starting with {@code prefix}. */
    public void removePrefix(String prefix) {
        values.keySet().removeIf(k -> k.startsWith(prefix));
    }

    /** Live view for the SDK's serializer; values are not copied. */
    Map<String, byte[]> raw() {
        return values;
    }

    private static String requireKey(String key) {
        if (key == null) throw new IllegalArgumentException("key must not be null");
        return key;
    }
}
