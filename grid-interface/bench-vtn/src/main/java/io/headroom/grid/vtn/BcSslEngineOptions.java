package io.headroom.grid.vtn;

import io.headroom.grid.tls.VenTls;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.util.List;
import java.util.Set;

/**
 * Vert.x TLS through the Bouncy Castle JSSE instance of {@link VenTls} instead of SunJSSE: for a bench VTN that must
 * offer {@code TLS_RSA_WITH_AES_128_CBC_SHA256} (the 2.0b profile's RSA suite), which JDK 25's SunJSSE refuses for the
 * whole process. Used only when the bench is asked for such a suite; otherwise the bench runs on the JDK's own TLS.
 */
final class BcSslEngineOptions extends JdkSSLEngineOptions {

    @Override
    public BcSslEngineOptions copy() {
        return new BcSslEngineOptions();
    }

    @Override
    public SslContextFactory sslContextFactory() {
        return new SslContextFactory() {
            private KeyManagerFactory kmf;
            private TrustManagerFactory tmf;
            private ClientAuth clientAuth = ClientAuth.NONE;
            private Set<String> suites;
            private boolean forClient;
            private List<String> alpn;

            @Override
            public SslContextFactory forClient(boolean v) {
                forClient = v;
                return this;
            }

            @Override
            public SslContextFactory keyMananagerFactory(KeyManagerFactory v) {
                kmf = v;
                return this;
            }

            @Override
            public SslContextFactory trustManagerFactory(TrustManagerFactory v) {
                tmf = v;
                return this;
            }

            @Override
            public SslContextFactory clientAuth(ClientAuth v) {
                clientAuth = v;
                return this;
            }

            @Override
            public SslContextFactory enabledCipherSuites(Set<String> v) {
                suites = v;
                return this;
            }

            @Override
            public SslContextFactory applicationProtocols(List<String> v) {
                alpn = v;
                return this;
            }

            @Override
            public SslContext create() throws SSLException {
                SslContextBuilder b = forClient ? SslContextBuilder.forClient().keyManager(kmf) : SslContextBuilder.forServer(kmf);
                b.sslProvider(SslProvider.JDK).sslContextProvider(VenTls.provider()).trustManager(tmf).clientAuth(clientAuth);
                if (suites != null && !suites.isEmpty()) {
                    b.ciphers(suites);
                }
                return b.build();
            }
        };
    }
}
