package io.headroom.drivers.waveform.sv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SvCodecTest {

    static final byte[] DST = SvFrames.parseMac("01-0C-CD-04-00-01");
    static final byte[] SRC = SvFrames.parseMac("02:00:00:00:00:0a");

    static int[] values(int asdus, int seed) {
        int[] v = new int[asdus * 8];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i * 7919 + seed) * (i % 2 == 0 ? 1 : -1);
        }
        v[0] = Integer.MIN_VALUE;
        v[v.length - 1] = Integer.MAX_VALUE;
        return v;
    }

    @ParameterizedTest
    @EnumSource(SvProfile.class)
    void everyProfileRoundTripsWithAndWithoutAVlanTag(SvProfile profile) {
        int asdus = profile.asdusPerFrame();
        int modulus = profile.smpCntModulus(50);
        for (int vlan : new int[] {-1, (4 << 13) | 100}) {
            SvEncoder enc = new SvEncoder(DST, SRC, vlan, 0x4000, "MU01LD/LLN0$SV$MSVCB01", 1, 2, modulus);
            int[] v = values(asdus, 3);
            int[] q = new int[asdus * 8];
            q[3] = SvFrames.Q_INVALID | SvFrames.Q_FAILURE;
            q[asdus * 8 - 1] = SvFrames.Q_DERIVED;
            byte[] buf = new byte[1600];
            int len = enc.encode(buf, 0, asdus, modulus - 1, false, v, q);
            assertThat(len).isEqualTo(enc.frameBytes(asdus));

            SvDecoder dec = new SvDecoder(DST, 0x4000, "MU01LD/LLN0$SV$MSVCB01", 8);
            assertThat(dec.decode(buf, 0, len)).isEqualTo(SvDecoder.Result.OK);
            assertThat(dec.asdus()).isEqualTo(asdus);
            assertThat(dec.vlanTci()).isEqualTo(vlan);
            assertThat(dec.simulation()).isFalse();
            assertThat(dec.svId(buf)).isEqualTo("MU01LD/LLN0$SV$MSVCB01");
            for (int a = 0; a < asdus; a++) {
                assertThat(dec.smpCnt(a)).isEqualTo((modulus - 1 + a) % modulus); // wraps within the frame
                assertThat(dec.confRev(a)).isEqualTo(1);
                assertThat(dec.smpSynch(a)).isEqualTo(2);
                for (int c = 0; c < 8; c++) {
                    assertThat(dec.value(a, c)).isEqualTo(v[a * 8 + c]);
                    assertThat(dec.quality(a, c)).isEqualTo(q[a * 8 + c]);
                }
            }
        }
    }

    @Test
    void simulationBitAndLongFormLengths() {
        SvEncoder enc = new SvEncoder(DST, SRC, -1, 0x4001, "x".repeat(100), 7, 0, 4800);
        byte[] buf = new byte[2000];
        int len = enc.encode(buf, 0, 6, 10, true, values(6, 1), new int[48]);
        SvDecoder dec = new SvDecoder(null, -1, null, 8);
        assertThat(dec.decode(buf, 0, len)).isEqualTo(SvDecoder.Result.OK);
        assertThat(dec.simulation()).isTrue();
        assertThat(dec.asdus()).isEqualTo(6);
        assertThat(dec.appId()).isEqualTo(0x4001);
        assertThat(dec.smpCnt(5)).isEqualTo(15);
    }

    @Test
    void selectionByDestinationAppIdAndSvId() {
        SvEncoder enc = new SvEncoder(DST, SRC, -1, 0x4000, "MU01", 1, 1, 4000);
        byte[] buf = new byte[300];
        int len = enc.encode(buf, 0, 1, 0, false, values(1, 0), new int[8]);
        assertThat(new SvDecoder(SvFrames.parseMac("01-0C-CD-04-00-02"), -1, null, 1).decode(buf, 0, len))
                .isEqualTo(SvDecoder.Result.FOREIGN);
        assertThat(new SvDecoder(DST, 0x4001, null, 1).decode(buf, 0, len)).isEqualTo(SvDecoder.Result.FOREIGN);
        assertThat(new SvDecoder(DST, 0x4000, "MU02", 1).decode(buf, 0, len)).isEqualTo(SvDecoder.Result.FOREIGN);
        assertThat(new SvDecoder(DST, 0x4000, "MU0", 1).decode(buf, 0, len)).isEqualTo(SvDecoder.Result.FOREIGN);
        assertThat(new SvDecoder(DST, 0x4000, "MU01", 1).decode(buf, 0, len)).isEqualTo(SvDecoder.Result.OK);
        buf[12] = 0x08;
        buf[13] = 0x00; // IPv4
        assertThat(new SvDecoder(null, -1, null, 1).decode(buf, 0, len)).isEqualTo(SvDecoder.Result.NOT_SV);
        assertThat(new SvDecoder(null, -1, null, 1).decode(buf, 0, 10)).isEqualTo(SvDecoder.Result.NOT_SV);
    }

    @Test
    void malformedFramesNameTheFieldAndItsOffset() {
        SvEncoder enc = new SvEncoder(DST, SRC, -1, 0x4000, "MU01", 1, 1, 4000);
        byte[] good = new byte[300];
        int len = enc.encode(good, 0, 1, 0, false, values(1, 0), new int[8]);
        SvDecoder dec = new SvDecoder(DST, 0x4000, "MU01", 8);
        // layout: 0..13 Ethernet, 14 APPID, 16 Length, 18 R1, 20 R2, 22 savPdu 0x60, 24 noASDU 0x80 01 01,
        // 27 seqASDU 0xA2, 29 ASDU 0x30, 31 svID 0x80 04 'MU01', 37 smpCnt 0x82, 41 confRev 0x83, 47 smpSynch 0x85,
        // 50 seqData 0x87 0x40
        byte[] b = good.clone();
        b[50] = (byte) 0x99;
        assertThat(dec.decode(b, 0, len)).isEqualTo(SvDecoder.Result.MALFORMED);
        assertThat(dec.error()).isEqualTo(SvDecoder.Error.BAD_TAG);
        assertThat(dec.errorOffset()).isEqualTo(50);
        assertThat(dec.errorMessage()).isEqualTo("byte 50: unexpected BER tag (tag 0x99)");

        b = good.clone();
        b[51] = 0x3c;
        b[16] = 0;
        b[17] = (byte) (b[17] - 4); // a consistent frame with a 60-byte dataset
        shrink(b, 30, 4);
        shrink(b, 23, 4);
        shrink(b, 28, 4);
        assertThat(dec.decode(b, 0, len - 4)).isEqualTo(SvDecoder.Result.MALFORMED);
        assertThat(dec.error()).isEqualTo(SvDecoder.Error.DATASET_SIZE);
        assertThat(dec.errorOffset()).isEqualTo(50);

        b = good.clone();
        b[16] = 0x7f; // APDU length past the frame's end
        assertThat(dec.decode(b, 0, len)).isEqualTo(SvDecoder.Result.MALFORMED);
        assertThat(dec.errorMessage()).startsWith("byte 16: APDU Length field disagrees with the frame");

        b = good.clone();
        b[26] = 2; // noASDU 2, one ASDU present
        assertThat(dec.decode(b, 0, len)).isEqualTo(SvDecoder.Result.MALFORMED);
        assertThat(dec.error()).isEqualTo(SvDecoder.Error.ASDU_COUNT);

        b = good.clone();
        b[26] = 9; // more than maxAsdus
        assertThat(dec.decode(b, 0, len)).isEqualTo(SvDecoder.Result.MALFORMED);
        assertThat(dec.error()).isEqualTo(SvDecoder.Error.NO_ASDU);
        assertThat(dec.errorOffset()).isEqualTo(26);

        b = good.clone();
        b[23] = (byte) 0x80; // indefinite length
        assertThat(dec.decode(b, 0, len)).isEqualTo(SvDecoder.Result.MALFORMED);
        assertThat(dec.error()).isEqualTo(SvDecoder.Error.BAD_LENGTH);
        assertThat(dec.errorOffset()).isEqualTo(23);

        b = good.clone();
        b[38] = 3; // smpCnt of 3 bytes
        assertThat(dec.decode(b, 0, len)).isEqualTo(SvDecoder.Result.MALFORMED);
        assertThat(dec.error()).isEqualTo(SvDecoder.Error.FIELD_SIZE);
        assertThat(dec.errorOffset()).isEqualTo(37);
        assertThat(dec.decode(good, 0, len)).isEqualTo(SvDecoder.Result.OK);
    }

    /** Lowers the one-byte BER length at {@code at} by {@code by}. */
    private static void shrink(byte[] b, int at, int by) {
        b[at] = (byte) (b[at] - by);
    }

    @Test
    void everyTruncationAndEveryFlippedByteIsAResultNeverAnException() {
        SvEncoder enc = new SvEncoder(DST, SRC, 0x2064, 0x4000, "MU01", 1, 1, 14400);
        byte[] good = new byte[1600];
        int len = enc.encode(good, 0, 6, 0, false, values(6, 0), new int[48]);
        SvDecoder dec = new SvDecoder(null, -1, null, 8);
        for (int cut = 0; cut < len; cut++) {
            SvDecoder.Result r = dec.decode(good, 0, cut);
            assertThat(r).isIn(SvDecoder.Result.NOT_SV, SvDecoder.Result.MALFORMED);
            if (r == SvDecoder.Result.MALFORMED) {
                assertThat(dec.errorOffset()).isBetween(0, cut);
            }
        }
        Random rnd = new Random(17);
        byte[] b = new byte[len];
        int malformed = 0;
        for (int i = 0; i < 20_000; i++) {
            System.arraycopy(good, 0, b, 0, len);
            for (int k = 0; k <= i % 4; k++) {
                b[rnd.nextInt(len)] = (byte) rnd.nextInt(256);
            }
            if (dec.decode(b, 0, len) == SvDecoder.Result.MALFORMED) {
                malformed++;
                assertThat(dec.errorOffset()).isBetween(0, len);
                assertThat(dec.errorMessage()).startsWith("byte ");
            }
        }
        assertThat(malformed).isPositive();
    }
}
