package dev.ferry.client;

/** A parsed {@code host:port} ({@code [v6]:port} for IPv6 literals). */
record HostPort(String host, int port) {
    static HostPort parse(String address) {
        if (address == null || address.isBlank())
            throw new IllegalArgumentException("address must be host:port, was " + address);
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("address must be host:port, was '" + address + "'");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "address must be host:port, port is not a number in '" + address + "'", e);
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range in '" + address + "'");
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
