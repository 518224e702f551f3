package io.headroom.drivers.redfish;

import java.util.List;

/** The service refused our credentials (a session could not be created, or basic authentication was refused). */
public final class RedfishAuthException extends RedfishException {
    public RedfishAuthException(String method, String resource, int status, List<String> messages, String detail) {
        super(method, resource, status, messages, detail, null);
    }
}
