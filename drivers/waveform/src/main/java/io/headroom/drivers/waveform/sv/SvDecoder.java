package io.headroom.drivers.waveform.sv;

import java.nio.charset.StandardCharsets;

/**
 * Decodes IEC 61850-9-2 Sampled Values frames into preallocated arrays: no allocation per frame, no exception
 * for a bad frame. A frame is first selected (EtherType 0x88BA, with or without an 802.1Q tag; the configured
 * destination MAC, APPID and svID), then checked field by field: a malformed one returns {@link Result#MALFORMED}
 * with what was wrong and the byte offset (from the start of the Ethernet frame) in {@link #error()},
 * {@link #errorOffset()} and {@link #errorMessage()}.
 *
 * <p>After {@link Result#OK}: {@link #asdus()} samples per channel, each ASDU's {@code smpCnt}, {@code confRev},
 * {@code smpSynch}, and its 8 values and quality words ({@link #value(int, int)}, {@link #quality(int, int)};
 * ASDU-major in {@link #values()} / {@link #qualities()}); {@link #simulation()} and {@link #vlanTci()} of the
 * frame. The arrays are overwritten by the next decode. One thread.
 */
public final class SvDecoder {

    public enum Result {
        /** A selected frame, decoded. */
        OK,
        /** Not a Sampled Values frame (another EtherType, or shorter than an Ethernet header): ignored. */
        NOT_SV,
        /** A Sampled Values frame of another destination, APPID or svID: ignored. */
        FOREIGN,
        /** A Sampled Values frame that does not parse: see {@link #error()}. */
        MALFORMED
    }

    /** What was wrong with a malformed frame. */
    public enum Error {
        NONE("no error"),
        TRUNCATED("frame ends inside a field"),
        APDU_LENGTH("APDU Length field disagrees with the frame"),
        BAD_TAG("unexpected BER tag"),
        BAD_LENGTH("BER length invalid (indefinite, over 3 bytes, or past its container)"),
        NO_ASDU("noASDU out of range"),
        ASDU_COUNT("seqASDU holds another number of ASDUs than noASDU says"),
        MISSING_FIELD("ASDU lacks a mandatory field (svID, smpCnt, confRev, smpSynch or seqData)"),
        FIELD_SIZE("a fixed-size field has the wrong length"),
        DATASET_SIZE("seqData is not 8 × (INT32 value, quality) = 64 bytes"),
        /** Found by the source, which knows the profile: not the decoder. */
        SMPCNT_RANGE("smpCnt at or above the profile's samples per second");

        private final String text;

