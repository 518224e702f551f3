package io.headroom.drivers.waveform.sv;

import java.util.HexFormat;
import java.util.Locale;

/**
 * Constants of the IEC 61850-9-2 Sampled Values frame and its quality word (IEC 61850-7-3 / 8-1), and MAC helpers.
 *
 * <pre>
 * Ethernet: destination MAC (6), source MAC (6), [802.1Q: 0x8100, TCI (2)], EtherType 0x88BA (2)
 * APPID (2), Length (2: from APPID to the end of the APDU), Reserved 1 (2: bit 15 = simulation), Reserved 2 (2)
 * savPdu      [APPLICATION 0]  0x60
 *   noASDU    [0] 0x80 INTEGER
 *   security  [1] 0x81 (optional, skipped)
 *   seqASDU   [2] 0xA2 SEQUENCE OF
 *     ASDU    0x30 SEQUENCE
 *       svID      [0] 0x80 VisibleString
 *       datSet    [1] 0x81 (optional)
 *       smpCnt    [2] 0x82 INT16U (2 bytes)
 *       confRev   [3] 0x83 INT32U (4 bytes)
 *       refrTm    [4] 0x84 (optional)
 *       smpSynch  [5] 0x85 INT8U (1 byte: 0 none, 1 local, 2 global)
 *       smpRate   [6] 0x86 (optional)
 *       seqData   [7] 0x87 the dataset: 8 × (INT32 value, 32-bit quality), big-endian
 *       smpMod    [8] 0x88 (optional), gmidData [9] 0x89 (optional, IEC 61869-9)
 * </pre>
 */
public final class SvFrames {

    public static final int ETHERTYPE_SV = 0x88BA;
    public static final int ETHERTYPE_VLAN = 0x8100;
    /** Dataset channels of 9-2LE / 61869-9 (Ia Ib Ic In Va Vb Vc Vn). */
    public static final int CHANNELS = 8;
    public static final int SEQDATA_BYTES = CHANNELS * 8;
    public static final String[] CHANNEL_NAMES = {"Ia", "Ib", "Ic", "In", "Va", "Vb", "Vc", "Vn"};
    /** Reserved 1, bit 15: the frame is simulated (IEC 61850-9-2 Ed. 2.1 / IEC 61869-9). */
    public static final int RESERVED1_SIMULATION = 0x8000;

    /** Quality: validity, the two low bits: 00 good, 01 invalid, 10 reserved, 11 questionable. */
    public static final int Q_VALIDITY_MASK = 0x3;
    public static final int Q_INVALID = 0x1;
    public static final int Q_QUESTIONABLE = 0x3;
    public static final int Q_OVERFLOW = 0x4;
    public static final int Q_OUT_OF_RANGE = 0x8;
    public static final int Q_BAD_REFERENCE = 0x10;
    public static final int Q_OSCILLATORY = 0x20;
    public static final int Q_FAILURE = 0x40;
    public static final int Q_OLD_DATA = 0x80;
    public static final int Q_INCONSISTENT = 0x100;
    public static final int Q_INACCURATE = 0x200;
    public static final int Q_SUBSTITUTED = 0x400;
    public static final int Q_TEST = 0x800;
    public static final int Q_OPERATOR_BLOCKED = 0x1000;
    public static final int Q_DERIVED = 0x2000;

    private SvFrames() {
    }

    /**
     * Whether a sample of this quality may be used as a measurement: validity good and not a test value.
     * Invalid, questionable (and the reserved validity) and test samples are not.
     */
    public static boolean usable(int quality) {
        return (quality & Q_VALIDITY_MASK) == 0 && (quality & Q_TEST) == 0;
    }

    /** {@code 01-0C-CD-04-00-01} (or with colons) as 6 bytes. */
    public static byte[] parseMac(String mac) {
        String hex = mac.trim().replace(":", "").replace("-", "");
        if (hex.length() != 12) {
            throw new IllegalArgumentException("MAC address '" + mac + "': 6 bytes expected, as 01-0C-CD-04-00-01");
        }
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("MAC address '" + mac + "': not hexadecimal", e);
        }
    }

    public static String formatMac(byte[] mac, int off) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                sb.append('-');
            }
            sb.append(String.format(Locale.ROOT, "%02X", mac[off + i] & 0xff));
        }
        return sb.toString();
    }
}
