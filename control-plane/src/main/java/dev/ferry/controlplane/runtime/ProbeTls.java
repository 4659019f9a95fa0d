package dev.ferry.controlplane.runtime;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS for HTTPS probes. The kubelet does not verify a probed server's certificate (a pod's
 * certificate rarely names its IP), so neither does the local runtime. Used for probes only.
 */
final class ProbeTls {

  private ProbeTls() {}

  static SSLContext trustingAnyServer() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new AnyServer()}, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS in this JDK", e);
    }
  }

  /** Accepts every server certificate; an X509ExtendedTrustManager, so no host name check is added. */
  private static final class AnyServer extends X509ExtendedTrustManager {
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { refuse(); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { refuse(); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { refuse(); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) { }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
    @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }

    private static void refuse() {
      throw new UnsupportedOperationException("a probe client does not accept connections");
    }
  }
}
