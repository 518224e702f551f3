package io.headroom.drivers.gpuprotocol;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Who a certificate says its holder is, in certificate mode: a role and, for an agent, its node. Both are
 * subject-alternative-name URIs: {@value #APPLIANCE} or {@value #AGENT}, and {@code urn:headroom:node:<nodeId>} (the
 * node's id in the site file) on an agent's certificate.
 *
 * <p>Why SAN URIs and not an extended key usage: a role and a node are who the holder is, not what its key may be
 * used for; TLS stacks check the EKU for {@code serverAuth}/{@code clientAuth} (an agent's certificate needs both),
 * a private EKU needs an OID arc of our own and reads as a bare number in every tool, and a SAN URI is where
 * workload identities already live (SPIFFE's X.509 SVIDs), shown by {@code openssl x509 -text} and issued by
 * {@code keytool -ext san=uri:...} or {@code openssl -addext subjectAltName=URI:...}. A CA may constrain them with
 * name constraints.
 *
 * @param role   {@link #APPLIANCE}, {@link #AGENT}, or null when the certificate names none, or more than one
 * @param nodeId the node of an agent's certificate, or null (none, or more than one)
 */
public record PeerIdentity(String role, String nodeId) {

    public static final String APPLIANCE = "urn:headroom:role:appliance";
    public static final String AGENT = "urn:headroom:role:agent";
    public static final String NODE_PREFIX = "urn:headroom:node:";

    /** The identity a certificate's SAN URIs give. */
    public static PeerIdentity of(X509Certificate cert) {
        List<String> roles = new ArrayList<>();
        List<String> nodes = new ArrayList<>();
        for (String uri : uris(cert)) {
            if (uri.equals(APPLIANCE) || uri.equals(AGENT)) {
                roles.add(uri);
            } else if (uri.startsWith(NODE_PREFIX) && uri.length() > NODE_PREFIX.length()) {
                nodes.add(uri.substring(NODE_PREFIX.length()));
            }
        }
        return new PeerIdentity(roles.size() == 1 ? roles.getFirst() : null, nodes.size() == 1 ? nodes.getFirst() : null);
    }

    public boolean appliance() {
        return APPLIANCE.equals(role);
    }

    /** An agent's certificate for node {@code id}. */
    public boolean agentOf(String id) {
        return AGENT.equals(role) && id.equals(nodeId);
    }

    /** For diagnostics: the subject, role and node. */
    public static String describe(X509Certificate cert) {
        PeerIdentity p = of(cert);
        return cert.getSubjectX500Principal().getName() + " (role " + (p.role == null ? "none" : p.role)
                + (p.nodeId == null ? "" : ", node " + p.nodeId) + ")";
    }

    private static List<String> uris(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (n.size() >= 2 && Integer.valueOf(6).equals(n.get(0)) && n.get(1) instanceof String s) {
                        out.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // an unreadable SAN extension names nobody
        }
        return out;
    }
}
