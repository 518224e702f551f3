package io.headroom.grid.openadr2b;

import io.headroom.grid.openadr3.VtnException;
import io.headroom.grid.tls.TlsDiagnosis;
import io.headroom.grid.tls.TlsProfile;
import org.w3c.dom.Element;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * OpenADR 2.0b simple HTTP: each message is POSTed ({@code application/xml}) to {@code <vtnUrl>/<EI service>} and
 * the reply is the body of the 200. Over HTTPS the client uses the VEN's own {@link SSLContext} and the parameters
 * of its {@link TlsProfile} (protocols, suites, host name check), HTTP/1.1, no redirects. A failed handshake is
 * explained once per outage ({@link TlsDiagnosis}: what the VTN accepts against what the VEN offers). With XML signatures on, each
 * payload is signed when it is sent (so a message resent from the outbox gets a fresh timestamp and nonce) and each
 * reply must carry a valid signature by the TLS peer's certificate ({@link OadrSignature}); off, a reply's signature,
 * if any, is still verified.
 */
final class OadrHttp implements OadrTransport {

    private final HttpClient http;
    private final URI base;
    private final Duration timeout;
    private final OadrSignature signature;
    private final boolean sign;
    private final TlsProfile profile;
    private String diagnosis;

    OadrHttp(URI vtnUrl, SSLContext ssl, Duration connectTimeout, Duration timeout) {
        this(vtnUrl, ssl, TlsProfile.DEFAULT, connectTimeout, timeout, null, false);
    }

    /** {@code signature}: null = none verified; {@code sign}: sign what is sent and require signed replies. */
    OadrHttp(URI vtnUrl, SSLContext ssl, TlsProfile profile, Duration connectTimeout, Duration timeout, OadrSignature signature,
             boolean sign) {
        if (sign && signature == null) {
            throw new IllegalArgumentException("signing needs a key");
        }
        this.signature = signature;
        this.sign = sign;
        this.profile = profile;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) {
            b.sslContext(ssl).sslParameters(profile.parameters());
        }
        this.http = b.build();
        String s = vtnUrl.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.timeout = timeout;
    }

    /** The reply's message element; a {@link VtnException} (status 0: not reached / outcome unknown) otherwise. */
    @Override
    public Element post(String xml) {
        return post(xml, null);
    }

    /** Posts to {@code service} (null: the message's own service; an oadrResponse needs it named). */
    @Override
    public Element post(String xml, String serviceOrNull) {
        String name = Xml.local(Xml.message(xml));
        String service = serviceOrNull != null ? serviceOrNull : OadrMessages.service(name);
        URI uri = base.resolve(service);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString(sign ? signature.sign(xml) : xml, StandardCharsets.UTF_8)).build();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            String why = TlsDiagnosis.isHandshakeFailure(e) && "https".equalsIgnoreCase(uri.getScheme()) ? explain(uri, e) : e.toString();
            throw new VtnException(0, name + " to " + uri + ": " + why, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VtnException(0, name + " to " + uri + ": interrupted", e);
        }
        diagnosis = null;
        if (r.statusCode() != 200) {
            throw new VtnException(r.statusCode(), name + " to " + uri + ": HTTP " + r.statusCode() + " " + abbreviate(r.body()), null,
                    r.headers().firstValue("Retry-After").orElse(null));
        }
        try {
            if (signature == null) {
                return Xml.message(r.body());
            }
            return signature.verify(r.body(), peer(r), sign).message();
        } catch (OadrSignature.RefusedException e) {
            throw new OadrSignature.RefusedException("reply to " + name + " from " + uri + " refused: " + e.getMessage());
        } catch (Xml.BadXmlException e) {
            throw new Xml.BadXmlException("reply to " + name + " from " + uri + ": " + e.getMessage() + " in '" + abbreviate(r.body()) + "'", e);
        }
    }

    /** The handshake diagnosis, made once per run of failures (each takes a few dozen short handshakes). */
    private String explain(URI uri, IOException e) {
        if (diagnosis == null) {
            int port = uri.getPort() > 0 ? uri.getPort() : 443;
            diagnosis = TlsDiagnosis.explain(uri.getHost(), port, profile, "openadr.tlsProfile " + profile.label(), e, timeout);
        }
        return diagnosis;
    }

    private static java.security.cert.X509Certificate peer(HttpResponse<?> r) {
        return r.sslSession().map(s -> {
            try {
                return (java.security.cert.X509Certificate) s.getPeerCertificates()[0];
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                throw new OadrSignature.RefusedException("the VTN's TLS certificate is unverified");
            }
        }).orElse(null);
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replaceAll("\\s+", " ");
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }
}
