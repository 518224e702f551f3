package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoaderErrorsTest.base;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.errorsOf;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agents.security} (DTLS-PSK by default, certificates, or plain CoAP only when the site says {@code none}),
 * the key files it names, and nodes capped through a Redfish BMC. The base is {@code sites/minimal-2feed.yaml}
 * (its {@code agents:} at line 49, {@code security: none} at 52; node n1 at 29, n2 at 30).
 */
class SiteLoaderSecurityTest {

    static final String K1 = "00112233445566778899aabbccddeeff";
    static final String K2 = "ffeeddccbbaa99887766554433221100a5a5a5a5";

    @TempDir
    Path dir;
    Path keys;

    @BeforeEach
    void keysFile() throws Exception {
        keys = dir.resolve("agent-psk.keys");
        Files.writeString(keys, "# identity key\nn1 " + K1 + "\n\nn2 " + K2 + "\n");
    }

    static String security(String yaml) throws Exception {
        return replaceOnce(base(), "  security: none\n", yaml);
    }

    @Test
    void pskFromAKeysFileRelativeToTheSiteFile() throws Exception {
        Path site = dir.resolve("site.yaml");
        Files.writeString(site, security("  security: psk\n  pskKeys: agent-psk.keys\n"));
        Site s = SiteLoader.load(site);
        assertThat(s.agents().security()).isEqualTo(AgentSecurity.psk(keys.toAbsolutePath()));
        assertThat(s.nodes()).extracting(Node::pskIdentity).containsExactly("n1", "n2");
        assertThat(s.nodes()).extracting(Node::pskKeyFile).containsOnlyNulls();
        assertThat(AgentKeys.psk(s.nodes().get(1), AgentKeys.readKeysFile(s.agents().security().pskKeys())).key())
                .isEqualTo(HexFormat.of().parseHex(K2));
    }

    @Test
    void pskIsTheDefaultAndAnAgentsOwnKeyFileAndIdentityAreUsed() throws Exception {
        Path own = dir.resolve("n2.psk");
        Files.writeString(own, K2 + "\n");
        String text = replaceOnce(security("  pskKeys: " + keys + "\n"), "        priority: standard",
                "        priority: standard\n        pskIdentity: agent-n2\n        pskKeyFile: " + own);
        Site s = SiteLoader.parse("t.yaml", text);
        assertThat(s.agents().security().mode()).isEqualTo(AgentSecurity.Mode.PSK);
        Node n2 = s.nodes().get(1);
        assertThat(n2.pskIdentity()).isEqualTo("agent-n2");
        assertThat(n2.pskKeyFile()).isEqualTo(own);
        assertThat(AgentKeys.psk(n2, java.util.Map.of()).identity()).isEqualTo("agent-n2");
    }

    @Test
    void plainCoapOnlyWhenTheSiteSaysSo() throws Exception {
        assertThat(SiteLoader.parse("t.yaml", base()).agents().security()).isEqualTo(AgentSecurity.none());
        // no agents section at all: PSK, the default, needs keys
        String noAgents = replaceOnce(base(), "agents:\n  lease: 2 s\n  safeCap: auto\n  security: none\n", "");
        assertThat(errorsOf(noAgents)).containsExactly(
                "1:1: agents: DTLS-PSK (agents.security's default) needs a key for every agent: set agents.pskKeys "
                        + "(a file of IDENTITY HEX-KEY lines) or pskKeyFile on each node; or say agents.security: none "
                        + "for plain CoAP");
        assertThat(errorsOf(security("  security: psk\n"))).containsExactly(
                "50:3: agents.pskKeys: DTLS-PSK (agents.security: psk) needs a key for every agent: set agents.pskKeys "
                        + "(a file of IDENTITY HEX-KEY lines) or pskKeyFile on each node; or say agents.security: none "
                        + "for plain CoAP");
        assertThat(errorsOf(security("  security: dtls\n"))).containsExactly(
                "52:13: agents.security: expected psk, certificates or none, got \"dtls\"");
    }

