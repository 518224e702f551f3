package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoaderErrorsTest.base;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.errorsOf;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code agents.gpuSmoothing}: whether the cap commands carry the band controller's GPU floors and ramp limits. */
class AgentsGpuSmoothingSiteTest {

    private static final String LEASE = "  lease: 2 s\n";

    @Test
    void offUnlessTheFileSaysSo() throws Exception {
        assertThat(SiteLoader.parse("t.yaml", base()).agents().gpuSmoothing()).isFalse();
        Site on = SiteLoader.parse("t.yaml", replaceOnce(base(), LEASE, LEASE + "  gpuSmoothing: true\n"));
        assertThat(on.agents().gpuSmoothing()).isTrue();
        assertThat(on.agents().withSecurity(on.agents().security()).gpuSmoothing()).isTrue();
        assertThat(SiteLoader.parse("t.yaml", replaceOnce(base(), LEASE, LEASE + "  gpuSmoothing: false\n"))
                .agents().gpuSmoothing()).isFalse();
    }

    @Test
    void aValueThatIsNoBooleanIsRefused() throws Exception {
        assertThat(errorsOf(replaceOnce(base(), LEASE, LEASE + "  gpuSmoothing: maybe\n")))
                .anySatisfy(e -> assertThat(e).contains("gpuSmoothing"));
    }
}
