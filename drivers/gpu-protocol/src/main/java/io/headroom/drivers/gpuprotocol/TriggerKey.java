package io.headroom.drivers.gpuprotocol;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The 32-byte secret that authenticates {@link Trigger}s and {@link TriggerAck}s between one
 * appliance session and one agent: the appliance draws it at random per agent, sends it inside
 * the {@link ContingencyTable} (over DTLS in production), and both sides compute
 * {@code HMAC-SHA256(key, message bytes before the MAC)} truncated to its first
 * {@value #MAC_LENGTH} bytes.
 *
 * <p>The key's HMAC pads are computed once; {@link #mac(Scratch, byte[], int, int, byte[], int)}
 * then allocates nothing, which the appliance's trigger fast path relies on. Instances are
 * immutable and thread-safe; a {@link Scratch} belongs to one thread.
 */
public final class TriggerKey {

    /** Key length, bytes. */
    public static final int LENGTH = 32;
    /** Length of the truncated MAC carried by triggers and their acks, bytes. */
    public static final int MAC_LENGTH = 16;

    private static final int BLOCK = 64;

    private final byte[] key;
    private final byte[] ipad = new byte[BLOCK];
    private final byte[] opad = new byte[BLOCK];

    private TriggerKey(byte[] key) {
        this.key = key.clone();
        for (int i = 0; i < BLOCK; i++) {
            byte k = i < key.length ? key[i] : 0;
            ipad[i] = (byte) (k ^ 0x36);
            opad[i] = (byte) (k ^ 0x5c);
        }
    }

    /** A key from its 32 bytes. */
    public static TriggerKey of(byte[] key) {
        if (key == null || key.length != LENGTH) {
            throw new IllegalArgumentException("trigger key must be " + LENGTH + " bytes, got "
                    + (key == null ? "null" : key.length));
        }
        return new TriggerKey(key);
    }

    /** A fresh random key. */
    public static TriggerKey random(SecureRandom random) {
        byte[] k = new byte[LENGTH];
        random.nextBytes(k);
        return new TriggerKey(k);
    }

    /** A copy of the key bytes. */
    public byte[] bytes() {
        return key.clone();
    }

    /** Per-thread working state for {@link #mac}: a SHA-256 digest and a 32-byte buffer. */
    public static final class Scratch {
        final MessageDigest sha256;
        final byte[] inner = new byte[32];
        final byte[] outer = new byte[32];

        public Scratch() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 not available", e);
            }
        }
    }

    /**
     * Writes the {@value #MAC_LENGTH}-byte MAC of {@code msg[off, off+len)} to
     * {@code out[outOff, outOff+16)}. Allocates nothing.
     */
    public void mac(Scratch s, byte[] msg, int off, int len, byte[] out, int outOff) {
        try {
            MessageDigest md = s.sha256;
            md.update(ipad, 0, BLOCK);
            md.update(msg, off, len);
            md.digest(s.inner, 0, 32);
            md.update(opad, 0, BLOCK);
            md.update(s.inner, 0, 32);
            md.digest(s.outer, 0, 32);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 digest failed", e);
        }
        System.arraycopy(s.outer, 0, out, outOff, MAC_LENGTH);
    }

    /**
     * Whether {@code msg[macOff, macOff+16)} is the MAC of {@code msg[0, macOff)}. Constant time
     * in the MAC bytes; allocates nothing.
     */
    public boolean verify(Scratch s, byte[] msg, int macOff) {
        if (msg.length < macOff + MAC_LENGTH) {
            return false;
        }
        mac(s, msg, 0, macOff, s.inner, 0);
        int diff = 0;
        for (int i = 0; i < MAC_LENGTH; i++) {
            diff |= s.inner[i] ^ msg[macOff + i];
        }
        return diff == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TriggerKey k && MessageDigest.isEqual(k.key, key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "TriggerKey[redacted]";
    }
}
