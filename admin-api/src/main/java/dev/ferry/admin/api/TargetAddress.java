package dev.ferry.admin.api;

import java.util.regex.Pattern;

/**
 * A migration target or peer address: {@code host:port}, where host is a DNS name, an IPv4
 * address or a bracketed IPv6 address, and port is 1..65535. Checked when a request is built, so
 * that a typo is refused at once instead of every client failing to connect later.
 */
public final class TargetAddress {
    /** Longest DNS name (253) plus ":65535"; also well inside the wire format's str16. */
    public static final int MAX_LENGTH = 253 + 6;

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?");

    private TargetAddress() {}

    /**
     * @param field the field's name in messages, e.g. "targets[2]"
     * @throws InvalidRequestException naming {@code field} and what is wrong with the address
     */
    public static void check(String field, String value) {
        if (value.length() > MAX_LENGTH) {
            throw new InvalidRequestException("field '" + field + "' is too long (" + value.length()
                    + " characters, at most " + MAX_LENGTH + "); expected \"host:port\"");
        }
        int colon = value.lastIndexOf(':');
        if (colon < 0) throw bad(field, value, "it has no port");
        String host = value.substring(0, colon);
        String port = value.substring(colon + 1);
        if (host.startsWith("[")) {
            if (!host.endsWith("]")
                    || host.length() < 3
                    || !IPV6.matcher(host.substring(1, host.length() - 1)).matches()) {
                throw bad(field, value, "a bracketed host must be an IPv6 address like [fd00::1]");
            }
        } else if (host.isEmpty()) {
            throw bad(field, value, "the host is empty");
        } else if (host.indexOf(':') >= 0) {
            throw bad(field, value, "an IPv6 host must be in brackets, like [fd00::1]:7000");
        } else if (!HOST_NAME.matcher(host).matches()) {
            throw bad(field, value, "the host may only hold letters, digits, '.', '-' and '_'");
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(field, value, "the port must be a number from 1 to 65535");
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) throw bad(field, value, "the port must be a number from 1 to 65535");
    }

    private static InvalidRequestException bad(String field, String value, String why) {
        return new InvalidRequestException(
                "field '" + field + "' must be \"host:port\" (e.g. \"10.0.0.2:7000\"), got \""
                        + Fields.abbreviate(value, 80) + "\": " + why);
    }
}
