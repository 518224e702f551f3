package io.headroom.image.update;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the update bundle's manifest: any bytes either parse into a manifest that
 * survives its own encoding, or are refused with a {@link BundleException} (never another exception). The
 * signature is checked before parsing, so this is the parser an attacker reaches only with the release key —
 * or through a bug in the signature check; {@code ./headroom fuzz update-manifest --for 10m} fuzzes for real.
 */
class ManifestFuzzTest {

    @FuzzTest
    void manifest(byte[] bytes) {
        Manifest m;
        try {
            m = Manifest.parse(bytes);
        } catch (BundleException e) {
            assertThat(e.getMessage()).startsWith("manifest");
            return;
        }
        byte[] again;
        try {
            again = Manifest.parse(m.encode()).encode();
        } catch (BundleException e) {
            throw new AssertionError("a parsed manifest does not parse from its own encoding", e);
        }
        assertThat(again).isEqualTo(m.encode());
    }
}
