package io.headroom.appliance.site;

/** A network address, host and port. */
public record Endpoint(String host, int port) {
    @Override
    public String toString() {
        return host + ":" + port;
    }
}
