package io.headroom.grid.tls;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Private keys and certificates in the shapes utilities and {@code openssl} hand them out:
 * <ul>
 *   <li>PEM {@code BEGIN PRIVATE KEY} (PKCS#8, RSA or EC), {@code BEGIN RSA PRIVATE KEY} (PKCS#1, what
 *       {@code openssl genrsa} writes), {@code BEGIN EC PRIVATE KEY} (SEC1, what {@code openssl ecparam -genkey} writes,
 *       with or without the {@code EC PARAMETERS} block before it), {@code BEGIN ENCRYPTED PRIVATE KEY} (PKCS#8
 *       PBES2, with the password);</li>
 *   <li>the same keys as DER;</li>
 *   <li>PKCS#12 ({@code .p12}/{@code .pfx}) holding the key and its certificate chain, with the password (or none).</li>
 * </ul>
 * Every refusal names the file and says what was found and what to do. The parsers take bytes and a label
 * ({@link #privateKey(byte[], String, char[])}, {@link #certificates(byte[], String, char[])}) so that they can be
 * fuzzed without files.
 */
public final class Keys {

    /** A private key with the certificate chain it belongs to (its own certificate first). */
    public record Material(PrivateKey key, List<X509Certificate> chain) {
        public Material {
            chain = List.copyOf(chain);
        }
    }

    private Keys() {
    }

    /**
     * The key and its chain. {@code certFile} may be the PKCS#12 file itself, or null when {@code keyFile} is a
     * PKCS#12 holding the chain. The key must belong to the first certificate.
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static Material load(Path certFile, Path keyFile, char[] password) {
        byte[] keyBytes = read(keyFile, "key");
        PrivateKey key = privateKey(keyBytes, keyFile.toString(), password);
        List<X509Certificate> chain;
        if (certFile == null || certFile.equals(keyFile)) {
            chain = certificates(keyBytes, keyFile.toString(), password);
        } else {
            chain = certificates(read(certFile, "certificate"), certFile.toString(), password);
        }
        if (!belongs(key, chain.getFirst())) {
            throw new IllegalArgumentException("the key in " + keyFile + " does not belong to the certificate "
                    + chain.getFirst().getSubjectX500Principal().getName() + " in " + (certFile == null ? keyFile : certFile));
        }
        return new Material(key, chain);
    }

    public static PrivateKey privateKey(Path file, char[] password) {
        return privateKey(read(file, "key"), file.toString(), password);
    }

    public static List<X509Certificate> certificates(Path file, char[] password) {
        return certificates(read(file, "certificate"), file.toString(), password);
    }

    private static byte[] read(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " file " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    // ---- private keys ----

    /** A private key from a file's bytes: PEM (any of the blocks above), DER (PKCS#8, PKCS#1, SEC1) or PKCS#12. */
    public static PrivateKey privateKey(byte[] bytes, String where, char[] password) {
        try {
            return readPrivateKey(bytes, where, password);
        } catch (IllegalArgumentException e) {
            throw named(e, where);
        }
    }

    /** The message names the file, once. */
    private static IllegalArgumentException named(IllegalArgumentException e, String where) {
        return e.getMessage() != null && e.getMessage().startsWith(where) ? e : new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }

    private static PrivateKey readPrivateKey(byte[] bytes, String where, char[] password) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (text.contains("-----BEGIN")) {
            return pemPrivateKey(text, where, password);
        }
        if (isPkcs12(bytes)) {
            return pkcs12(bytes, where, password).key();
        }
        return derPrivateKey(bytes, where);
    }

    /** A private key from PEM text. */
    public static PrivateKey pemPrivateKey(String pem, String where, char[] password) {
        try {
            return readPem(pem, where, password);
        } catch (IllegalArgumentException e) {
            throw named(e, where);
        }
    }

    private static PrivateKey readPem(String pem, String where, char[] password) {
        List<Pem> blocks = Pem.all(pem, where);
        byte[] curve = null;
        for (Pem b : blocks) {
            switch (b.type()) {
                case "EC PARAMETERS" -> curve = curveOid(b.der(), where);
                case "PRIVATE KEY" -> {
                    return pkcs8(b.der(), where);
                }
                case "RSA PRIVATE KEY" -> {
                    b.refuseLegacyEncryption(where);
                    return pkcs8(wrapPkcs1(b.der(), where), where);
                }
                case "EC PRIVATE KEY" -> {
                    b.refuseLegacyEncryption(where);
                    return pkcs8(wrapSec1(b.der(), curve, where), where);
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    return encryptedPkcs8(b.der(), where, password);
                }
                default -> {
                    // certificates and other blocks next to the key are skipped
                }
            }
        }
        throw new IllegalArgumentException(where + ": no private key block (found " + (blocks.isEmpty() ? "no PEM block"
                : blocks.stream().map(Pem::type).toList()) + "); expected BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY");
    }

    private static PrivateKey derPrivateKey(byte[] der, String where) {
        Der.Element top;
        List<Der.Element> c;
        try {
            top = Der.parse(der);
            c = Der.expect(top, Der.SEQUENCE, 2, where);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": neither PEM nor a DER key nor PKCS#12 (" + e.getMessage() + ")", e);
        }
        if (c.get(0).tag() == Der.INTEGER && c.get(1).tag() == Der.SEQUENCE) {
            return pkcs8(der, where);
        }
        if (c.get(0).tag() == Der.INTEGER && c.get(1).tag() == Der.OCTET_STRING) {
            return pkcs8(wrapSec1(der, null, where), where);
        }
        if (c.get(0).tag() == Der.INTEGER && c.get(1).tag() == Der.INTEGER) {
            return pkcs8(wrapPkcs1(der, where), where);
        }
        throw new IllegalArgumentException(where + ": a DER structure that is not a PKCS#8, PKCS#1 or SEC1 private key");
    }

    private static PrivateKey pkcs8(byte[] der, String where) {
        String alg;
        try {
            List<Der.Element> c = Der.expect(Der.parse(der), Der.SEQUENCE, 3, where + " (PKCS#8)");
            List<Der.Element> algId = Der.expect(c.get(1), Der.SEQUENCE, 1, where + " (PKCS#8 algorithm)");
            byte[] oid = algId.getFirst().content();
            if (Arrays.equals(oid, Der.RSA_ENCRYPTION)) {
                alg = "RSA";
            } else if (Arrays.equals(oid, Der.EC_PUBLIC_KEY)) {
                alg = "EC";
            } else {
                throw new IllegalArgumentException(where + ": a PKCS#8 key of algorithm OID " + oidText(oid)
                        + "; OpenADR uses RSA or EC keys");
            }
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(where) ? e : new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        try {
            return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(where + ": not a valid " + alg + " private key (" + e.getMessage() + ")", e);
        }
    }

    /** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo (rsaEncryption, NULL parameters). */
    static byte[] wrapPkcs1(byte[] pkcs1, String where) {
        Der.expect(Der.parse(pkcs1), Der.SEQUENCE, 9, where + " (PKCS#1 RSA key)");
        return Der.seq(Der.integer(0), Der.seq(Der.oid(Der.RSA_ENCRYPTION), Der.nul()), Der.octets(pkcs1));
    }

    /** SEC1 ECPrivateKey → PKCS#8 with the named curve from its [0] parameters (or from an EC PARAMETERS block). */
    static byte[] wrapSec1(byte[] sec1, byte[] curveFromParameters, String where) {
        List<Der.Element> c = Der.expect(Der.parse(sec1), Der.SEQUENCE, 2, where + " (SEC1 EC key)");
        byte[] curve = curveFromParameters;
        for (Der.Element e : c) {
            if (e.tag() == 0xA0) {
                List<Der.Element> p = e.children();
                if (p.size() == 1 && p.getFirst().tag() == Der.OID) {
                    curve = p.getFirst().content();
                } else {
                    throw new IllegalArgumentException(where + ": SEC1 key with explicit curve parameters; only named curves (e.g. prime256v1) are read");
                }
            }
        }
        if (curve == null) {
            throw new IllegalArgumentException(where + ": SEC1 EC key without its curve (no [0] parameters and no EC PARAMETERS block); "
                    + "convert it with 'openssl pkcs8 -topk8 -nocrypt'");
        }
        return Der.seq(Der.integer(0), Der.seq(Der.oid(Der.EC_PUBLIC_KEY), Der.oid(curve)), Der.octets(sec1));
    }

    private static byte[] curveOid(byte[] ecParameters, String where) {
        Der.Element e = Der.parse(ecParameters);
        if (e.tag() != Der.OID) {
            throw new IllegalArgumentException(where + ": EC PARAMETERS that are not a named curve");
        }
        return e.content();
    }

    private static PrivateKey encryptedPkcs8(byte[] der, String where, char[] password) {
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException(where + ": the key is encrypted (BEGIN ENCRYPTED PRIVATE KEY); give its password "
                    + "(tlsKeyPassword in the site file, --tls-key-password)");
        }
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            AlgorithmParameters params = info.getAlgParameters();
            String alg = params == null ? info.getAlgName() : params.toString();
            SecretKey k = SecretKeyFactory.getInstance(alg).generateSecret(new PBEKeySpec(password));
            Cipher cipher = Cipher.getInstance(alg);
            cipher.init(Cipher.DECRYPT_MODE, k, params);
            return pkcs8(info.getKeySpec(cipher).getEncoded(), where);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(where + ": cannot decrypt the key (wrong password, or an encryption this JDK does not "
                    + "know: " + e.getMessage() + ")", e);
        }
    }

    // ---- certificates ----

    /** The certificates of a PEM or DER file, or the chain of the key in a PKCS#12 file; the leaf first as written. */
    public static List<X509Certificate> certificates(byte[] bytes, String where, char[] password) {
        try {
            return readCertificates(bytes, where, password);
        } catch (IllegalArgumentException e) {
            throw named(e, where);
        }
    }

    private static List<X509Certificate> readCertificates(byte[] bytes, String where, char[] password) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN") && isPkcs12(bytes)) {
            return pkcs12(bytes, where, password).chain();
        }
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            if (text.contains("-----BEGIN")) {
                for (Pem b : Pem.all(text, where)) {
                    if (b.type().equals("CERTIFICATE") || b.type().equals("X509 CERTIFICATE") || b.type().equals("TRUSTED CERTIFICATE")) {
                        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                    }
                }
            } else {
                for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(bytes))) {
                    out.add((X509Certificate) c);
                }
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(where + ": unreadable certificate (" + e.getMessage() + ")", e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(where + ": no certificate in it (expected PEM BEGIN CERTIFICATE blocks, DER or PKCS#12)");
        }
        return out;
    }

    // ---- PKCS#12 ----

    /** A DER SEQUENCE whose first element is INTEGER 3: the PFX version. */
    static boolean isPkcs12(byte[] bytes) {
        try {
            List<Der.Element> c = Der.read(bytes, 0, bytes.length).children();
            return !c.isEmpty() && c.getFirst().tag() == Der.INTEGER && Arrays.equals(c.getFirst().content(), new byte[] {3});
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Material pkcs12(byte[] bytes, String where, char[] password) {
        char[][] tries = password != null ? new char[][] {password} : new char[][] {new char[0], null};
        GeneralSecurityException last = null;
        for (char[] pw : tries) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(new ByteArrayInputStream(bytes), pw);
                for (String alias : Collections.list(ks.aliases())) {
                    if (ks.isKeyEntry(alias)) {
                        PrivateKey k = (PrivateKey) ks.getKey(alias, pw == null ? new char[0] : pw);
                        Certificate[] chain = ks.getCertificateChain(alias);
                        if (chain == null || chain.length == 0) {
                            throw new IllegalArgumentException(where + ": PKCS#12 key '" + alias + "' without its certificate");
                        }
                        List<X509Certificate> xs = new ArrayList<>();
                        for (Certificate c : chain) {
                            xs.add((X509Certificate) c);
                        }
                        return new Material(k, xs);
                    }
                }
                throw new IllegalArgumentException(where + ": PKCS#12 without a private key entry");
            } catch (IOException e) {
                last = new GeneralSecurityException(e.getMessage(), e);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new IllegalArgumentException(where + ": cannot open the PKCS#12 file (" + (last == null ? "?" : last.getMessage())
                + "); " + (password == null ? "it needs a password: tlsKeyPassword in the site file, --tls-key-password"
                : "wrong password?"), last);
    }

    // ---- checks ----

    /** Whether the key signs what the certificate's public key verifies. */
    public static boolean belongs(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> null;
        };
        if (alg == null || !key.getAlgorithm().equalsIgnoreCase(cert.getPublicKey().getAlgorithm())) {
            return false;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static String oidText(byte[] oid) {
        if (oid.length == 0) {
            return "(empty)";
        }
        StringBuilder b = new StringBuilder();
        b.append((oid[0] & 0xFF) / 40).append('.').append((oid[0] & 0xFF) % 40);
        long v = 0;
        for (int i = 1; i < oid.length; i++) {
            v = (v << 7) | (oid[i] & 0x7F);
            if ((oid[i] & 0x80) == 0) {
                b.append('.').append(v);
                v = 0;
            }
        }
        return b.toString();
    }

    /** One PEM block: its type, its headers (legacy encryption) and its DER. */
    record Pem(String type, String headers, byte[] der) {

        static List<Pem> all(String text, String where) {
            List<Pem> out = new ArrayList<>();
            int from = 0;
            while (true) {
                int a = text.indexOf("-----BEGIN ", from);
                if (a < 0) {
                    return out;
                }
                int typeEnd = text.indexOf("-----", a + 11);
                if (typeEnd < 0) {
                    throw new IllegalArgumentException(where + ": unterminated PEM header at offset " + a);
                }
                String type = text.substring(a + 11, typeEnd).trim();
                String endMarker = "-----END " + type + "-----";
                int b = text.indexOf(endMarker, typeEnd);
                if (b < 0) {
                    throw new IllegalArgumentException(where + ": PEM block " + type + " has no '" + endMarker + "'");
                }
                String body = text.substring(typeEnd + 5, b);
                String headers = "";
                int blank = body.indexOf("\n\n");
                if (body.contains(":") && blank >= 0) {
                    headers = body.substring(0, blank);
                    body = body.substring(blank + 2);
                } else if (body.contains(":") && body.replace("\r", "").contains("\n\n")) {
                    int bb = body.replace("\r", "").indexOf("\n\n");
                    String nr = body.replace("\r", "");
                    headers = nr.substring(0, bb);
                    body = nr.substring(bb + 2);
                }
                byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(body.trim());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + ": PEM block " + type + " is not base64 (" + e.getMessage() + ")", e);
                }
                out.add(new Pem(type, headers, der));
                from = b + endMarker.length();
            }
        }

        void refuseLegacyEncryption(String where) {
            if (headers.contains("ENCRYPTED")) {
                throw new IllegalArgumentException(where + ": " + type + " encrypted in the legacy OpenSSL format (Proc-Type: 4,ENCRYPTED); "
                        + "convert it: 'openssl pkcs8 -topk8 -in KEY -out key.pem' (then give tlsKeyPassword) or -nocrypt");
            }
        }
    }
}
