package dev.ferry.testkit;

import java.time.Duration;

/**
 * How long tests wait for a state they caused. Awaitility's default of 10 s is too short where the
 * build shares two cores with other builds: a migration, a drain or a server's count catching up
 * has been seen to take several seconds there. A passing wait returns as soon as the state is
 * reached, so the bound costs nothing unless the state never comes.
 */
public final class Waits {
    private Waits() {}

    /** A state change the test triggered (a count, a migration, a metric, a connection closing). */
    public static final Duration STATE = Duration.ofSeconds(30);
}
