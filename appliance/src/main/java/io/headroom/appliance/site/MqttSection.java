package io.headroom.appliance.site;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code mqtt:} the Sparkplug B northbound ({@link MqttSettings}). */
final class MqttSection extends SectionReader {
    static final List<String> MQTT_KEYS = List.of("enabled", "broker", "groupId", "edgeNodeId", "clientId",
            "username", "password", "passwordFile", "tlsCa", "tlsCert", "tlsKey", "publishInterval", "keepAlive",
            "insecure");

    MqttSection(SiteReading ctx) {
        super(ctx);
    }

    MqttSettings read(MapReader top) {
        MapReader m = top.map("mqtt", false, "the mqtt section", MQTT_KEYS);
        if (m == null) {
            return MqttSettings.disabled();
        }
        boolean enabled = Boolean.TRUE.equals(m.opt("enabled", SiteYaml::bool, false));
        Val<String> broker = m.get("broker", SiteYaml::string, false);
        String host = "";
        int port = 0;
        boolean tls = false;
        if (broker != null && broker.ok()) {
            try {
                URI u = new URI(broker.value().strip());
                String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if (!List.of("mqtt", "mqtts", "tcp", "ssl").contains(scheme) || u.getHost() == null
                        || (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/"))) {
                    p.at(broker.node(), broker.field(), "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT], got "
                            + got(broker));
                } else {
                    host = u.getHost();
                    tls = scheme.equals("mqtts") || scheme.equals("ssl");
                    port = u.getPort() > 0 ? u.getPort() : tls ? 8883 : 1883;
                    if (port > 65535) {
                        p.at(broker.node(), broker.field(), "port must be 1..65535, got " + port);
                    }
                }
            } catch (URISyntaxException e) {
                p.at(broker.node(), broker.field(), "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT], got "
                        + got(broker));
            }
        }
        Val<String> groupId = sparkplugId(m, "groupId");
        Val<String> edgeNodeId = sparkplugId(m, "edgeNodeId");
        Val<String> clientId = m.get("clientId", SiteYaml::string, false);
        Val<String> username = m.get("username", SiteYaml::string, false);
        Val<String> password = m.get("password", SiteYaml::string, false);
        Val<String> passwordFile = m.get("passwordFile", SiteYaml::string, false);
        String secret = or(password, "");
        if (password != null && passwordFile != null) {
            p.at(passwordFile.node(), passwordFile.field(), "give password or passwordFile, not both");
        } else if (passwordFile != null && passwordFile.ok()) {
            Path f = path(passwordFile.value());
            try {
                secret = Files.readString(f, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                p.at(passwordFile.node(), passwordFile.field(), "cannot read " + f + ": " + e.getMessage());
            }
        }
        boolean hasPassword = password != null || passwordFile != null;
        if (hasPassword && username == null) {
            m.missing("username", "required with a password");
        }
        Val<String> tlsCa = file(m, "tlsCa");
        Val<String> tlsCert = file(m, "tlsCert");
        Val<String> tlsKey = file(m, "tlsKey");
        if ((tlsCert == null) != (tlsKey == null)) {
            m.missing(tlsCert == null ? "tlsCert" : "tlsKey", "a client certificate needs both tlsCert and tlsKey");
        }
        boolean insecure = Boolean.TRUE.equals(m.opt("insecure", SiteYaml::bool, false));
        if (broker != null && broker.ok() && !host.isEmpty() && !tls) {
            if (tlsCa != null || tlsCert != null) {
                p.at(broker.node(), broker.field(), "TLS files are given but the broker is mqtt:// (plain TCP):"
                        + " use mqtts://");
            }
            if (hasPassword && !insecure) {
                p.at(broker.node(), broker.field(), "a password over plain mqtt:// travels in clear: use mqtts://,"
                        + " or insecure: true on a bench");
            }
        }
        Val<Long> interval = m.get("publishInterval", SiteYaml::millis, false);
        if (interval != null && interval.ok() && (interval.value() < 100 || interval.value() > 3_600_000)) {
            p.at(interval.node(), interval.field(), "must be 100 ms .. 1 h, got " + got(interval));
        }
        Val<Long> keepAlive = m.get("keepAlive", SiteYaml::millis, false);
        if (keepAlive != null && keepAlive.ok() && (keepAlive.value() < 1000 || keepAlive.value() > 65_535_000)) {
            p.at(keepAlive.node(), keepAlive.field(), "must be 1 s .. 65535 s, got " + got(keepAlive));
        }
        if (enabled) {
            for (String k : List.of("broker", "groupId", "edgeNodeId")) {
                if (!m.has(k)) {
                    m.missing(k, "required when mqtt is enabled");
                }
            }
        }
        return new MqttSettings(enabled, host, port, tls, or(groupId, ""), or(edgeNodeId, ""), or(clientId, ""),
                or(username, ""), secret, pathOr(tlsCa), pathOr(tlsCert), pathOr(tlsKey),
                or(interval, MqttSettings.DEFAULT_PUBLISH_INTERVAL_MS),
                (int) (or(keepAlive, MqttSettings.DEFAULT_KEEP_ALIVE_S * 1000L) / 1000), insecure);
    }

    /** A Sparkplug id: a topic level, so no '+', '/' or '#' (and not empty). */
    private Val<String> sparkplugId(MapReader m, String key) {
        Val<String> v = m.get(key, SiteYaml::string, false);
        if (v != null && v.ok()) {
            String s = v.value();
            if (s.isBlank() || s.chars().anyMatch(c -> c == '+' || c == '/' || c == '#')) {
                p.at(v.node(), v.field(), "a Sparkplug id is one topic level: not empty, no '+', '/' or '#', got "
                        + got(v));
            }
        }
        return v;
    }

    private Val<String> file(MapReader m, String key) {
        Val<String> v = m.get(key, SiteYaml::string, false);
        if (v != null && v.ok() && !Files.isReadable(path(v.value()))) {
            p.at(v.node(), v.field(), "cannot read " + path(v.value()));
        }
        return v;
    }

    private String pathOr(Val<String> v) {
        return v == null || !v.ok() ? "" : path(v.value()).toString();
    }
}
