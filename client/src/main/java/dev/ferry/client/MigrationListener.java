package dev.ferry.client;

/**
 * Told after each completed migration of a session. Runs on the client's event loop: it must
 * return quickly and never block.
 */
@FunctionalInterface
public interface MigrationListener {
    void migrated(MigrationEvent event);
}
