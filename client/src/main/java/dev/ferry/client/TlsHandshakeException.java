package dev.ferry.client;

import javax.net.ssl.SSLException;

/**
 * A TLS connection to a server failed: the handshake did not complete (an untrusted or misnamed
 * certificate, a server that does not speak TLS, a client certificate the server refused) or a
 * TLS error ended the connection. Found as the cause of a {@link ConnectFailedException}.
 */
public class TlsHandshakeException extends SSLException {
    public TlsHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