        Error(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final byte[] dstMac;  // null: any
    private final int appId;      // -1: any
    private final byte[] svId;    // null: any
    private final int maxAsdus;

    private final int[] smpCnt;
    private final long[] confRev;
    private final int[] smpSynch;
    private final int[] values;
    private final int[] quality;
    private int asdus;
    private int frameAppId;
    private int vlanTci;
    private boolean simulation;
    private int svIdOffset;
    private int svIdLength;

    private Error error = Error.NONE;
    private int errorOffset;
    private int errorDetail;

    /**
     * @param dstMac   the destination MAC the stream is sent to (6 bytes), or null for any
     * @param appId    the stream's APPID (0..65535), or -1 for any
     * @param svId     the stream's svID, or null for any
     * @param maxAsdus the most ASDUs a frame may carry (a frame with more is malformed)
     */
    public SvDecoder(byte[] dstMac, int appId, String svId, int maxAsdus) {
        if (dstMac != null && dstMac.length != 6) {
            throw new IllegalArgumentException("destination MAC must be 6 bytes");
        }
        if (appId < -1 || appId > 0xffff) {
            throw new IllegalArgumentException("APPID must be 0..65535 (or -1 for any), was " + appId);
        }
        if (maxAsdus < 1 || maxAsdus > 127) {
            throw new IllegalArgumentException("maxAsdus must be 1..127, was " + maxAsdus);
        }
        this.dstMac = dstMac == null ? null : dstMac.clone();
        this.appId = appId;
        this.svId = svId == null ? null : svId.getBytes(StandardCharsets.US_ASCII);
        this.maxAsdus = maxAsdus;
        smpCnt = new int[maxAsdus];
        confRev = new long[maxAsdus];
        smpSynch = new int[maxAsdus];
        values = new int[maxAsdus * SvFrames.CHANNELS];
        quality = new int[maxAsdus * SvFrames.CHANNELS];
    }

    /** Decodes the frame {@code b[off, off + len)} (an Ethernet frame without its FCS). */
    public Result decode(byte[] b, int off, int len) {
        error = Error.NONE;
        asdus = 0;
        int end = off + len;
        if (len < 14) {
            return Result.NOT_SV;
        }
        int p = off + 12;
        int type = u16(b, p);
        vlanTci = -1;
        if (type == SvFrames.ETHERTYPE_VLAN) {
            if (len < 18) {
                return Result.NOT_SV;
            }
            vlanTci = u16(b, p + 2);
            p += 4;
            type = u16(b, p);
        }
        if (type != SvFrames.ETHERTYPE_SV) {
            return Result.NOT_SV;
        }
        if (dstMac != null) {
            for (int i = 0; i < 6; i++) {
                if (b[off + i] != dstMac[i]) {
                    return Result.FOREIGN;
                }
            }
        }
        p += 2;
        int apdu = p;
        if (end - p < 8) {
            return fail(Error.TRUNCATED, p, off, end - p);
        }
        frameAppId = u16(b, p);
        if (appId >= 0 && frameAppId != appId) {
            return Result.FOREIGN;
        }
        int length = u16(b, p + 2);
        if (length < 8 || length > end - apdu) {
            return fail(Error.APDU_LENGTH, p + 2, off, length);
        }
        end = apdu + length; // Ethernet padding after the APDU is not ours
        simulation = (u16(b, p + 4) & SvFrames.RESERVED1_SIMULATION) != 0;
        p += 8;
        // savPdu
        if (p >= end || (b[p] & 0xff) != 0x60) {
            return fail(p >= end ? Error.TRUNCATED : Error.BAD_TAG, p, off, p >= end ? 0 : b[p] & 0xff);
        }
        int pduEnd = contentEnd(b, p + 1, end, off);
        if (pduEnd < 0) {
            return Result.MALFORMED;
        }
        p = lengthEnd;
        int noAsdu = -1;
        while (p < pduEnd) {
            int tag = b[p] & 0xff;
            int tagAt = p;
            int ce = contentEnd(b, p + 1, pduEnd, off);
            if (ce < 0) {
                return Result.MALFORMED;
            }
            int cs = lengthEnd;
            switch (tag) {
                case 0x80 -> {
                    if (ce - cs < 1 || ce - cs > 4) {
                        return fail(Error.FIELD_SIZE, tagAt, off, ce - cs);
                    }
                    noAsdu = (int) unsigned(b, cs, ce - cs);
                    if (noAsdu < 1 || noAsdu > maxAsdus) {
                        return fail(Error.NO_ASDU, cs, off, noAsdu);
                    }
                }
                case 0x81 -> {
                    // security: skipped
                }
                case 0xA2 -> {
                    if (noAsdu < 0) {
                        return fail(Error.MISSING_FIELD, tagAt, off, 0x80);
                    }
                    Result r = seqAsdu(b, cs, ce, off, noAsdu);
                    if (r != Result.OK) {
                        return r;
                    }
                }
                default -> {
                    return fail(Error.BAD_TAG, tagAt, off, tag);
                }
            }
            p = ce;
        }
        if (asdus == 0) {
            return fail(Error.MISSING_FIELD, p, off, 0xA2);
        }
        return Result.OK;
    }

    private Result seqAsdu(byte[] b, int p, int end, int off, int noAsdu) {
        int n = 0;
        while (p < end) {
            int tagAt = p;
            if ((b[p] & 0xff) != 0x30) {
                return fail(Error.BAD_TAG, p, off, b[p] & 0xff);
            }
            int ae = contentEnd(b, p + 1, end, off);
            if (ae < 0) {
                return Result.MALFORMED;
            }
            if (n >= noAsdu) {
                return fail(Error.ASDU_COUNT, tagAt, off, n + 1);
            }
            Result r = asdu(b, lengthEnd, ae, off, n, tagAt);
            if (r != Result.OK) {
                return r;
            }
            n++;
            p = ae;
        }
        if (n != noAsdu) {
            return fail(Error.ASDU_COUNT, end, off, n);
        }
        asdus = n;
        return Result.OK;
    }

    private Result asdu(byte[] b, int p, int end, int off, int a, int asduAt) {
        int seen = 0; // bits: 1 svID, 2 smpCnt, 4 confRev, 8 smpSynch, 16 seqData
        while (p < end) {
            int tag = b[p] & 0xff;
            int tagAt = p;
            int ce = contentEnd(b, p + 1, end, off);
            if (ce < 0) {
                return Result.MALFORMED;
            }
            int cs = lengthEnd;
            int n = ce - cs;
            switch (tag) {
                case 0x80 -> {
                    if (svId != null) {
                        if (n != svId.length) {
                            return Result.FOREIGN;
                        }
                        for (int i = 0; i < n; i++) {
                            if (b[cs + i] != svId[i]) {
                                return Result.FOREIGN;
                            }
                        }
                    }
                    if (a == 0) {
                        svIdOffset = cs;
                        svIdLength = n;
                    }
                    seen |= 1;
                }
                case 0x82 -> {
                    if (n != 2) {
                        return fail(Error.FIELD_SIZE, tagAt, off, n);
                    }
                    smpCnt[a] = u16(b, cs);
                    seen |= 2;
                }
                case 0x83 -> {
                    if (n != 4) {
                        return fail(Error.FIELD_SIZE, tagAt, off, n);
                    }
                    confRev[a] = unsigned(b, cs, 4);
                    seen |= 4;
                }
                case 0x85 -> {
                    if (n != 1) {
                        return fail(Error.FIELD_SIZE, tagAt, off, n);
                    }
                    smpSynch[a] = b[cs] & 0xff;
                    seen |= 8;
                }
                case 0x87 -> {
                    if (n != SvFrames.SEQDATA_BYTES) {
                        return fail(Error.DATASET_SIZE, tagAt, off, n);
                    }
                    int base = a * SvFrames.CHANNELS;
                    for (int c = 0; c < SvFrames.CHANNELS; c++) {
                        values[base + c] = s32(b, cs + 8 * c);
                        quality[base + c] = s32(b, cs + 8 * c + 4);
                    }
                    seen |= 16;
                }
                case 0x81, 0x84, 0x86, 0x88, 0x89 -> {
                    // datSet, refrTm, smpRate, smpMod, gmidData: optional, not needed
                }
                default -> {
                    return fail(Error.BAD_TAG, tagAt, off, tag);
                }
            }
            p = ce;
        }
        if (seen != 31) {
            int missing = (seen & 1) == 0 ? 0x80 : (seen & 2) == 0 ? 0x82 : (seen & 4) == 0 ? 0x83
                    : (seen & 8) == 0 ? 0x85 : 0x87;
            return fail(Error.MISSING_FIELD, asduAt, off, missing);
        }
        return Result.OK;
    }

    private int lengthEnd; // where the content of the last TLV whose length was read starts

    /** Reads a BER length at {@code p}; returns the content's end (and sets {@link #lengthEnd}), or -1 (failed). */
    private int contentEnd(byte[] b, int p, int limit, int off) {
        if (p >= limit) {
            fail(Error.TRUNCATED, p, off, 0);
            return -1;
        }
        int first = b[p] & 0xff;
        int len;
        int cs;
        if (first < 0x80) {
            len = first;
            cs = p + 1;
        } else {
            int k = first & 0x7f;
            if (k == 0 || k > 3) {
                fail(Error.BAD_LENGTH, p, off, first);
                return -1;
            }
            if (p + 1 + k > limit) {
                fail(Error.TRUNCATED, p, off, k);
                return -1;
            }
            len = (int) unsigned(b, p + 1, k);
            cs = p + 1 + k;
        }
        if (len > limit - cs) {
            fail(Error.BAD_LENGTH, p, off, len);
            return -1;
        }
        lengthEnd = cs;
        return cs + len;
    }

    private Result fail(Error e, int at, int off, int detail) {
        error = e;
        errorOffset = at - off;
        errorDetail = detail;
        asdus = 0;
        return Result.MALFORMED;
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    private static int s32(byte[] b, int p) {
        return (b[p] << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    private static long unsigned(byte[] b, int p, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (b[p + i] & 0xff);
        }
        return v;
    }

    /** ASDUs (samples per channel) of the last frame decoded OK; 0 otherwise. */
    public int asdus() {
        return asdus;
    }

    public int smpCnt(int asdu) {
        return smpCnt[asdu];
    }

    public long confRev(int asdu) {
        return confRev[asdu];
    }

    public int smpSynch(int asdu) {
        return smpSynch[asdu];
    }

    /** INT32 count of dataset channel {@code channel} (0 Ia … 7 Vn) in ASDU {@code asdu}. */
    public int value(int asdu, int channel) {
        return values[asdu * SvFrames.CHANNELS + channel];
    }

    public int quality(int asdu, int channel) {
        return quality[asdu * SvFrames.CHANNELS + channel];
    }

    /** The values, ASDU-major ({@code asdu × 8 + channel}); read in place, do not keep. */
    public int[] values() {
        return values;
    }

    public int[] qualities() {
        return quality;
    }

    public boolean simulation() {
        return simulation;
    }

    /** The 802.1Q tag control of the last SV frame, or -1 if it had none. */
    public int vlanTci() {
        return vlanTci;
    }

    public int appId() {
        return frameAppId;
    }

    /** The first ASDU's svID of the last frame decoded OK (allocates: for tools and tests). */
    public String svId(byte[] frame) {
        return new String(frame, svIdOffset, svIdLength, StandardCharsets.US_ASCII);
    }

    public Error error() {
        return error;
    }

    /** Byte offset of the error from the start of the Ethernet frame. */
    public int errorOffset() {
        return errorOffset;
    }

    /** The error's value (the tag, length or count found). */
    public int errorDetail() {
        return errorDetail;
    }

    /** The last error in words, e.g. {@code "byte 92: seqData is not … (found 0x3c)"} (allocates). */
    public String errorMessage() {
        if (error == Error.NONE) {
            return "no error";
        }
        String found = switch (error) {
            case BAD_TAG, MISSING_FIELD -> String.format("tag 0x%02X", errorDetail);
            case BAD_LENGTH -> "length " + errorDetail;
            case NO_ASDU, ASDU_COUNT -> "count " + errorDetail;
            default -> "found " + errorDetail;
        };
        String what = error == Error.MISSING_FIELD ? "missing " : "";
        return "byte " + errorOffset + ": " + error.text() + " (" + what + found + ")";
    }
}
