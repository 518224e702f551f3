package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.OPENADR_VERSIONS;
import static io.headroom.appliance.site.SiteYaml.unknown;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code openadr:} the VEN's settings (OpenADR 3.x or 2.0b). */
final class OpenAdrSection extends SectionReader {
    static final List<String> OPENADR_KEYS = List.of("enabled", "version", "vtn", "venName", "clientId",
            "clientSecret", "tlsCert", "tlsKey", "tlsCa", "pollInterval", "xmlSignature", "tlsAllowRsaKeyExchange", "tlsProfile",
            "tlsKeyPassword", "insecureHttp");

    OpenAdrSection(SiteReading ctx) {
        super(ctx);
    }

    OpenAdrSettings read(MapReader top) {
        MapReader o = top.map("openadr", false, "the openadr section", OPENADR_KEYS);
        if (o == null) {
            return OpenAdrSettings.disabled();
        }
        Boolean enabled = o.opt("enabled", SiteYaml::bool, false);
        Val<String> version = o.get("version", SiteYaml::string, false);
        if (version != null && version.ok() && !OPENADR_VERSIONS.contains(version.value())) {
            p.at(version.node(), version.field(), "unsupported OpenADR version '" + version.value()
                    + "'; use \"3.1\", \"3.0.1\" or \"2.0b\"");
        }
        Val<String> vtn = o.get("vtn", SiteYaml::string, false);
        if (vtn != null && vtn.ok() && !isHttpUrl(vtn.value())) {
            p.at(vtn.node(), vtn.field(), "expected an http:// or https:// URL, got " + got(vtn));
        }
        Val<String> ven = o.get("venName", SiteYaml::string, false);
        Val<String> clientId = o.get("clientId", SiteYaml::string, false);
        Val<String> clientSecret = o.get("clientSecret", SiteYaml::string, false);
        Val<String> tlsCert = o.get("tlsCert", SiteYaml::string, false);
        Val<String> tlsKey = o.get("tlsKey", SiteYaml::string, false);
        Val<String> tlsCa = o.get("tlsCa", SiteYaml::string, false);
        Val<Long> poll = o.get("pollInterval", SiteYaml::millis, false);
        positive(poll);
        Boolean xmlSignature = o.opt("xmlSignature", SiteYaml::bool, false);
        Boolean allowRsa = o.opt("tlsAllowRsaKeyExchange", SiteYaml::bool, false);
        Val<String> tlsProfile = o.get("tlsProfile", SiteYaml::string, false);
        if (tlsProfile != null && tlsProfile.ok() && !List.of("default", "certification").contains(tlsProfile.value())) {
            p.at(tlsProfile.node(), tlsProfile.field(), "unknown TLS profile '" + tlsProfile.value() + "'; use default or certification");
        }
        Val<String> tlsKeyPassword = o.get("tlsKeyPassword", SiteYaml::string, false);
        Boolean insecureHttp = o.opt("insecureHttp", SiteYaml::bool, false);
        if (Boolean.TRUE.equals(enabled)) {
            if (vtn == null) {
                o.missing("vtn", "required when openadr is enabled");
            }
            if (ven == null) {
                o.missing("venName", "required when openadr is enabled");
            }
            boolean v2b = version != null && version.ok() && "2.0b".equals(version.value());
            if (v2b) {
                for (String k : List.of("tlsCert", "tlsKey", "tlsCa")) {
                    if (!o.has(k)) {
                        o.missing(k, "required for OpenADR 2.0b (mutual TLS)");
                    }
                }
            } else {
                for (String k : List.of("clientId", "clientSecret")) {
                    if (!o.has(k)) {
                        o.missing(k, "required for OpenADR 3.x (OAuth2 client credentials)");
                    }
                }
            }
        }
        return new OpenAdrSettings(Boolean.TRUE.equals(enabled),
                or(version, OpenAdrSettings.disabled().version()),
                or(vtn, ""), or(ven, ""), or(clientId, ""), or(clientSecret, ""), or(tlsCert, ""),
                or(tlsKey, ""), or(tlsCa, ""), or(poll, 0L), Boolean.TRUE.equals(xmlSignature), Boolean.TRUE.equals(allowRsa),
                or(tlsProfile, ""), or(tlsKeyPassword, ""), Boolean.TRUE.equals(insecureHttp));
    }

    private static boolean isHttpUrl(String s) {
        try {
            URI u = new URI(s.strip());
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && u.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
