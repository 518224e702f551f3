package io.headroom.drivers.waveform.sv;

import java.nio.charset.StandardCharsets;

/**
 * Writes IEC 61850-9-2 Sampled Values frames (Ethernet II, optional 802.1Q tag, EtherType 0x88BA) whose ASDUs
 * carry the 9-2LE / 61869-9 dataset: 8 × (INT32 value, 32-bit quality). For the bench's merging unit and the
 * tests. Fixed per stream: addresses, VLAN tag, APPID, svID, confRev, smpSynch; per frame: the simulation bit,
 * {@code smpCnt} of the first ASDU (the next ones follow it, wrapping at the modulus), values and qualities.
 * Allocates nothing per frame.
 */
public final class SvEncoder {

    private final byte[] dst;
    private final byte[] src;
    private final int vlanTci;
    private final int appId;
    private final byte[] svId;
    private final long confRev;
    private final int smpSynch;
    private final int smpCntModulus;

    /**
     * @param vlanTci       the 802.1Q tag control (priority « 13 | VLAN id), or -1 for no tag
     * @param smpCntModulus smpCnt counts 0 … modulus − 1 (the profile's samples per second)
     */
    public SvEncoder(byte[] dstMac, byte[] srcMac, int vlanTci, int appId, String svId, long confRev, int smpSynch,
                     int smpCntModulus) {
        if (dstMac.length != 6 || srcMac.length != 6) {
            throw new IllegalArgumentException("MAC addresses are 6 bytes");
        }
        if (vlanTci < -1 || vlanTci > 0xffff || appId < 0 || appId > 0xffff || smpSynch < 0 || smpSynch > 255
                || confRev < 0 || confRev > 0xffff_ffffL || smpCntModulus < 1 || smpCntModulus > 65536) {
            throw new IllegalArgumentException("vlanTci, appId, confRev, smpSynch or smpCnt modulus out of range");
        }
        this.svId = svId.getBytes(StandardCharsets.US_ASCII);
        if (this.svId.length < 1 || this.svId.length > 127) {
            throw new IllegalArgumentException("svID must be 1..127 characters (9-2LE: at most 34 meaningful)");
        }
        this.dst = dstMac.clone();
        this.src = srcMac.clone();
        this.vlanTci = vlanTci;
        this.appId = appId;
        this.confRev = confRev;
        this.smpSynch = smpSynch;
        this.smpCntModulus = smpCntModulus;
    }

    private int asduContentBytes() {
        return 2 + svId.length + 4 + 6 + 3 + 2 + SvFrames.SEQDATA_BYTES;
    }

    private static int lengthBytes(int n) {
        return n < 128 ? 1 : n < 256 ? 2 : 3;
    }

    private static int tlv(int contentBytes) {
        return 1 + lengthBytes(contentBytes) + contentBytes;
    }

    /** The frame's length in bytes with {@code asdus} ASDUs. */
    public int frameBytes(int asdus) {
        int seqAsdu = asdus * tlv(asduContentBytes());
        int savPdu = tlv(3 + tlv(seqAsdu));
        return 14 + (vlanTci >= 0 ? 4 : 0) + 8 + savPdu;
    }

    /**
     * Encodes one frame at {@code off}.
     *
     * @param values  {@code asdus × 8} INT32 counts, ASDU-major (Ia Ib Ic In Va Vb Vc Vn of ASDU 0, then ASDU 1 …)
     * @param quality the same layout: each value's quality word
     * @return the frame's length
     */
    public int encode(byte[] out, int off, int asdus, int firstSmpCnt, boolean simulation, int[] values,
                      int[] quality) {
        if (asdus < 1 || asdus > 127) {
            throw new IllegalArgumentException("1..127 ASDUs, was " + asdus);
        }
        if (values.length < asdus * SvFrames.CHANNELS || quality.length < asdus * SvFrames.CHANNELS) {
            throw new IllegalArgumentException("values and quality need " + asdus * SvFrames.CHANNELS + " entries");
        }
        int total = frameBytes(asdus);
        if (out.length - off < total) {
            throw new IllegalArgumentException("buffer too small: " + total + " bytes needed");
        }
        int p = off;
        System.arraycopy(dst, 0, out, p, 6);
        System.arraycopy(src, 0, out, p + 6, 6);
        p += 12;
        if (vlanTci >= 0) {
            p = u16(out, p, SvFrames.ETHERTYPE_VLAN);
            p = u16(out, p, vlanTci);
        }
        p = u16(out, p, SvFrames.ETHERTYPE_SV);
        int asduContent = asduContentBytes();
        int seqAsdu = asdus * tlv(asduContent);
        int savPduContent = 3 + tlv(seqAsdu);
        p = u16(out, p, appId);
        p = u16(out, p, 8 + tlv(savPduContent));
        p = u16(out, p, simulation ? SvFrames.RESERVED1_SIMULATION : 0);
        p = u16(out, p, 0);
        p = header(out, p, 0x60, savPduContent);
        out[p++] = (byte) 0x80;
        out[p++] = 1;
        out[p++] = (byte) asdus;
        p = header(out, p, 0xA2, seqAsdu);
        for (int a = 0; a < asdus; a++) {
            p = header(out, p, 0x30, asduContent);
            p = header(out, p, 0x80, svId.length);
            System.arraycopy(svId, 0, out, p, svId.length);
            p += svId.length;
            p = header(out, p, 0x82, 2);
            p = u16(out, p, (int) (((long) firstSmpCnt + a) % smpCntModulus));
            p = header(out, p, 0x83, 4);
            p = u32(out, p, (int) confRev);
            p = header(out, p, 0x85, 1);
            out[p++] = (byte) smpSynch;
            p = header(out, p, 0x87, SvFrames.SEQDATA_BYTES);
            int base = a * SvFrames.CHANNELS;
            for (int c = 0; c < SvFrames.CHANNELS; c++) {
                p = u32(out, p, values[base + c]);
                p = u32(out, p, quality[base + c]);
            }
        }
        if (p - off != total) {
            throw new IllegalStateException("encoded " + (p - off) + " bytes, expected " + total);
        }
        return total;
    }

    private static int header(byte[] b, int p, int tag, int length) {
        b[p++] = (byte) tag;
        if (length < 128) {
            b[p++] = (byte) length;
        } else if (length < 256) {
            b[p++] = (byte) 0x81;
            b[p++] = (byte) length;
        } else {
            b[p++] = (byte) 0x82;
            b[p++] = (byte) (length >>> 8);
            b[p++] = (byte) length;
        }
        return p;
    }

    private static int u16(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 8);
        b[p + 1] = (byte) v;
        return p + 2;
    }

    private static int u32(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
        return p + 4;
    }
}
