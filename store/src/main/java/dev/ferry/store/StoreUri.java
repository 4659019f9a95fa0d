package dev.ferry.store;

import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A parsed context-store URI. Parsing never connects; it only checks the form, so a bad URI is
 * reported at configuration time with a message that says which forms are accepted.
 */
sealed interface StoreUri {

    String EXPECTED = "expected one of: 'memory:'; 'redis://[[user]:password@]host[:port][/database]' "
            + "(or 'rediss://' for TLS); 'redis-sentinel://[[user]:password@]host[:port][,host[:port]...][/database]#masterId'; "
            + "'redis-cluster://[[user]:password@]host:port[,host:port...]' (or 'rediss-cluster://' for TLS)";

    /** A form that is safe to log: no password. */
    String describe();

    record Memory() implements StoreUri {
        @Override
        public String describe() {
            return "memory:";
        }
    }

    /** Standalone ({@code redis://}, {@code rediss://}) or Sentinel ({@code redis-sentinel://}). */
    record Single(RedisURI redisUri) implements StoreUri {
        @Override
        public String describe() {
            return safeDescription(redisUri);
        }
    }

    record Cluster(List<RedisURI> seeds) implements StoreUri {
        @Override
        public String describe() {
            return seeds.stream()
                    .map(u -> u.getHost() + ":" + u.getPort())
                    .collect(Collectors.joining(
                            ",", seeds.getFirst().isSsl() ? "rediss-cluster://" : "redis-cluster://", ""));
        }
    }

    /** @throws IllegalArgumentException with {@link #EXPECTED} in its message if {@code uri} is not a store URI */
    static StoreUri parse(String uri) {
        if (uri == null) throw new IllegalArgumentException("the context store URI is missing; " + EXPECTED);
        String trimmed = uri.strip();
        int colon = trimmed.indexOf(':');
        String scheme = colon < 0 ? "" : trimmed.substring(0, colon).toLowerCase(Locale.ROOT);
        try {
            return switch (scheme) {
                case "memory" -> parseMemory(trimmed);
                case "redis", "rediss" -> new Single(parseLettuce(trimmed, false));
                case "redis-sentinel", "rediss-sentinel" -> new Single(parseLettuce(trimmed, true));
                case "redis-cluster", "rediss-cluster" -> parseCluster(trimmed, scheme.startsWith("rediss"));
                default -> throw new Rejected("unknown scheme");
            };
        } catch (Rejected e) {
            throw new IllegalArgumentException("bad context store URI (" + e.getMessage() + "); " + EXPECTED);
        } catch (RuntimeException e) {
            // Lettuce's parser throws assorted exception types on garbage, and their messages
            // quote the URI, password included. Neither message nor cause goes any further.
            throw new IllegalArgumentException(
                    "bad context store URI (not a valid URI: " + e.getClass().getSimpleName() + "); " + EXPECTED);
        }
    }

    private static StoreUri parseMemory(String uri) {
        if (!uri.equalsIgnoreCase("memory:") && !uri.equalsIgnoreCase("memory://")) {
            throw new Rejected("the in-memory store takes no host or options");
        }
        return new Memory();
    }

    private static RedisURI parseLettuce(String uri, boolean sentinel) {
        RedisURI parsed = RedisURI.create(uri);
        if (sentinel) {
            if (parsed.getSentinels().isEmpty()) throw new Rejected("no sentinel host");
            if (parsed.getSentinelMasterId() == null
                    || parsed.getSentinelMasterId().isBlank()) {
                throw new Rejected("the sentinel form needs '#masterId'");
            }
            parsed.getSentinels().forEach(StoreUri::checkHostAndPort);
        } else {
            checkHostAndPort(parsed);
        }
        if (parsed.getDatabase() < 0) throw new Rejected("negative database");
        return parsed;
    }

    private static void checkHostAndPort(RedisURI uri) {
        if (uri.getHost() == null || uri.getHost().isBlank()) throw new Rejected("no host");
        if (!isHost(uri.getHost())) throw new Rejected("bad host");
        if (uri.getPort() <= 0 || uri.getPort() > 65535) throw new Rejected("port out of range");
    }

    /**
     * Lettuce has no URI form for a cluster, so Ferry defines one: the seed nodes separated by
     * commas, credentials before the first.
     */
    private static StoreUri parseCluster(String uri, boolean tls) {
        String rest =
                uri.substring(uri.indexOf("://") < 0 ? fail("missing '//' after the scheme") : uri.indexOf("://") + 3);
        String userInfo = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
        }
        if (rest.contains("/") || rest.contains("?") || rest.contains("#")) {
            throw new Rejected("a cluster URI takes no path, query or fragment (no databases in a cluster)");
        }
        if (rest.isEmpty()) throw new Rejected("no seed node");
        List<RedisURI> seeds = new ArrayList<>();
        for (String node : rest.split(",", -1)) {
            int colon = node.lastIndexOf(':');
            if (colon <= 0 || colon == node.length() - 1) {
                throw new Rejected("every cluster node needs host:port");
            }
            String host = node.substring(0, colon);
            int port;
            try {
                port = Integer.parseInt(node.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new Rejected("port is not a number");
            }
            if (port <= 0 || port > 65535) throw new Rejected("port out of range");
            boolean bracketed = host.length() > 2 && host.startsWith("[") && host.endsWith("]");
            String bare = bracketed ? host.substring(1, host.length() - 1) : host;
            if (!isHost(bare) || (bare.contains(":") && !bracketed)) throw new Rejected("bad host");
            RedisURI.Builder builder =
                    RedisURI.builder().withHost(bare).withPort(port).withSsl(tls);
            if (userInfo != null) withCredentials(builder, userInfo);
            seeds.add(builder.build());
        }
        return new Cluster(List.copyOf(seeds));
    }

    private static void withCredentials(RedisURI.Builder builder, String userInfo) {
        // Percent-decoding only: '+' is a literal plus in a URI's user info, not a space.
        String decoded =
                java.net.URLDecoder.decode(userInfo.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            builder.withPassword(decoded.toCharArray());
        } else if (colon == 0) {
            builder.withPassword(decoded.substring(1).toCharArray());
        } else {
            builder.withAuthentication(
                    decoded.substring(0, colon), decoded.substring(colon + 1).toCharArray());
        }
    }

    /** A DNS name, an IPv4 address, or an IPv6 address (at least two colons). */
    private static boolean isHost(String host) {
        return host.matches("[A-Za-z0-9._\\-]+") || host.matches("(?=.*:.*:)[0-9A-Fa-f:.]+");
    }

    private static int fail(String message) {
        throw new Rejected(message);
    }

    /** A rejection with a reason of ours, safe to show: it never quotes the URI. */
    final class Rejected extends IllegalArgumentException {
        Rejected(String reason) {
            super(reason);
        }
    }

    private static String safeDescription(RedisURI uri) {
        StringBuilder out = new StringBuilder();
        if (!uri.getSentinels().isEmpty()) {
            out.append(uri.isSsl() ? "rediss-sentinel://" : "redis-sentinel://");
            out.append(uri.getSentinels().stream()
                    .map(s -> s.getHost() + ":" + s.getPort())
                    .collect(Collectors.joining(",")));
        } else {
            out.append(uri.isSsl() ? "rediss://" : "redis://")
                    .append(uri.getHost())
                    .append(':')
                    .append(uri.getPort());
        }
        if (uri.getDatabase() != 0) out.append('/').append(uri.getDatabase());
        if (uri.getSentinelMasterId() != null) out.append('#').append(uri.getSentinelMasterId());
        return out.toString();
    }
}
