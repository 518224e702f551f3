package io.headroom.image.update;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What unpacking a bundle may cost: never more bytes than the signed manifest declares (a zip bomb is stopped at
 * that size plus one byte), no entry that names a path outside the folder, no endless zip directory.
 */
class BundleExtractionLimitsTest {

    static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
    static final String PACKAGE = "packages/headroom-appliance_0.1.0_amd64.deb";
    /** 64 MiB of zeros: about 64 KiB deflated. */
    static final int BOMB_BYTES = 64 << 20;

    @TempDir
    Path dir;
    KeyPair release;
    Path bundle;
    Path out;

    @BeforeEach
    void signedBundle() throws Exception {
        release = SigningKeys.generate();
        Path deb = Files.write(dir.resolve("headroom-appliance_0.1.0_amd64.deb"), "appliance package".getBytes(StandardCharsets.UTF_8));
        bundle = dir.resolve("update.hrb");
        UpdateBundle.write(bundle, release.getPrivate(), release.getPublic(), "0.1.0", "amd64", CREATED, List.of(deb));
        out = dir.resolve("unpacked");
    }

    @Test
    void aCompressedEntryThatInflatesBeyondTheManifestsSizeIsStoppedThere() throws Exception {
        // the package swapped for a deflated bomb whose zip directory claims the manifest's 17 bytes
        rebuild(PACKAGE, true);
        patchCentralDirectorySize(bundle, PACKAGE, 17);
        try (ZipFile z = new ZipFile(bundle.toFile())) {
            assertThat(z.getEntry(PACKAGE).getSize()).as("the zip's own directory lies").isEqualTo(17);
            assertThat(Files.size(bundle)).as("a small file").isLessThan(1 << 20);
        }
        assertThatThrownBy(() -> UpdateBundle.verifyAndExtract(bundle, List.of(release.getPublic()), out))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining(PACKAGE + " inflates beyond the 17 bytes the signed manifest declares (stopped there)")
                .hasMessageEndingWith("refusing to install");
        assertThat(out.resolve(PACKAGE)).doesNotExist();
        assertThatThrownBy(() -> UpdateBundle.verify(bundle, List.of(release.getPublic())))
                .hasMessageContaining("inflates beyond the 17 bytes");
    }

    @Test
    void anEntryWhoseDirectoryDeclaresAnotherSizeIsRefusedBeforeItIsRead() throws Exception {
        rebuild(PACKAGE, true);
        assertThatThrownBy(() -> UpdateBundle.verifyAndExtract(bundle, List.of(release.getPublic()), out))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining(PACKAGE + " declares " + BOMB_BYTES + " bytes in the zip, the signed manifest 17");
        assertThat(out.resolve(PACKAGE)).doesNotExist();
    }

    @Test
    void entriesThatClimbOutOfTheFolderAreRefusedAndNothingIsWritten() throws Exception {
        for (String evil : List.of("../../etc/cron.d/evil", "/etc/passwd", "packages/../../x.deb", "..\\evil.deb", "C:evil.deb")) {
            signedBundle();
            addEntry(evil);
            assertThatThrownBy(() -> UpdateBundle.verifyAndExtract(bundle, List.of(release.getPublic()), out))
                    .as(evil).isInstanceOf(BundleException.class)
                    .hasMessageContaining("entry '" + evil + "' names a path outside the folder it would be unpacked into");
            assertThat(out).as("nothing unpacked for %s", evil).doesNotExist();
        }
        assertThat(dir.getParent().resolve("etc")).doesNotExist();
    }

    @Test
    void aZipDirectoryOfThousandsOfEntriesIsRefusedBeforeAnyIsRead() throws Exception {
        Path tmp = dir.resolve("many.hrb");
        try (ZipFile in = new ZipFile(bundle.toFile()); ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(tmp))) {
            for (var e : java.util.Collections.list(in.entries())) {
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(in.getInputStream(e).readAllBytes());
                z.closeEntry();
            }
            for (int i = 0; i < 5000; i++) {
                z.putNextEntry(new ZipEntry("junk/" + i));
                z.closeEntry();
            }
        }
        Files.move(tmp, bundle, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> UpdateBundle.verify(bundle, List.of(release.getPublic())))
                .hasMessageContaining("5003 entries, more than the 64 a bundle may hold");
    }

    @Test
    void anHonestBundleStillUnpacks() throws Exception {
        List<Path> debs = UpdateBundle.verifyAndExtract(bundle, List.of(release.getPublic()), out);
        assertThat(debs).singleElement().satisfies(p -> assertThat(p).hasContent("appliance package"));
    }

    /** Rewrites the bundle with {@code name}'s data replaced by {@link #BOMB_BYTES} zeros, deflated. */
    private void rebuild(String name, boolean bomb) throws IOException {
        Path tmp = dir.resolve("tampered.hrb");
        try (ZipFile in = new ZipFile(bundle.toFile()); ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(tmp))) {
            for (var e : java.util.Collections.list(in.entries())) {
                ZipEntry n = new ZipEntry(e.getName());
                n.setLastModifiedTime(FileTime.from(CREATED));
                z.putNextEntry(n);
                if (bomb && e.getName().equals(name)) {
                    byte[] zeros = new byte[1 << 20];
                    for (int i = 0; i < BOMB_BYTES / zeros.length; i++) {
                        z.write(zeros);
                    }
                } else {
                    z.write(in.getInputStream(e).readAllBytes());
                }
                z.closeEntry();
            }
        }
        Files.move(tmp, bundle, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private void addEntry(String name) throws IOException {
        Path tmp = dir.resolve("tampered.hrb");
        try (ZipFile in = new ZipFile(bundle.toFile()); ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(tmp))) {
            for (var e : java.util.Collections.list(in.entries())) {
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(in.getInputStream(e).readAllBytes());
                z.closeEntry();
            }
            z.putNextEntry(new ZipEntry(name));
            z.write("#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
            z.closeEntry();
        }
        Files.move(tmp, bundle, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Sets the uncompressed size that the zip's central directory gives {@code name}. */
    static void patchCentralDirectorySize(Path zip, String name, int size) throws IOException {
        byte[] b = Files.readAllBytes(zip);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 < b.length; i++) {
            if (bb.getInt(i) == 0x02014b50 && (bb.getShort(i + 28) & 0xffff) == n.length
                    && java.util.Arrays.equals(b, i + 46, i + 46 + n.length, n, 0, n.length)) {
                bb.putInt(i + 24, size);
                try (OutputStream o = Files.newOutputStream(zip)) {
                    o.write(b);
                }
                return;
            }
        }
        throw new IllegalStateException(name + " not in the central directory of " + zip);
    }
}
