package io.headroom.appliance.site;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How the appliance authenticates the node agents (the site file's {@code agents.security}): DTLS 1.2 with a
 * pre-shared key per agent (the default), DTLS with X.509 certificates, or plain CoAP ({@code none}, only when
 * the site says so). Paths are absolute (the loader resolves them against the site file's folder); the keys
 * themselves are read by {@link AgentKeys} and never kept in the site model.
 *
 * @param pskKeys              {@code psk}: a file of {@code IDENTITY HEX-KEY} lines, or null when every agent node
 *                             names its own {@code pskKeyFile}
 * @param keyStore             {@code certificates}: PKCS12 with the appliance's private key and chain
 * @param keyStorePasswordFile {@code certificates}: the key store's password
 * @param trustedCertificates  {@code certificates}: PEM, the CA(s) whose agents the appliance talks to
 */
public record AgentSecurity(Mode mode, Path pskKeys, Path keyStore, Path keyStorePasswordFile,
                            Path trustedCertificates) {

    public enum Mode {
        PSK("psk"), CERTIFICATES("certificates"), NONE("none");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public AgentSecurity {
        Objects.requireNonNull(mode, "mode");
    }

    /** Plain CoAP: anyone on the network can command the GPUs' caps. */
    public static AgentSecurity none() {
        return new AgentSecurity(Mode.NONE, null, null, null, null);
    }

    /** DTLS-PSK; {@code keysFile} may be null when every agent node has its own key file. */
    public static AgentSecurity psk(Path keysFile) {
        return new AgentSecurity(Mode.PSK, keysFile, null, null, null);
    }

    public static AgentSecurity certificates(Path keyStore, Path passwordFile, Path trusted) {
        return new AgentSecurity(Mode.CERTIFICATES, null, Objects.requireNonNull(keyStore),
                Objects.requireNonNull(passwordFile), Objects.requireNonNull(trusted));
    }
}
