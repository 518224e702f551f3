package io.headroom.image.update;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A signed update bundle: a zip (stored, entries sorted, fixed times, so the same inputs give the same bytes)
 * holding {@code manifest} (see {@link Manifest}), {@code manifest.sig} ({@code ed25519 KEYID BASE64}, the
 * Ed25519 signature of the manifest's bytes) and the packages under {@code packages/}.
 *
 * <p>{@link #verify} checks, in this order, and refuses at the first failure with a message that names the
 * bundle and the reason: the zip's directory (at most {@value #MAX_ENTRIES} entries, each named once, no name that
 * could leave the folder it is unpacked into), the signature against the trusted public keys (nothing in the
 * bundle is read as data before that), that the bundle holds nothing the signed manifest does not list and that
 * each listed entry declares the manifest's size, then that every package has its size and SHA-256. No package is
 * ever read beyond the size the signed manifest gives it: an entry that inflates past it (a zip bomb, or a
 * package swapped for a larger one) is refused after that many bytes plus one, and nothing is unpacked into a
 * folder whose file system has less room than the manifest's total.
 */
public final class UpdateBundle {

    static final String MANIFEST = "manifest";
    static final String SIGNATURE = "manifest.sig";
    /** A bundle is a manifest, its signature and a few packages: a zip directory longer than this is refused. */
    static final int MAX_ENTRIES = 64;

    /** A check of the verified manifest made before anything is unpacked (e.g. anti-rollback). */
    @FunctionalInterface
    public interface ManifestCheck {
        void check(Manifest manifest) throws BundleException;
    }

    private UpdateBundle() {
    }

    /** Writes a bundle of {@code packages} signed with {@code key}. */
    public static Manifest write(Path bundle, PrivateKey key, PublicKey publicKey, String version, String architecture,
                                 Instant created, List<Path> packages) throws IOException, BundleException {
        List<Manifest.Entry> entries = new ArrayList<>();
        Map<String, Path> byName = new TreeMap<>();
        for (Path p : packages) {
            String name = "packages/" + p.getFileName();
            if (!Manifest.NAME.matcher(name).matches()) {
                throw new BundleException(p + ": not a plain .deb file name");
            }
            if (byName.put(name, p) != null) {
                throw new BundleException(p.getFileName() + ": given twice");
            }
        }
        for (Map.Entry<String, Path> e : byName.entrySet()) {
            entries.add(new Manifest.Entry(e.getKey(), sha256(e.getValue()), Files.size(e.getValue())));
        }
        Manifest manifest = new Manifest(version, architecture, created, entries);
        byte[] text = manifest.encode();
        String sig = "ed25519 " + SigningKeys.keyId(publicKey) + " " + Base64.getEncoder().encodeToString(sign(key, text)) + "\n";
        FileTime time = FileTime.from(created);
        Path tmp = bundle.resolveSibling(bundle.getFileName() + ".tmp");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp))) {
            store(zip, MANIFEST, text, time);
            store(zip, SIGNATURE, sig.getBytes(StandardCharsets.US_ASCII), time);
            for (Map.Entry<String, Path> e : byName.entrySet()) {
                store(zip, e.getKey(), Files.readAllBytes(e.getValue()), time);
            }
        }
        Files.move(tmp, bundle, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return manifest;
    }

    /** Verifies a bundle against the trusted keys; returns its manifest or says exactly why it is refused. */
    public static Manifest verify(Path bundle, List<PublicKey> trusted) throws BundleException {
        return open(bundle, trusted, null, m -> { });
    }

    /** Verifies, then unpacks the packages into {@code dir}; returns their paths (manifest order). */
    public static List<Path> verifyAndExtract(Path bundle, List<PublicKey> trusted, Path dir) throws BundleException {
        return verifyAndExtract(bundle, trusted, dir, m -> { });
    }

    /**
     * Verifies, runs {@code check} on the verified manifest (it refuses by throwing), then unpacks the packages into
     * {@code dir}; returns their paths (manifest order). Nothing is unpacked when {@code check} refuses.
     */
    public static List<Path> verifyAndExtract(Path bundle, List<PublicKey> trusted, Path dir, ManifestCheck check)
            throws BundleException {
        return open(bundle, trusted, dir, check).files().stream().map(e -> dir.resolve(e.name())).toList();
    }

    private static Manifest open(Path bundle, List<PublicKey> trusted, Path extractTo, ManifestCheck check)
            throws BundleException {
        String where = "update bundle " + bundle.getFileName();
        if (trusted.isEmpty()) {
            throw new BundleException(where + ": no trusted update key is installed; refusing to install");
        }
        try (ZipFile zip = new ZipFile(bundle.toFile())) {
            if (zip.size() > MAX_ENTRIES) {
                throw new BundleException(where + ": " + zip.size() + " entries, more than the " + MAX_ENTRIES
                        + " a bundle may hold; refusing to install");
            }
            Set<String> names = new HashSet<>();
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String n = en.nextElement().getName();
                if (!names.add(n)) {
                    throw new BundleException(where + ": entry " + n + " appears twice; refusing to install");
                }
                if (escapes(n)) {
                    throw new BundleException(where + ": entry '" + n + "' names a path outside the folder it would be "
                            + "unpacked into; refusing to install");
                }
            }
            byte[] text = read(zip, MANIFEST, where);
            String sigLine = new String(read(zip, SIGNATURE, where), StandardCharsets.US_ASCII).strip();
            String[] sig = sigLine.split(" ");
            if (sig.length != 3 || !sig[0].equals("ed25519")) {
                throw new BundleException(where + ": manifest.sig is not 'ed25519 KEYID SIGNATURE'; refusing to install");
            }
            PublicKey key = trusted.stream().filter(k -> SigningKeys.keyId(k).equals(sig[1])).findFirst()
                    .orElseThrow(() -> new BundleException(where + ": signed with key " + sig[1]
                            + ", which is not a trusted update key (trusted: "
                            + String.join(", ", trusted.stream().map(SigningKeys::keyId).toList()) + "); refusing to install"));
            byte[] signature;
            try {
                signature = Base64.getDecoder().decode(sig[2]);
            } catch (IllegalArgumentException e) {
                throw new BundleException(where + ": manifest.sig is not base64; refusing to install");
            }
            if (!verifySignature(key, text, signature)) {
                throw new BundleException(where + ": BAD SIGNATURE: the manifest does not match its Ed25519 signature by key "
                        + sig[1] + " (tampered or corrupted); refusing to install");
            }
            Manifest manifest = Manifest.parse(text);
            Set<String> listed = new HashSet<>();
            long total = 0;
            for (Manifest.Entry e : manifest.files()) {
                listed.add(e.name());
                total += e.size();
            }
            for (String n : names) {
                if (!n.equals(MANIFEST) && !n.equals(SIGNATURE) && !listed.contains(n)) {
                    throw new BundleException(where + ": holds " + n + ", which the signed manifest does not list; refusing to install");
                }
            }
            for (Manifest.Entry e : manifest.files()) {
                ZipEntry z = zip.getEntry(e.name());
                if (z == null) {
                    throw new BundleException(where + ": " + e.name() + " is listed in the manifest but missing; refusing to install");
                }
                if (z.getSize() >= 0 && z.getSize() != e.size()) {
                    throw new BundleException(where + ": " + e.name() + " declares " + z.getSize() + " bytes in the zip, the "
                            + "signed manifest " + e.size() + "; refusing to install");
                }
            }
            check.check(manifest);
            if (extractTo != null) {
                Files.createDirectories(extractTo);
                long free = Files.getFileStore(extractTo).getUsableSpace();
                if (total > free) {
                    throw new BundleException(where + ": its packages need " + total + " bytes and " + extractTo + " has "
                            + free + " free; refusing to install");
                }
            }
            for (Manifest.Entry e : manifest.files()) {
                ZipEntry z = zip.getEntry(e.name());
                MessageDigest md = sha();
                long size = 0;
                Path target = extractTo == null ? null : extractTo.resolve(e.name());
                OutputStream sink = target == null ? OutputStream.nullOutputStream() : newFile(target);
                try (InputStream in = zip.getInputStream(z); sink) {
                    byte[] buf = new byte[1 << 16];
                    // never more than the manifest's size plus one byte: that byte alone says "too long"
                    for (int r; size <= e.size() && (r = in.read(buf, 0, (int) Math.min(buf.length, e.size() + 1 - size))) > 0; ) {
                        md.update(buf, 0, r);
                        sink.write(buf, 0, r);
                        size += r;
                    }
                } catch (IOException | RuntimeException x) {
                    deleteQuietly(target);
                    throw new BundleException(where + ": " + e.name() + " cannot be read (" + x.getMessage()
                            + "); refusing to install", x);
                }
                if (size > e.size()) {
                    deleteQuietly(target);
                    throw new BundleException(where + ": " + e.name() + " inflates beyond the " + e.size()
                            + " bytes the signed manifest declares (stopped there); refusing to install");
                }
                String hash = HexFormat.of().formatHex(md.digest());
                if (size != e.size() || !hash.equals(e.sha256())) {
                    deleteQuietly(target);
                    throw new BundleException(where + ": " + e.name() + " does not match the signed manifest (size " + size
                            + " vs " + e.size() + ", sha256 " + hash + " vs " + e.sha256() + "); refusing to install");
                }
            }
            return manifest;
        } catch (IOException e) {
            throw new BundleException(where + ": cannot read it as a bundle: " + e.getMessage() + "; refusing to install", e);
        }
    }

    /** A zip entry name that is absolute, climbs with "..", or uses a backslash or a drive letter. */
    static boolean escapes(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0
                || (name.length() > 1 && name.charAt(1) == ':')) {
            return true;
        }
        for (String part : name.split("/", -1)) {
            if (part.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the temporary folder is removed by the caller anyway
        }
    }

    private static OutputStream newFile(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        return Files.newOutputStream(p);
    }

    private static byte[] read(ZipFile zip, String name, String where) throws IOException, BundleException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new BundleException(where + ": no " + name + " (not a signed Headroom update bundle); refusing to install");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes(1 << 20);
            if (in.read() >= 0) {
                throw new BundleException(where + ": " + name + " is larger than 1 MiB; refusing to install");
            }
            return b;
        }
    }

    private static void store(ZipOutputStream zip, String name, byte[] data, FileTime time) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setLastModifiedTime(time);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    static byte[] sign(PrivateKey key, byte[] data) throws BundleException {
        try {
            Signature s = Signature.getInstance(SigningKeys.ALGORITHM);
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new BundleException("cannot sign with this key: " + e.getMessage(), e);
        }
    }

    static boolean verifySignature(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(SigningKeys.ALGORITHM);
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Public keys from a folder of {@code *.pub} PEM files (e.g. {@code /etc/headroom/update-keys}), sorted by name. */
    public static List<PublicKey> trustedKeys(Path dir) throws IOException, BundleException {
        List<PublicKey> keys = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return keys;
        }
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".pub")).sorted(Comparator.naturalOrder()).toList()) {
                keys.add(SigningKeys.readPublic(p));
            }
        }
        return keys;
    }
}
