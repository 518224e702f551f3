package io.headroom.appliance.site;

import io.headroom.drivers.gpuprotocol.Dtls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the agents' credentials named by a site file: an agent's own PSK file (hex, as the agent package makes it
 * in {@code /etc/headroom/agent.psk}), a keys file ({@code IDENTITY HEX-KEY} per line, {@code #} comments), the
 * appliance's PKCS12 key store and the trusted CAs. Used by {@link SiteLoader} to check them and by the appliance
 * to build its DTLS endpoint. Messages name the file (and line) and never contain key material.
 */
public final class AgentKeys {

    /** The shortest PSK accepted, bytes (as the agent). */
    public static final int MIN_PSK_BYTES = 16;
    private static final Pattern HEX = Pattern.compile("(?i)[0-9a-f]+");

    /** A credential file that cannot be used; the message says which file and why. */
    public static final class KeyFileException extends Exception {
        public KeyFileException(String message) {
            super(message);
        }
    }

    private AgentKeys() {
    }

    /** An agent's PSK file: the key in hex (whitespace around it ignored), at least 16 bytes. */
    public static byte[] readPskFile(Path file) throws KeyFileException {
        String text = read(file);
        return hexKey(text.strip(), file.toString());
    }

    /** A keys file: identity → key, in file order. Blank lines and {@code #} comments are skipped. */
    public static Map<String, byte[]> readKeysFile(Path file) throws KeyFileException {
        String text = read(file);
        Map<String, byte[]> keys = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1);
            String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                problems.add(where + ": expected IDENTITY HEX-KEY, got " + parts.length + " field(s)");
                continue;
            }
            try {
                byte[] key = hexKey(parts[1], where + " (" + parts[0] + ")");
                if (keys.putIfAbsent(parts[0], key) != null) {
                    problems.add(where + ": identity '" + parts[0] + "' is listed twice");
                }
            } catch (KeyFileException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new KeyFileException(String.join("; ", problems));
        }
        return keys;
    }

    /** The PSK of an agent node: its own {@code pskKeyFile}, else its identity's entry in {@code keys}. */
    public static Dtls.Psk psk(Node node, Map<String, byte[]> keys) throws KeyFileException {
        if (node.pskKeyFile() != null) {
            return new Dtls.Psk(node.pskIdentity(), readPskFile(node.pskKeyFile()));
        }
        byte[] k = keys.get(node.pskIdentity());
        if (k == null) {
            throw new KeyFileException("no PSK for node " + node.id() + " (identity '" + node.pskIdentity() + "')");
        }
        return new Dtls.Psk(node.pskIdentity(), k);
    }

    /** The appliance's certificate, chain and trust anchors for DTLS with certificates. */
    public static Dtls.Certificates certificates(Path keyStore, Path passwordFile, Path trusted)
            throws KeyFileException {
        char[] password = read(passwordFile).strip().toCharArray();
        KeyStore ks;
        try (InputStream in = open(keyStore)) {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new KeyFileException(keyStore + ": not a PKCS12 key store it can open with the password in "
                    + passwordFile + ": " + e.getMessage());
        }
        PrivateKey key = null;
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias)) {
                    key = (PrivateKey) ks.getKey(alias, password);
                    for (Certificate c : ks.getCertificateChain(alias)) {
                        chain.add((X509Certificate) c);
                    }
                    break;
                }
            }
        } catch (java.security.GeneralSecurityException | ClassCastException e) {
            throw new KeyFileException(keyStore + ": " + e.getMessage());
        }
        if (key == null || chain.isEmpty()) {
            throw new KeyFileException(keyStore + ": holds no private key with its certificate chain");
        }
        if (!io.headroom.drivers.gpuprotocol.PeerIdentity.of(chain.getFirst()).appliance()) {
            throw new KeyFileException(keyStore + ": its certificate " + io.headroom.drivers.gpuprotocol.PeerIdentity
                    .describe(chain.getFirst()) + " does not carry the appliance role (SAN URI "
                    + io.headroom.drivers.gpuprotocol.PeerIdentity.APPLIANCE + "): every agent would refuse its commands");
        }
        List<X509Certificate> anchors = new ArrayList<>();
        try (InputStream in = open(trusted)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                anchors.add((X509Certificate) c);
            }
        } catch (IOException | java.security.GeneralSecurityException | ClassCastException e) {
            throw new KeyFileException(trusted + ": not PEM certificates: " + e.getMessage());
        }
        if (anchors.isEmpty()) {
            throw new KeyFileException(trusted + ": holds no certificate");
        }
        return new Dtls.Certificates(key, chain, anchors);
    }

    /** A password file's content without surrounding whitespace; empty is refused. */
    public static String readSecret(Path file) throws KeyFileException {
        String s = read(file).strip();
        if (s.isEmpty()) {
            throw new KeyFileException(file + ": is empty");
        }
        return s;
    }

    /** Checks that a file exists and can be read (for PEM files read later by a driver). */
    public static void readable(Path file) throws KeyFileException {
        read(file);
    }

    private static byte[] hexKey(String hex, String where) throws KeyFileException {
        if (hex.isEmpty() || !HEX.matcher(hex).matches() || hex.length() % 2 != 0) {
            throw new KeyFileException(where + ": the key is not hex (an even number of 0-9a-f digits)");
        }
        byte[] key = HexFormat.of().parseHex(hex);
        if (key.length < MIN_PSK_BYTES) {
            throw new KeyFileException(where + ": the key has " + key.length + " bytes, at least " + MIN_PSK_BYTES
                    + " are needed");
        }
        return key;
    }

    private static String read(Path file) throws KeyFileException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KeyFileException(cannotRead(file, e));
        }
    }

    private static InputStream open(Path file) throws KeyFileException {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new KeyFileException(cannotRead(file, e));
        }
    }

    private static String cannotRead(Path file, IOException e) {
        String why = e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied"
                : Files.isDirectory(file) ? "is a directory" : e.getMessage();
        return "cannot read " + file + ": " + why;
    }
}
