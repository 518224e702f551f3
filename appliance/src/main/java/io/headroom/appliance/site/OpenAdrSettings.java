package io.headroom.appliance.site;

/** Enrollment with the utility's OpenADR server (used by the grid interface; disabled by default). */
public record OpenAdrSettings(boolean enabled, String version, String vtnUrl, String venName) {
    public static OpenAdrSettings disabled() {
        return new OpenAdrSettings(false, "3.1", "", "");
    }
}
