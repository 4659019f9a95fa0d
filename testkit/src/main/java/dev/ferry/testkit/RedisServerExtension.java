package dev.ferry.testkit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one {@link RedisServer} before the test class and stops it after the class.
 *
 * <p>The server is handed to any constructor, {@code @BeforeAll}/{@code @BeforeEach} or test
 * method parameter of type {@link RedisServer}, and assigned to every static, non-final field of
 * that type. Nested test classes share their outer class's server.
 *
 * <pre>{@code
 * @ExtendWith(RedisServerExtension.class)
 * class MyTest {
 *     @Test void works(RedisServer redis) { ... redis.uri() ... }
 * }
 *
 * // or, for options:
 * @RegisterExtension
 * static final RedisServerExtension REDIS = new RedisServerExtension(() -> RedisServer.builder().password("s3cret"));
 * ... REDIS.server() ...
 * }</pre>
 */
public class RedisServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(RedisServerExtension.class);
    private static final String KEY = "server";

    private final Supplier<RedisServer.Builder> options;
    private volatile RedisServer server;

    /** Default server: free port, no password. */
    public RedisServerExtension() {
        this(RedisServer::builder);
    }

    public RedisServerExtension(Supplier<RedisServer.Builder> options) {
        this.options = options;
    }

    /** The running server; only valid between BeforeAll and AfterAll. */
    public RedisServer server() {
        RedisServer current = server;
        if (current == null)
            throw new IllegalStateException("the Redis server is started in BeforeAll; it is not running now");
        return current;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        RedisServer inherited = context.getStore(NAMESPACE).get(KEY, RedisServer.class);
        if (inherited == null) {
            RedisServer started = options.get().start();
            // The store's own copy, owned by this class level; afterAll of this level stops it.
            context.getStore(NAMESPACE).put(KEY, started);
            context.getStore(NAMESPACE).put(ownerKey(context), Boolean.TRUE);
            inherited = started;
        }
        server = inherited;
        injectStaticFields(context.getRequiredTestClass(), inherited);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getStore(NAMESPACE).remove(ownerKey(context)) == null) return;
        RedisServer owned = context.getStore(NAMESPACE).remove(KEY, RedisServer.class);
        server = null;
        if (owned != null) owned.close();
    }

    private static String ownerKey(ExtensionContext context) {
        return "owner:" + context.getUniqueId();
    }

    private static void injectStaticFields(Class<?> testClass, RedisServer redis) throws IllegalAccessException {
        for (Class<?> c = testClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (field.getType() == RedisServer.class
                        && Modifier.isStatic(modifiers)
                        && !Modifier.isFinal(modifiers)) {
                    field.setAccessible(true);
                    field.set(null, redis);
                }
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == RedisServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        RedisServer redis = extensionContext.getStore(NAMESPACE).get(KEY, RedisServer.class);
        if (redis == null) {
            throw new ParameterResolutionException("RedisServerExtension starts its server in BeforeAll; no server for "
                    + parameterContext.getParameter());
        }
        return redis;
    }
}
