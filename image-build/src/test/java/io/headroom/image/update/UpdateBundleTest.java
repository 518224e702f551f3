package io.headroom.image.update;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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

class UpdateBundleTest {

    static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;
    KeyPair release;
    Path appliance;
    Path agent;
    Path bundle;

    @BeforeEach
    void packages() throws IOException {
        release = SigningKeys.generate();
        appliance = Files.write(dir.resolve("headroom-appliance_0.1.0_amd64.deb"), "appliance package".getBytes(StandardCharsets.UTF_8));
        agent = Files.write(dir.resolve("headroom-gpu-agent_0.1.0_amd64.deb"), "agent package".getBytes(StandardCharsets.UTF_8));
        bundle = dir.resolve("update.hrb");
    }

    private Manifest write() throws Exception {
        return UpdateBundle.write(bundle, release.getPrivate(), release.getPublic(), "0.1.0", "amd64", CREATED,
                List.of(appliance, agent));
    }

    @Test
    void aSignedBundleVerifiesAndUnpacks() throws Exception {
        write();
        Manifest m = UpdateBundle.verify(bundle, List.of(release.getPublic()));
        assertThat(m.version()).isEqualTo("0.1.0");
        assertThat(m.architecture()).isEqualTo("amd64");
        assertThat(m.files()).extracting(Manifest.Entry::name)
                .containsExactly("packages/headroom-appliance_0.1.0_amd64.deb", "packages/headroom-gpu-agent_0.1.0_amd64.deb");

        List<Path> out = UpdateBundle.verifyAndExtract(bundle, List.of(release.getPublic()), dir.resolve("unpacked"));
        assertThat(out).hasSize(2);
        assertThat(out.getFirst()).hasSameBinaryContentAs(appliance);
    }

    @Test
    void theSameInputsGiveTheSameBytes() throws Exception {
        write();
        byte[] first = Files.readAllBytes(bundle);
        // Ed25519 is deterministic: same key, same manifest, same signature.
        write();
        assertThat(Files.readAllBytes(bundle)).isEqualTo(first);
    }

    @Test
    void aBadSignatureIsRefusedWithAClearMessage() throws Exception {
        write();
        rewrite(UpdateBundle.SIGNATURE, old -> {
            String[] f = new String(old, StandardCharsets.US_ASCII).strip().split(" ");
            byte[] sig = java.util.Base64.getDecoder().decode(f[2]);
            sig[10] ^= 1;
            return (f[0] + " " + f[1] + " " + java.util.Base64.getEncoder().encodeToString(sig) + "\n").getBytes(StandardCharsets.US_ASCII);
        });
        assertThatThrownBy(() -> UpdateBundle.verify(bundle, List.of(release.getPublic())))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("update bundle update.hrb")
                .hasMessageContaining("BAD SIGNATURE")
                .hasMessageEndingWith("refusing to install");
    }

    @Test
    void aTamperedManifestIsRefused() throws Exception {
        write();
        rewrite(UpdateBundle.MANIFEST, old -> new String(old, StandardCharsets.UTF_8).replace("version 0.1.0", "version 0.1.1")
                .getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> UpdateBundle.verify(bundle, List.of(release.getPublic())))
                .isInstanceOf(BundleException.class).hasMessageContaining("BAD SIGNATURE");
    }

    @Test
    void aSwappedPackageIsRefusedEvenWithAGoodSignature() throws Exception {
        write();
        rewrite("packages/headroom-appliance_0.1.0_amd64.deb", old -> "evil package!!!!!".getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("unpacked");
        assertThatThrownBy(() -> UpdateBundle.verifyAndExtract(bundle, List.of(release.getPublic()), out))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("packages/headroom-appliance_0.1.0_amd64.deb does not match the signed manifest");
        assertThat(out.resolve("packages/headroom-appliance_0.1.0_amd64.deb")).doesNotExist();
    }

    @Test
    void anUnlistedFileIsRefused() throws Exception {
        write();
        rewrite(null, null);
        assertThatThrownBy(() -> UpdateBundle.verify(bundle, List.of(release.getPublic())))
                .isInstanceOf(BundleException.class).hasMessageContaining("packages/extra.deb, which the signed manifest does not list");
    }

    @Test
    void aBundleSignedByAnUntrustedKeyIsRefused() throws Exception {
        write();
        KeyPair other = SigningKeys.generate();
        assertThatThrownBy(() -> UpdateBundle.verify(bundle, List.of(other.getPublic())))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("signed with key " + SigningKeys.keyId(release.getPublic()))
                .hasMessageContaining("not a trusted update key");
        assertThatThrownBy(() -> UpdateBundle.verify(bundle, List.of()))
                .isInstanceOf(BundleException.class).hasMessageContaining("no trusted update key");
    }

    @Test
    void keysRoundTripThroughPemAndAFolderOfTrustedKeys() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("update-keys"));
        SigningKeys.writePublic(keys.resolve("release.pub"), release.getPublic());
        SigningKeys.writePrivate(dir.resolve("release.key"), release.getPrivate());
        assertThat(Files.getPosixFilePermissions(dir.resolve("release.key")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        UpdateBundle.write(bundle, SigningKeys.readPrivate(dir.resolve("release.key")), release.getPublic(), "0.1.0", "amd64",
                CREATED, List.of(appliance));
        assertThat(UpdateBundle.verify(bundle, UpdateBundle.trustedKeys(keys)).files()).hasSize(1);
    }

    @Test
    void theCliRefusesABadBundleWithItsExitCode() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("update-keys"));
        SigningKeys.writePublic(keys.resolve("other.pub"), SigningKeys.generate().getPublic());
        write();
        int rc = UpdateCli.commandLine().execute("verify", "--trusted", keys.toString(), bundle.toString());
        assertThat(rc).isEqualTo(UpdateCli.EXIT_REFUSED);
    }

    interface Edit {
        byte[] apply(byte[] old) throws Exception;
    }

    /** Rewrites one entry of the bundle (or, with a null name, adds packages/extra.deb). */
    private void rewrite(String name, Edit edit) throws Exception {
        Path tmp = dir.resolve("tampered.hrb");
        try (ZipFile in = new ZipFile(bundle.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
            for (var e : java.util.Collections.list(in.entries())) {
                byte[] data = in.getInputStream(e).readAllBytes();
                if (e.getName().equals(name)) {
                    data = edit.apply(data);
                }
                ZipEntry n = new ZipEntry(e.getName());
                n.setLastModifiedTime(FileTime.from(CREATED));
                out.putNextEntry(n);
                out.write(data);
                out.closeEntry();
            }
            if (name == null) {
                out.putNextEntry(new ZipEntry("packages/extra.deb"));
                out.write(1);
                out.closeEntry();
            }
        }
        Files.move(tmp, bundle, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
