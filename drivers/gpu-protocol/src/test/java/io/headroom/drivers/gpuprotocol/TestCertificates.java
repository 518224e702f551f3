package io.headroom.drivers.gpuprotocol;

import io.headroom.testsupport.TestPki;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TestPki}'s certificates as {@link Dtls.Certificates}: a CA and leaf certificates it signs, with the
 * Headroom identities as SAN URIs ({@link PeerIdentity}): the appliance's role, or the agent role and the node.
 */
final class TestCertificates {

    private final TestPki pki;

    TestCertificates(Path dir) {
        this.pki = new TestPki(dir);
    }

    /** A self-signed CA named {@code name}. */
    X509Certificate ca(String name) throws Exception {
        return pki.ca(name);
    }

    /** The appliance's certificate: {@link PeerIdentity#APPLIANCE}. */
    Dtls.Certificates appliance(String name, String caName, X509Certificate... trusted) throws Exception {
        return leaf(name, caName, List.of(PeerIdentity.APPLIANCE), trusted);
    }

    /** Node {@code nodeId}'s agent certificate: {@link PeerIdentity#AGENT} and {@code urn:headroom:node:<nodeId>}. */
    Dtls.Certificates agent(String nodeId, String caName, X509Certificate... trusted) throws Exception {
        return leaf("agent-" + nodeId, caName, List.of(PeerIdentity.AGENT, PeerIdentity.NODE_PREFIX + nodeId), trusted);
    }

    /** A key pair for {@code name} with a certificate signed by {@code caName} and no Headroom identity. */
    Dtls.Certificates leaf(String name, String caName, X509Certificate... trusted) throws Exception {
        return leaf(name, caName, List.of(), trusted);
    }

    /** A key pair for {@code name} with a certificate signed by {@code caName}, with {@code uris} as SAN URIs. */
    Dtls.Certificates leaf(String name, String caName, List<String> uris, X509Certificate... trusted) throws Exception {
        List<String> ext = new ArrayList<>(List.of("ku:c=digitalSignature,keyAgreement", "eku=serverAuth,clientAuth"));
        if (!uris.isEmpty()) {
            ext.add("san=" + String.join(",", uris.stream().map(u -> "uri:" + u).toList()));
        }
        TestPki.Issued issued = pki.issue(name, caName, ext.toArray(new String[0]));
        // the leaf alone, as the agent and the appliance present it
        return new Dtls.Certificates(issued.key(), List.of(issued.leaf()), List.of(trusted));
    }
}
