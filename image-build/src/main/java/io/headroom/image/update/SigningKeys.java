package io.headroom.image.update;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/** Ed25519 keys (the JDK's own provider) in PEM files: PKCS#8 for the private key, X.509 SubjectPublicKeyInfo for the public one. */
public final class SigningKeys {

    static final String ALGORITHM = "Ed25519";

    private SigningKeys() {
    }

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519: " + e.getMessage(), e);
        }
    }

    /** A short, stable name for a public key: the first 16 hex digits of the SHA-256 of its encoding. */
    public static String keyId(PublicKey key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void writePrivate(Path file, PrivateKey key) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, pem("PRIVATE KEY", key.getEncoded()));
    }

    public static void writePublic(Path file, PublicKey key) throws IOException {
        Files.writeString(file, pem("PUBLIC KEY", key.getEncoded()));
    }

    public static PrivateKey readPrivate(Path file) throws IOException, BundleException {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(unpem(file, "PRIVATE KEY")));
        } catch (GeneralSecurityException e) {
            throw new BundleException(file + ": not an Ed25519 private key (PKCS#8 PEM): " + e.getMessage(), e);
        }
    }

    public static PublicKey readPublic(Path file) throws IOException, BundleException {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(unpem(file, "PUBLIC KEY")));
        } catch (GeneralSecurityException e) {
            throw new BundleException(file + ": not an Ed25519 public key (PEM): " + e.getMessage(), e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static byte[] unpem(Path file, String type) throws IOException, BundleException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new BundleException(file + ": no " + begin + " block");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new BundleException(file + ": the " + type + " block is not base64: " + x.getMessage(), x);
        }
    }
}
