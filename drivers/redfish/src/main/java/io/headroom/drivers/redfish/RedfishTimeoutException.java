package io.headroom.drivers.redfish;

import java.util.List;

/** No answer within the configured request timeout (or no connection within the connect timeout). */
public final class RedfishTimeoutException extends RedfishException {
    public RedfishTimeoutException(String method, String resource, String detail, Throwable cause) {
        super(method, resource, 0, List.of(), detail, cause);
    }
}
