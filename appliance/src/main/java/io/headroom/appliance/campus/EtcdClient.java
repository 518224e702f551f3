package io.headroom.appliance.campus;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.headroom.appliance.site.Campus;
import io.headroom.appliance.site.Endpoint;
import io.headroom.grid.tls.Keys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A small client of etcd's v3 API through its own JSON gRPC gateway ({@code /v3/kv/*}, {@code /v3/lease/*},
 * {@code /v3/election/*}): keys, values and names are base64, 64-bit numbers are strings. etcd does the consensus;
 * this only speaks to it. Blocking calls with a deadline each, made from the campus's own threads, never from a
 * control loop. Endpoints are tried in turn from the last one that answered; {@link Unavailable} when none does.
 *
 * <p>Why not jetcd: {@code io.etcd:jetcd-core:0.8.5} brings {@code io.vertx:vertx-grpc:4.5.13} and with it
 * {@code vertx-core} 4.5, which the appliance's Vert.x 5.0.8 replaces on the class path (see {@code campus} in
 * {@code appliance/README.md}).
 */
public final class EtcdClient implements AutoCloseable {

    /** No endpoint answered (connection refused, timed out, or a member without quorum that cannot serve). */
    public static final class Unavailable extends IOException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A key's value and revisions ({@code create}: when this incarnation was made; {@code mod}: last written). */
    public record KeyValue(String key, String value, long createRevision, long modRevision, long lease) {
    }

    /** The holder of an election: its key (under the election's name) and that key's create revision. */
    public record Leader(String name, String key, long revision, long lease, String value) {
    }

    private final List<URI> endpoints;
    private final HttpClient http;
    private final Duration timeout;
    private final AtomicInteger current = new AtomicInteger();

    public EtcdClient(List<URI> endpoints, Duration timeout, SSLContext tls) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout);
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    /** A client of a campus's etcd, with its TLS material when it has some. */
    public static EtcdClient of(Campus.Etcd etcd, Duration timeout) {
        String scheme = etcd.tls() == null ? "http" : "https";
        List<URI> uris = new ArrayList<>();
        for (Endpoint e : etcd.endpoints()) {
            String host = e.host().contains(":") ? "[" + e.host() + "]" : e.host();
            uris.add(URI.create(scheme + "://" + host + ":" + e.port()));
        }
        return new EtcdClient(uris, timeout, etcd.tls() == null ? null : sslContext(etcd.tls()));
    }

    static SSLContext sslContext(Campus.Tls tls) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate c : Keys.certificates(tls.ca(), null)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (tls.cert() != null) {
                Keys.Material m = Keys.load(tls.cert(), tls.key(), null);
                KeyStore own = KeyStore.getInstance("PKCS12");
                own.load(null, null);
                char[] pw = "campus".toCharArray();
                own.setKeyEntry("client", m.key(), pw, m.chain().toArray(new X509Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(own, pw);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalArgumentException("etcd TLS material: " + e.getMessage(), e);
        }
    }

    public List<URI> endpoints() {
        return endpoints;
    }

    // ---- leases ----

    /** Grants a lease of {@code ttlS} seconds; its id. */
    public long grant(long ttlS) throws IOException {
        JsonObject r = call("/v3/lease/grant", new JsonObject().put("TTL", ttlS), timeout);
        return Long.parseLong(r.getString("ID"));
    }

    /** Renews a lease once; the TTL it has now, 0 or less when it no longer exists. */
    public long keepAlive(long lease) throws IOException {
        JsonObject r = call("/v3/lease/keepalive", new JsonObject().put("ID", Long.toString(lease)), timeout);
        JsonObject res = r.getJsonObject("result", new JsonObject());
        String ttl = res.getString("TTL");
        return ttl == null ? 0 : Long.parseLong(ttl);
    }

    public void revoke(long lease) throws IOException {
        call("/v3/lease/revoke", new JsonObject().put("ID", Long.toString(lease)), timeout);
    }

    // ---- keys ----

    /** Writes a key (under {@code lease} unless 0); the revision it was written at. */
    public long put(String key, String value, long lease) throws IOException {
        JsonObject body = new JsonObject().put("key", b64(key)).put("value", b64(value));
        if (lease != 0) {
            body.put("lease", Long.toString(lease));
        }
        JsonObject r = call("/v3/kv/put", body, timeout);
        return revision(r);
    }

    /** A key, or null when it does not exist. */
    public KeyValue get(String key) throws IOException {
        List<KeyValue> l = range(key, null);
        return l.isEmpty() ? null : l.getFirst();
    }

    /** Every key under {@code prefix}, in key order. */
    public List<KeyValue> prefix(String prefix) throws IOException {
        return range(prefix, prefixEnd(prefix));
    }

    private List<KeyValue> range(String key, String end) throws IOException {
        JsonObject body = new JsonObject().put("key", b64(key));
        if (end != null) {
            body.put("range_end", end); // already base64: a range end is bytes, not always UTF-8
        }
        JsonObject r = call("/v3/kv/range", body, timeout);
        List<KeyValue> out = new ArrayList<>();
        JsonArray kvs = r.getJsonArray("kvs");
        if (kvs != null) {
            for (int i = 0; i < kvs.size(); i++) {
                out.add(kv(kvs.getJsonObject(i)));
            }
        }
        return out;
    }

    public void delete(String key) throws IOException {
        call("/v3/kv/deleterange", new JsonObject().put("key", b64(key)), timeout);
    }

    /**
     * Writes {@code puts} (under {@code lease} unless 0) in one transaction, only if {@code fenceKey} still exists
     * with create revision {@code fenceRevision}: the write of an elected leader, fenced by its election revision. A
     * deposed leader's key is gone (its lease lapsed, or it resigned) or belongs to a newer incarnation.
     *
     * @return the revision written at, or -1 when the fence failed (nothing written)
     */
    public long putIfLeader(String fenceKey, long fenceRevision, Map<String, String> puts, long lease)
            throws IOException {
        JsonArray success = new JsonArray();
        for (Map.Entry<String, String> e : puts.entrySet()) {
            JsonObject put = new JsonObject().put("key", b64(e.getKey())).put("value", b64(e.getValue()));
            if (lease != 0) {
                put.put("lease", Long.toString(lease));
            }
            success.add(new JsonObject().put("request_put", put));
        }
        JsonObject body = new JsonObject()
                .put("compare", new JsonArray().add(new JsonObject().put("key", b64(fenceKey))
                        .put("target", "CREATE").put("result", "EQUAL")
                        .put("create_revision", Long.toString(fenceRevision))))
                .put("success", success);
        JsonObject r = call("/v3/kv/txn", body, timeout);
        return r.getBoolean("succeeded", false) ? revision(r) : -1;
    }

    // ---- elections ----

    /**
     * Campaigns for an election under {@code lease}; returns when elected (etcd answers then), or throws when
     * {@code wait} passes first (the campaign is abandoned with the request).
     */
    public Leader campaign(String name, long lease, String value, Duration wait) throws IOException {
        JsonObject r = call("/v3/election/campaign", new JsonObject().put("name", b64(name))
                .put("lease", Long.toString(lease)).put("value", b64(value)), wait);
        JsonObject l = r.getJsonObject("leader");
        if (l == null) {
            throw new IOException("etcd answered a campaign without a leader: " + r.encode());
        }
        return new Leader(name, unb64(l.getString("key")), Long.parseLong(l.getString("rev", "0")),
                Long.parseLong(l.getString("lease", "0")), value);
    }

    /** The election's holder now, or null when it has none. */
    public Leader leader(String name) throws IOException {
        // The election's keys are "name/<lease hex>"; the holder is the one created first (lowest create revision).
        List<KeyValue> kvs = prefix(name + "/");
        KeyValue first = null;
        for (KeyValue kv : kvs) {
            if (first == null || kv.createRevision() < first.createRevision()) {
                first = kv;
            }
        }
        return first == null ? null
                : new Leader(name, first.key(), first.createRevision(), first.lease(), first.value());
    }

    public void resign(Leader leader) throws IOException {
        call("/v3/election/resign", new JsonObject().put("leader", new JsonObject()
                .put("name", b64(leader.name())).put("key", b64(leader.key()))
                .put("rev", Long.toString(leader.revision())).put("lease", Long.toString(leader.lease()))), timeout);
    }

    // ---- transport ----

    private JsonObject call(String path, JsonObject body, Duration deadline) throws IOException {
        IOException last = null;
        int start = current.get();
        for (int i = 0; i < endpoints.size(); i++) {
            int idx = (start + i) % endpoints.size();
            URI uri = endpoints.get(idx).resolve(path);
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(deadline)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
            try {
                HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (res.statusCode() == 200) {
                    current.set(idx);
                    return new JsonObject(res.body());
                }
                String msg = res.body();
                // A member that lost quorum or is not ready answers 503 (or a gRPC Unavailable as 5xx): try another.
                last = new IOException("etcd " + endpoints.get(idx) + path + ": HTTP " + res.statusCode() + " "
                        + (msg.length() > 200 ? msg.substring(0, 200) : msg));
                if (res.statusCode() < 500) {
                    throw last;
                }
            } catch (java.net.http.HttpTimeoutException | java.net.ConnectException e) {
                last = e;
            } catch (IOException e) {
                if (e == last) {
                    throw e;
                }
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
        }
        throw new Unavailable("no etcd endpoint answered " + path + " (" + endpoints + "): "
                + (last == null ? "" : last.getMessage()), last);
    }

    private static long revision(JsonObject r) {
        JsonObject h = r.getJsonObject("header");
        return h == null ? 0 : Long.parseLong(h.getString("revision", "0"));
    }

    private static KeyValue kv(JsonObject o) {
        return new KeyValue(unb64(o.getString("key")), o.getString("value") == null ? "" : unb64(o.getString("value")),
                Long.parseLong(o.getString("create_revision", "0")), Long.parseLong(o.getString("mod_revision", "0")),
                Long.parseLong(o.getString("lease", "0")));
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    /** The range end that covers every key starting with {@code prefix}. */
    /** The end of the range of keys under {@code prefix}, base64: its UTF-8 bytes with the last one raised. */
    static String prefixEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != (byte) 0xff) {
                b[i]++;
                return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b, i + 1));
            }
        }
        return Base64.getEncoder().encodeToString(new byte[] {0});
    }

    @Override
    public void close() {
        http.close();
    }
}
