package dev.ferry.operator.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * How the operator checks a fleet pod's certificate when it calls the admin API: the chain must end
 * at the fleet's CA, and the leaf must name the fleet ({@code expectedName}, its client Service's
 * DNS name). The operator reaches pods by IP, which no certificate of a pod names (a pod's IP is not
 * known before its volumes are mounted), so the usual host-name check would always fail; this check
 * replaces it rather than turning verification off.
 */
public final class FleetTrust {

    private FleetTrust() {}

    /** An SSLContext for a client that trusts only {@code caPem} and requires {@code expectedName} in the leaf. */
    public static SSLContext sslContext(String caPem, String expectedName) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            List<X509Certificate> cas = FleetCertificates.certificates(caPem);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            X509TrustManager chain = (X509TrustManager) tmf.getTrustManagers()[0];
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new NamedFleet(chain, expectedName)}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot trust the fleet CA: " + e.getMessage(), e);
        }
    }

    /** The chain check of the JDK (PKIX against the fleet CA only), then the fleet's name in the leaf. */
    static final class NamedFleet extends X509ExtendedTrustManager {
        private final X509TrustManager chain;
        private final String expectedName;

        NamedFleet(X509TrustManager chain, String expectedName) {
            this.chain = chain;
            this.expectedName = expectedName;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
            chain.checkServerTrusted(certs, authType);
            Set<String> names = FleetCertificates.dnsNames(certs[0]);
            if (!names.contains(expectedName)) {
                throw new CertificateException(
                        "the pod's certificate names " + names + ", not this fleet's " + expectedName);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(certs, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(certs, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
            throw new CertificateException("the operator's admin client does not accept connections");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(certs, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(certs, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return chain.getAcceptedIssuers();
        }
    }
}
