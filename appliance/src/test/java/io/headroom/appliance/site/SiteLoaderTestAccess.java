package io.headroom.appliance.site;

import java.io.IOException;

/** The site tests' fixtures for tests in other packages. */
public final class SiteLoaderTestAccess {

    private SiteLoaderTestAccess() {
    }

    /** {@code sites/minimal-2feed.yaml} of the test resources: two feeds, meters mA and mB, bank capA. */
    public static String minimalSite() throws IOException {
        return SiteLoaderErrorsTest.base();
    }
}
