package dev.ferry.containers;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * Every container the suite starts, so that each is stopped and removed even when a test fails or
 * the JVM is asked to exit: Ryuk cannot be pulled here, so nothing else would clean them up.
 */
final class Containers {
    private static final Logger log = LoggerFactory.getLogger(Containers.class);
    private static final Set<GenericContainer<?>> running = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Containers::stopAll, "ferry-container-reaper"));
    }

    private Containers() {}

    static void track(GenericContainer<?> c) {
        running.add(c);
    }

    /** Stops (SIGKILL) and removes the container; quiet when it is already gone. */
    static void stop(GenericContainer<?> c) {
        try {
            c.stop();
        } catch (RuntimeException e) {
            log.warn("could not stop container {}: {}", c.getContainerName(), e.toString());
        } finally {
            running.remove(c);
        }
    }

    static void stopAll() {
        for (GenericContainer<?> c : Set.copyOf(running)) stop(c);
    }

    static int count() {
        return running.size();
    }
}
