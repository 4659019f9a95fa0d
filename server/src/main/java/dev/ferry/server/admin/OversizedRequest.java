package dev.ferry.server.admin;

import io.netty.handler.codec.http.HttpVersion;

/** Stands in for a request whose body exceeded the limit; the admin handler answers it with 413. */
record OversizedRequest(HttpVersion version, boolean keepAlive, int maxBodyBytes) {
    static String message(int maxBodyBytes) {
        return "request body is larger than the limit of " + maxBodyBytes + " bytes; send a smaller body "
                + "(the limit is set by AdminOptions.maxBodyBytes)";
    }

    AdminResponse response() {
        return AdminResponse.error(413, message(maxBodyBytes));
    }
}
