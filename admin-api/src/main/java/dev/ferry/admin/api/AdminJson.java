package dev.ferry.admin.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes and reads the contract's records as the admin API's JSON.
 *
 * <p>Two ways to read: {@link #read} ignores fields it does not know, so that a caller built
 * against an older contract keeps working with a newer server (an operator is upgraded apart from
 * its fleets); {@link #readStrict} refuses them, for tests that must see any drift between the two
 * sides of one build.
 */
public final class AdminJson {
    /**
     * Strict on purpose: a duplicated key or trailing garbage means a body is not what its sender
     * thinks it is, so it is refused rather than guessed at.
     */
    static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private static final ObjectMapper TOLERANT = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final ObjectWriter WRITER = STRICT.writer();

    private AdminJson() {}

    /** The JSON of a request or response record. */
    public static byte[] toBytes(Object value) {
        try {
            return WRITER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the admin API's records always serialize; this one did not", e);
        }
    }

    public static String toJson(Object value) {
        return new String(toBytes(value), StandardCharsets.UTF_8);
    }

    /**
     * Reads a body into a contract type, ignoring fields the type does not know.
     *
     * @throws IllegalArgumentException when the body is not JSON of that shape
     */
    public static <T> T read(String body, Class<T> type) {
        return read(TOLERANT, body, type);
    }

    /**
     * Reads a body into a contract type, refusing unknown fields, duplicated keys and nulls for
     * primitive fields.
     *
     * @throws IllegalArgumentException when the body is not JSON of exactly that shape
     */
    public static <T> T readStrict(String body, Class<T> type) {
        return read(STRICT, body, type);
    }

    private static <T> T read(ObjectMapper mapper, String body, Class<T> type) {
        try {
            T value = mapper.readValue(body, type);
            if (value == null) throw new IllegalArgumentException("expected a " + type.getSimpleName() + ", got null");
            return value;
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
            throw new IllegalArgumentException(
                    "the admin API's answer is not a " + type.getSimpleName() + ": " + why, e);
        }
    }
}
