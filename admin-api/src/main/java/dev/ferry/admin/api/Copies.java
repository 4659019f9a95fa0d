package dev.ferry.admin.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Immutable copies for the response records. A null stays null: a response read from an older
 * server may lack a field, and the caller decides what that means.
 */
final class Copies {
    private Copies() {}

    static <T> List<T> list(List<T> values) {
        return values == null ? null : Collections.unmodifiableList(new ArrayList<>(values));
    }

    /** Keeps the order the server wrote (every state in declaration order), which a person reading it expects. */
    static <K, V> Map<K, V> map(Map<K, V> values) {
        return values == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
