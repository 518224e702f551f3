package io.headroom.grid.openadr3;

/** The OpenADR 3 server versions the VEN speaks. They differ in a few shapes (see {@link VtnClient}). */
public enum OpenAdrVersion {
    /** 3.0.1: resources under /vens/{venID}/resources, reports carry programID, targets are valuesMaps. */
    V3_0_1("3.0.1"),
    /** 3.1.0: /resources, objectType discriminators on VEN/resource requests, string targets. */
    V3_1_0("3.1.0");

    private final String label;

    OpenAdrVersion(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Parses "3.1", "3.1.0", "3.0.1" (the site file's and the CLI's spelling). */
    public static OpenAdrVersion parse(String s) {
        return switch (s.trim()) {
            case "3.1", "3.1.0", "3" -> V3_1_0;
            case "3.0.1", "3.0" -> V3_0_1;
            default -> throw new IllegalArgumentException("unknown OpenADR 3 version '" + s + "' (3.1 or 3.0.1)");
        };
    }
}
