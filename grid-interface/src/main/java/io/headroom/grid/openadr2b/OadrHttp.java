package io.headroom.grid.openadr2b;

import io.headroom.grid.openadr3.VtnException;
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
 * the reply is the body of the 200. Over HTTPS the client uses the VEN's own {@link SSLContext} and
 * {@link OadrTls#parameters()} (TLS 1.2, the profile suites), HTTP/1.1, no redirects.
 */
final class OadrHttp {

    private final HttpClient http;
    private final URI base;
    private final Duration timeout;

    OadrHttp(URI vtnUrl, SSLContext ssl, Duration connectTimeout, Duration timeout) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) {
            b.sslContext(ssl).sslParameters(OadrTls.parameters());
        }
        this.http = b.build();
        String s = vtnUrl.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.timeout = timeout;
    }

    /** The reply's message element; a {@link VtnException} (status 0: not reached / outcome unknown) otherwise. */
    Element post(String xml) {
        return post(xml, null);
    }

    /** Posts to {@code service} (null: the message's own service; an oadrResponse needs it named). */
    Element post(String xml, String serviceOrNull) {
        String name = Xml.local(Xml.message(xml));
        String service = serviceOrNull != null ? serviceOrNull : OadrMessages.service(name);
        URI uri = base.resolve(service);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString(xml, StandardCharsets.UTF_8)).build();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new VtnException(0, name + " to " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VtnException(0, name + " to " + uri + ": interrupted", e);
        }
        if (r.statusCode() != 200) {
            throw new VtnException(r.statusCode(), name + " to " + uri + ": HTTP " + r.statusCode() + " " + abbreviate(r.body()), null);
        }
        try {
            return Xml.message(r.body());
        } catch (Xml.BadXmlException e) {
            throw new Xml.BadXmlException("reply to " + name + " from " + uri + ": " + e.getMessage() + " in '" + abbreviate(r.body()) + "'", e);
        }
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replaceAll("\\s+", " ");
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }
}