    @Test
    void keyFilesThatCannotBeUsedAreNamed() throws Exception {
        Path missing = dir.resolve("nope.keys");
        assertThat(errorsOf(security("  pskKeys: " + missing + "\n"))).containsExactly(
                "52:12: agents.pskKeys: cannot read " + missing + ": no such file");
        Path bad = dir.resolve("bad.keys");
        Files.writeString(bad, "n1 " + K1 + "\nn2 0011zz\nn3 0011\nn1 " + K2 + "\nn4\n");
        assertThat(errorsOf(security("  pskKeys: " + bad + "\n"))).containsExactly(
                "52:12: agents.pskKeys: " + bad + ":2 (n2): the key is not hex (an even number of 0-9a-f digits); "
                        + bad + ":3 (n3): the key has 2 bytes, at least 16 are needed; "
                        + bad + ":4: identity 'n1' is listed twice; "
                        + bad + ":5: expected IDENTITY HEX-KEY, got 1 field(s)");
        Files.writeString(keys, "n1 " + K1 + "\n");
        assertThat(errorsOf(security("  pskKeys: " + keys + "\n"))).containsExactly(
                "30:9: racks[0].nodes[1]: no key for PSK identity 'n2' in " + keys
                        + " (agents.pskKeys, line 52); add a line 'n2 HEX-KEY' or give the node its pskKeyFile");
        String ownMissing = replaceOnce(security("  security: psk\n"), "      - {id: n1, agent: 127.0.0.1:57001}",
                "      - {id: n1, agent: 127.0.0.1:57001, pskKeyFile: " + dir + "}");
        assertThat(errorsOf(ownMissing)).containsExactly(
                "29:54: racks[0].nodes[0].pskKeyFile: cannot read " + dir + ": is a directory",
                "30:9: racks[0].nodes[1].pskKeyFile: missing: node n2 has no key (other nodes name their pskKeyFile "
                        + "and there is no agents.pskKeys)");
    }

    @Test
    void keysForAnotherModeAndSharedIdentitiesAreErrors() throws Exception {
        String text = replaceOnce(security("  security: none\n  pskKeys: " + keys + "\n  keyStore: a.p12\n"),
                "        priority: standard", "        priority: standard\n        pskIdentity: n1");
        assertThat(errorsOf(text)).containsExactly(
                "33:22: racks[0].nodes[1].pskIdentity: pskIdentity is only used with agents.security: psk (it is none)",
                "54:12: agents.pskKeys: pskKeys is only used with agents.security: psk (it is none)",
                "55:13: agents.keyStore: keyStore is only used with agents.security: certificates (it is none)");
        String shared = replaceOnce(security("  pskKeys: " + keys + "\n"), "        priority: standard",
                "        priority: standard\n        pskIdentity: n1");
        assertThat(errorsOf(shared)).containsExactly(
                "33:22: racks[0].nodes[1].pskIdentity: PSK identity 'n1' is already node n1's; each agent needs its own");
    }

    @Test
    void certificatesNeedTheirThreeFiles() throws Exception {
        assertThat(errorsOf(security("  security: certificates\n"))).containsExactly(
                "50:3: agents.keyStore: required with agents.security: certificates (the appliance's PKCS12 key store)",
                "50:3: agents.keyStorePasswordFile: required with agents.security: certificates (the key store's password)",
                "50:3: agents.trustedCertificates: required with agents.security: certificates (the agents' CA certificates (PEM))");
        Path pass = dir.resolve("p.pass");
        Files.writeString(pass, "secret\n");
        Path garbage = dir.resolve("a.p12");
        Files.writeString(garbage, "not a key store");
        assertThat(errorsOf(security("  security: certificates\n  keyStore: " + garbage + "\n  keyStorePasswordFile: "
                + pass + "\n  trustedCertificates: " + dir.resolve("ca.pem") + "\n"))).containsExactly(
                "55:24: agents.trustedCertificates: cannot read " + dir.resolve("ca.pem") + ": no such file");
        Files.writeString(dir.resolve("ca.pem"), "");
        assertThat(errorsOf(security("  security: certificates\n  keyStore: " + garbage + "\n  keyStorePasswordFile: "
                + pass + "\n  trustedCertificates: " + dir.resolve("ca.pem") + "\n")))
                .singleElement().asString().startsWith("53:13: agents.keyStore: " + garbage
                        + ": not a PKCS12 key store it can open with the password in " + pass);
    }

