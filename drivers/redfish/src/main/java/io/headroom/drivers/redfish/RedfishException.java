package io.headroom.drivers.redfish;

import java.util.List;

/**
 * A Redfish request that failed. The message names the method and resource, the HTTP status (when there was an
 * answer) and the service's {@code @Message.ExtendedInfo} messages (or its {@code error.message}).
 */
public class RedfishException extends RuntimeException {

    private final String method;
    private final String resource;
    private final int status;
    private final List<String> messages;

    public RedfishException(String method, String resource, int status, List<String> messages, String detail,
                            Throwable cause) {
        super(format(method, resource, status, messages, detail), cause);
        this.method = method;
        this.resource = resource;
        this.status = status;
        this.messages = List.copyOf(messages);
    }

    private static String format(String method, String resource, int status, List<String> messages, String detail) {
        StringBuilder sb = new StringBuilder().append(method).append(' ').append(resource).append(": ");
        if (status > 0) {
            sb.append("HTTP ").append(status);
        }
        if (detail != null && !detail.isEmpty()) {
            sb.append(status > 0 ? ", " : "").append(detail);
        }
        if (!messages.isEmpty()) {
            sb.append(": ").append(String.join("; ", messages));
        }
        return sb.toString();
    }

    /** The HTTP method of the failed request. */
    public String method() {
        return method;
    }

    /** The resource (path) of the failed request. */
    public String resource() {
        return resource;
    }

    /** The HTTP status, or 0 when no answer came (timeout, TLS or connection failure). */
    public int status() {
        return status;
    }

    /** The service's messages ({@code @Message.ExtendedInfo[].Message}, else {@code error.message}). */
    public List<String> messages() {
        return messages;
    }
}
