package io.headroom.drivers.gpuprotocol;

/**
 * A payload that is not a valid message of this protocol: wrong version or type, too short,
 * too long, a count that does not match the bytes, a NaN, an unknown enum code. The message
 * says precisely what is wrong. Decoders throw only this, never an unchecked exception.
 */
public final class ProtocolException extends Exception {

    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