    static final String REDFISH_NODE = "      - id: n3\n        redfish: {url: \"https://10.0.3.17:8443\", user: headroom, "
            + "passwordFile: PASS, ca: CA, chassis: Self}\n";

    @Test
    void aRedfishNodeNeedsNoAgentAndNoKey() throws Exception {
        Path pass = dir.resolve("bmc.pass");
        Files.writeString(pass, "bmc-secret\n");
        Path ca = dir.resolve("bmc-ca.pem");
        Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n");
        String text = replaceOnce(security("  pskKeys: " + keys + "\n"), "        priority: standard\n",
                "        priority: standard\n" + REDFISH_NODE.replace("PASS", pass.toString()).replace("CA", ca.toString()));
        Site s = SiteLoader.parse("t.yaml", text);
        Node n3 = s.nodes().get(2);
        assertThat(n3.viaRedfish()).isTrue();
        assertThat(n3.agent()).isNull();
        assertThat(n3.pskIdentity()).isNull();
        assertThat(n3.redfish()).isEqualTo(new RedfishBmc(URI.create("https://10.0.3.17:8443"), "headroom", pass, ca,
                "Self"));
        // the chassis defaults to "1", the CA to the JDK's trust store
        Site d = SiteLoader.parse("t.yaml", replaceOnce(text, ", ca: " + ca + ", chassis: Self", ""));
        assertThat(d.nodes().get(2).redfish()).isEqualTo(new RedfishBmc(URI.create("https://10.0.3.17:8443"),
                "headroom", pass, null, "1"));
    }

    @Test
    void redfishErrors() throws Exception {
        Path missing = dir.resolve("none.pass");
        String both = replaceOnce(base(), "        priority: standard\n", "        priority: standard\n"
                + "        redfish: {url: \"http://10.0.3.17\", user: headroom, passwordFile: " + missing + "}\n"
                + "        pskKeyFile: k\n");
        assertThat(errorsOf(both)).containsExactly(
                "33:9: racks[0].nodes[1].redfish: a node has an agent or a Redfish BMC, not both",
                "33:24: racks[0].nodes[1].redfish.url: expected the BMC's https://host[:port] (Redfish needs TLS), got \"http://10.0.3.17\"",
                "33:74: racks[0].nodes[1].redfish.passwordFile: cannot read " + missing + ": no such file",
                "34:21: racks[0].nodes[1].pskKeyFile: a Redfish node has no agent, so no PSK");
        String neither = replaceOnce(base(), "      - {id: n1, agent: 127.0.0.1:57001}", "      - {id: n1}");
        assertThat(errorsOf(neither)).containsExactly(
                "29:9: racks[0].nodes[0].agent: missing required key (or redfish: for a server capped through its BMC)");
        String incomplete = replaceOnce(base(), "      - {id: n1, agent: 127.0.0.1:57001}",
                "      - {id: n1, redfish: {url: \"https://bmc-1\", chassis: a/b}}");
        assertThat(errorsOf(incomplete)).containsExactly(
                "29:27: racks[0].nodes[0].redfish.user: missing required key",
                "29:27: racks[0].nodes[0].redfish.passwordFile: missing required key",
                "29:59: racks[0].nodes[0].redfish.chassis: expected a chassis id (e.g. \"1\"), got \"a/b\"");
    }
}
