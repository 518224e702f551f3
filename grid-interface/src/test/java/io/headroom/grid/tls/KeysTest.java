package io.headroom.grid.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Private keys and certificates in every shape users have them, and precise refusals of everything else. */
class KeysTest {

    @TempDir
    Path dir;

    static final byte[] PRIME256V1 = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x03, 0x01, 0x07};

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** The PKCS#1 / SEC1 structure inside a PKCS#8 key. */
    static byte[] inner(PrivateKey k) {
        return Der.parse(k.getEncoded()).children().get(2).content();
    }

    /** SEC1 as openssl ecparam -genkey writes it: version, key, [0] named curve. */
    static byte[] sec1WithCurve(PrivateKey k) {
        List<Der.Element> c = Der.parse(inner(k)).children();
        return Der.seq(Der.integer(1), Der.octets(c.get(1).content()), Der.tlv(0xA0, Der.oid(PRIME256V1)));
    }

    @Test
    void rsaKeysAreReadAsPkcs8AndPkcs1PemAndDer() throws Exception {
        KeyPair k = rsa();
        for (String text : List.of(pem("PRIVATE KEY", k.getPrivate().getEncoded()), pem("RSA PRIVATE KEY", inner(k.getPrivate())))) {
            assertThat(Keys.privateKey(text.getBytes(StandardCharsets.US_ASCII), "key.pem", null)).isEqualTo(k.getPrivate());
        }
        assertThat(Keys.privateKey(k.getPrivate().getEncoded(), "key.der", null)).isEqualTo(k.getPrivate());
        assertThat(Keys.privateKey(inner(k.getPrivate()), "key.der", null)).isEqualTo(k.getPrivate());
    }

    @Test
    void ecKeysAreReadAsPkcs8AndSec1WithTheirCurveOrAnEcParametersBlock() throws Exception {
        KeyPair k = ec();
        String sec1 = pem("EC PRIVATE KEY", sec1WithCurve(k.getPrivate()));
        String openssl = pem("EC PARAMETERS", Der.oid(PRIME256V1)) + sec1;
        byte[] bare = Der.seq(Der.integer(1), Der.octets(Der.parse(inner(k.getPrivate())).children().get(1).content()));
        String withParamsBlock = pem("EC PARAMETERS", Der.oid(PRIME256V1)) + pem("EC PRIVATE KEY", bare);
        for (String text : List.of(pem("PRIVATE KEY", k.getPrivate().getEncoded()), sec1, openssl, withParamsBlock)) {
            PrivateKey read = Keys.privateKey(text.getBytes(StandardCharsets.US_ASCII), "key.pem", null);
            assertThat(read.getAlgorithm()).isEqualTo("EC");
            assertThat(((java.security.interfaces.ECPrivateKey) read).getS()).isEqualTo(((java.security.interfaces.ECPrivateKey) k.getPrivate()).getS());
        }
        assertThatThrownBy(() -> Keys.privateKey(pem("EC PRIVATE KEY", bare).getBytes(), "bare.pem", null))
                .hasMessageContaining("bare.pem").hasMessageContaining("without its curve");
    }

    @Test
    void pkcs12FilesAndEncryptedPkcs8KeysOpenWithTheirPassword() throws Exception {
        Path p12 = dir.resolve("ven.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        assertThat(new ProcessBuilder(keytool, "-genkeypair", "-alias", "ven", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=ven",
                "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", "s3cret", "-validity", "2")
                .redirectErrorStream(true).start().waitFor()).isZero();
        Keys.Material m = Keys.load(null, p12, "s3cret".toCharArray());
        assertThat(m.chain().getFirst().getSubjectX500Principal().getName()).isEqualTo("CN=ven");
        assertThat(Keys.belongs(m.key(), m.chain().getFirst())).isTrue();
        assertThat(Keys.load(p12, p12, "s3cret".toCharArray()).key()).isEqualTo(m.key());
        assertThatThrownBy(() -> Keys.load(null, p12, null)).hasMessageContaining("ven.p12").hasMessageContaining("--tls-key-password");
        assertThatThrownBy(() -> Keys.load(null, p12, "wrong".toCharArray())).hasMessageContaining("wrong password");

        KeyPair k = ec();
        char[] pw = "pass phrase".toCharArray();
        String alg = "PBEWithHmacSHA256AndAES_256";
        byte[] salt = new byte[16];
        Cipher c = Cipher.getInstance(alg);
        c.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(alg).generateSecret(new PBEKeySpec(pw)),
                new PBEParameterSpec(salt, 10_000, new IvParameterSpec(new byte[16])));
        java.security.AlgorithmParameters pbes2 = java.security.AlgorithmParameters.getInstance("PBES2");
        pbes2.init(c.getParameters().getEncoded());
        byte[] enc = new EncryptedPrivateKeyInfo(pbes2, c.doFinal(k.getPrivate().getEncoded())).getEncoded();
        byte[] file = pem("ENCRYPTED PRIVATE KEY", enc).getBytes();
        assertThat(Keys.privateKey(file, "enc.pem", pw)).isEqualTo(k.getPrivate());
        assertThatThrownBy(() -> Keys.privateKey(file, "enc.pem", null)).hasMessageContaining("encrypted").hasMessageContaining("tlsKeyPassword");
        assertThatThrownBy(() -> Keys.privateKey(file, "enc.pem", "nope".toCharArray())).hasMessageContaining("cannot decrypt");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingBothFiles() throws Exception {
        Path p12 = dir.resolve("a.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        new ProcessBuilder(keytool, "-genkeypair", "-alias", "a", "-keyalg", "EC", "-dname", "CN=a", "-keystore", p12.toString(),
                "-storetype", "PKCS12", "-storepass", "pw1234", "-validity", "2").redirectErrorStream(true).start().waitFor();
        Path cert = dir.resolve("a.crt");
        X509Certificate x = Keys.load(null, p12, "pw1234".toCharArray()).chain().getFirst();
        Files.writeString(cert, pem("CERTIFICATE", x.getEncoded()));
        Path other = dir.resolve("other.key");
        Files.writeString(other, pem("PRIVATE KEY", ec().getPrivate().getEncoded()));
        assertThatThrownBy(() -> Keys.load(cert, other, null)).hasMessageContaining("other.key").hasMessageContaining("does not belong")
                .hasMessageContaining("CN=a");
    }

    @Test
    void whatIsNotAKeyIsRefusedWithWhatWasFound() throws Exception {
        assertThatThrownBy(() -> Keys.privateKey("hello".getBytes(), "junk.pem", null)).hasMessageContaining("junk.pem");
        assertThatThrownBy(() -> Keys.privateKey(pem("CERTIFICATE", new byte[] {0x30, 0}).getBytes(), "cert.pem", null))
                .hasMessageContaining("cert.pem").hasMessageContaining("no private key block").hasMessageContaining("[CERTIFICATE]");
        String legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"
                + "AAAA\n-----END RSA PRIVATE KEY-----\n";
        assertThatThrownBy(() -> Keys.privateKey(legacy.getBytes(), "legacy.pem", null)).hasMessageContaining("legacy OpenSSL format")
                .hasMessageContaining("openssl pkcs8 -topk8");
        assertThatThrownBy(() -> Keys.privateKey("-----BEGIN PRIVATE KEY-----\nMIIB\n".getBytes(), "cut.pem", null))
                .hasMessageContaining("cut.pem").hasMessageContaining("END PRIVATE KEY");
        assertThatThrownBy(() -> Keys.certificates("nothing".getBytes(), "ca.pem", null)).hasMessageContaining("ca.pem");
    }

    /** Seeded mutations of valid keys: every input either reads or is refused with an IllegalArgumentException. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void mangledKeysAreRefusedCleanly(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        KeyPair k = seed % 2 == 0 ? rsa() : ec();
        List<byte[]> seeds = List.of(k.getPrivate().getEncoded(), pem("PRIVATE KEY", k.getPrivate().getEncoded()).getBytes(),
                seed % 2 == 0 ? pem("RSA PRIVATE KEY", inner(k.getPrivate())).getBytes() : pem("EC PRIVATE KEY", sec1WithCurve(k.getPrivate())).getBytes());
        for (int i = 0; i < 300; i++) {
            byte[] b = seeds.get(r.nextInt(seeds.size())).clone();
            int edits = 1 + r.nextInt(4);
            for (int e = 0; e < edits; e++) {
                switch (r.nextInt(3)) {
                    case 0 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    case 1 -> b = java.util.Arrays.copyOf(b, Math.max(1, r.nextInt(b.length)));
                    default -> {
                        int at = r.nextInt(b.length);
                        b[at] = (byte) (b[at] ^ 0x80);
                    }
                }
            }
            byte[] input = b;
            try {
                Keys.privateKey(input, "mangled", null);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).contains("mangled");
            }
        }
    }

    @Test
    void derReadsRefuseLengthsBeyondTheInput() {
        assertThatThrownBy(() -> Der.parse(new byte[] {0x30, (byte) 0x84, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("claims");
        assertThatThrownBy(() -> Der.parse(new byte[] {0x30})).isInstanceOf(IllegalArgumentException.class);
        assertThat(Keys.oidText(PRIME256V1)).isEqualTo("1.2.840.10045.3.1.7");
    }

    @Test
    void keysSavedByFileAreReadFromTheFile() throws Exception {
        KeyPair k = rsa();
        Path f = dir.resolve("genrsa.pem");
        try (FileOutputStream o = new FileOutputStream(f.toFile())) {
            o.write(pem("RSA PRIVATE KEY", inner(k.getPrivate())).getBytes());
        }
        assertThat(Keys.privateKey(f, null)).isEqualTo(k.getPrivate());
        assertThatThrownBy(() -> Keys.privateKey(dir.resolve("missing.pem"), null)).hasMessageContaining("missing.pem").hasMessageContaining("cannot read");
        KeyStore.getInstance("PKCS12");
    }
}
