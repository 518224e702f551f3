package io.headroom.grid.openadr2b;

import io.headroom.grid.tls.Keys;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real TLS server on 127.0.0.1 (ephemeral port) with exactly the protocols and suites a test gives it, requiring a
 * client certificate from the given CA, answering every HTTP POST with one canned body. Its TLS stack is the JDK's
 * SunJSSE unless a provider is given (Bouncy Castle, for the profile's TLS_RSA suite that SunJSSE refuses).
 */
final class TlsTestServer implements AutoCloseable {

    /** What each completed handshake negotiated: "protocol suite". */
    final List<String> negotiated = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final SSLServerSocket server;
    private final Thread thread;
    private final String reply;

    TlsTestServer(Keys.Material own, List<X509Certificate> clientCa, List<String> protocols, List<String> suites, Provider provider,
                  String reply) throws Exception {
        this.reply = reply;
        char[] pw = "test".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", own.key(), pw, own.chain().toArray(X509Certificate[]::new));
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (int i = 0; i < clientCa.size(); i++) {
            ts.setCertificateEntry("ca" + i, clientCa.get(i));
        }
        KeyManagerFactory kmf = provider == null ? KeyManagerFactory.getInstance("PKIX") : KeyManagerFactory.getInstance("PKIX", provider);
        kmf.init(ks, pw);
        TrustManagerFactory tmf = provider == null ? TrustManagerFactory.getInstance("PKIX") : TrustManagerFactory.getInstance("PKIX", provider);
        tmf.init(ts);
        SSLContext ctx = provider == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", provider);
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setEnabledProtocols(protocols.toArray(String[]::new));
        server.setEnabledCipherSuites(suites.toArray(String[]::new));
        server.setNeedClientAuth(true);
        thread = Thread.ofPlatform().daemon().name("tls-test-server").start(this::serve);
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                s.setSoTimeout(10_000);
                try {
                    s.startHandshake();
                    negotiated.add(s.getSession().getProtocol() + " " + s.getSession().getCipherSuite());
                    answer(s.getInputStream(), s.getOutputStream());
                } catch (IOException e) {
                    failures.add(String.valueOf(e.getMessage()));
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void answer(InputStream in, OutputStream out) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            String h = head.toString(StandardCharsets.ISO_8859_1);
            if (h.endsWith("\r\n\r\n")) {
                break;
            }
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        byte[] body = reply.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    @Override
    public void close() throws Exception {
        server.close();
        thread.join(10_000);
    }
}
