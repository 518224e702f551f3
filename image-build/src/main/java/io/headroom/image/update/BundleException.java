package io.headroom.image.update;

/** An update bundle that must not be installed, with the reason in words an operator can act on. */
public final class BundleException extends Exception {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
