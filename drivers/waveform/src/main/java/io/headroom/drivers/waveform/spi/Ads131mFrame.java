package io.headroom.drivers.waveform.spi;

/**
 * The output frame of an ADS131M-class ADC (ADS131M02/03/04/06/08) in answer to the NULL command, and its
 * codes. Stateless; nothing allocates.
 *
 * <pre>
 * word 0          STATUS (16 bits, MSB-aligned): 15 LOCK, 14 F_RESYNC, 13 REG_MAP, 12 CRC_ERR, 11 CRC_TYPE,
 *                 10 RESET, 9:8 WLENGTH, 7:0 DRDY of channel 7..0
 * word 1 .. C     conversion data of channel 0 .. C-1, 24-bit two's complement, MSB first
 * word C+1        CRC (16 bits, MSB-aligned) over every byte of words 0..C, padding included
 * </pre>
 *
 * The frame is {@code (C + 2) × wordBytes} bytes: 30 for an ADS131M08 with the default 24-bit words. The host
 * clocks it out while sending the NULL command ({@code 0x0000}, then zeros) in the same frame. The CRC is
 * CRC-16-CCITT as the datasheet specifies for the default {@code CRC_TYPE = 0}: polynomial
 * x<sup>16</sup>+x<sup>12</sup>+x<sup>5</sup>+1 ({@code 0x1021}), seed {@code 0xFFFF}, MSB first, no
 * reflection, no final XOR (the "CCITT-FALSE" variant; {@code "123456789"} gives {@code 0x29B1}); the seed
 * makes a MISO stuck low or high fail the check.
 */
public final class Ads131mFrame {

    /** The NULL command: the response is the STATUS register followed by the conversion data. */
    public static final int NULL_COMMAND = 0x0000;

    /** Largest positive and negative 24-bit codes: +FS·(1 − 2⁻²³) and −FS. */
    public static final int MAX_CODE = 0x7F_FFFF;
    public static final int MIN_CODE = -0x80_0000;

    /** 2²³: codes per full-scale (the LSB is {@code FS / 2^23}). */
    public static final double CODES_PER_FULL_SCALE = 8_388_608.0;

    public static final int STATUS_LOCK = 1 << 15;
    public static final int STATUS_F_RESYNC = 1 << 14;
    public static final int STATUS_REG_MAP = 1 << 13;
    public static final int STATUS_CRC_ERR = 1 << 12;
    public static final int STATUS_CRC_TYPE = 1 << 11;
    public static final int STATUS_RESET = 1 << 10;

    private static final int[] CRC_TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 8;
            for (int b = 0; b < 8; b++) {
                c = (c & 0x8000) != 0 ? (c << 1) ^ 0x1021 : c << 1;
            }
            CRC_TABLE[i] = c & 0xFFFF;
        }
    }

    private Ads131mFrame() {
    }

    /** Bytes of one NULL-response frame of a device with {@code deviceChannels} channels. */
    public static int frameBytes(int deviceChannels, WordLength wl) {
        return (deviceChannels + 2) * wl.bytes();
    }

    /** CRC-16-CCITT (poly 0x1021, seed 0xFFFF, no reflection, no final XOR) of {@code b[off, off+len)}. */
    public static int crc16Ccitt(byte[] b, int off, int len) {
        int crc = 0xFFFF;
        for (int i = off, end = off + len; i < end; i++) {
            crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 8) ^ b[i]) & 0xFF]) & 0xFFFF;
        }
        return crc;
    }

    /** The CRC word the frame carries (its 16 MSBs). */
    public static int receivedCrc(byte[] frame, int deviceChannels, WordLength wl) {
        int at = (deviceChannels + 1) * wl.bytes();
        return ((frame[at] & 0xFF) << 8) | (frame[at + 1] & 0xFF);
    }

    /** True when the CRC computed over words 0..C equals the CRC word. */
    public static boolean crcOk(byte[] frame, int deviceChannels, WordLength wl) {
        return crc16Ccitt(frame, 0, (deviceChannels + 1) * wl.bytes()) == receivedCrc(frame, deviceChannels, wl);
    }

    /** The STATUS word (16 bits). */
    public static int status(byte[] frame) {
        return ((frame[0] & 0xFF) << 8) | (frame[1] & 0xFF);
    }

    /**
     * The code of channel {@code ch} as a signed 24-bit value (−2²³ … 2²³−1). In the 16-bit mode the 16 bits
     * are the code's MSBs, so they are shifted up by 8: every mode returns codes of the same weight.
     */
    public static int code(byte[] frame, int ch, WordLength wl) {
        int at = (ch + 1) * wl.bytes();
        return switch (wl) {
            case BITS_16 -> ((frame[at] << 8) | (frame[at + 1] & 0xFF)) << 8;
            case BITS_24, BITS_32_ZERO_PAD -> twos24(frame, at);
            case BITS_32_SIGN_EXTEND -> twos24(frame, at + 1);
        };
    }

    /** Three big-endian bytes as a 24-bit two's-complement number. */
    public static int twos24(byte[] b, int at) {
        return (b[at] << 16) | ((b[at + 1] & 0xFF) << 8) | (b[at + 2] & 0xFF); // b[at] sign-extends
    }

    /**
     * Encodes a NULL-response frame into {@code dst} (the ADC's side: for simulators and tests). Codes are
     * clamped to 24 bits; the CRC is appended.
     *
     * @return the frame's length in bytes
     */
    public static int encode(byte[] dst, int status, int[] codes, int deviceChannels, WordLength wl) {
        int w = wl.bytes();
        int len = frameBytes(deviceChannels, wl);
        java.util.Arrays.fill(dst, 0, len, (byte) 0);
        dst[0] = (byte) (status >>> 8);
        dst[1] = (byte) status;
        for (int ch = 0; ch < deviceChannels; ch++) {
            int code = Math.clamp(ch < codes.length ? codes[ch] : 0, MIN_CODE, MAX_CODE);
            int at = (ch + 1) * w;
            switch (wl) {
                case BITS_16 -> {
                    dst[at] = (byte) (code >> 16);
                    dst[at + 1] = (byte) (code >> 8);
                }
                case BITS_24, BITS_32_ZERO_PAD -> put24(dst, at, code);
                case BITS_32_SIGN_EXTEND -> {
                    dst[at] = (byte) (code < 0 ? 0xFF : 0);
                    put24(dst, at + 1, code);
                }
            }
        }
        int crc = crc16Ccitt(dst, 0, (deviceChannels + 1) * w);
        int at = (deviceChannels + 1) * w;
        dst[at] = (byte) (crc >>> 8);
        dst[at + 1] = (byte) crc;
        return len;
    }

    /** The STATUS word of a healthy device in {@code wl} with every channel's DRDY bit set. */
    public static int healthyStatus(int deviceChannels, WordLength wl) {
        return (wl.code() << 8) | ((1 << deviceChannels) - 1);
    }

    private static void put24(byte[] dst, int at, int code) {
        dst[at] = (byte) (code >> 16);
        dst[at + 1] = (byte) (code >> 8);
        dst[at + 2] = (byte) code;
    }
}
