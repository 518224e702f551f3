package io.headroom.drivers.waveform.sv;

import org.junit.jupiter.api.Test;

import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The test vectors under test resources (see their README): decoded without any outside tool. */
class SvTestVectorTest {

    /** The hand-written 9-2LE frame: Ia Ib Ic In Va Vb Vc Vn. */
    static final int[] VALUES = {1234, -2000, 766, 0, 23000, -11500, -11500, 0};
    static final int[] QUALITY = {0, 0, 0, 0x2000, 0, 0, 0x41, 0x2000};

    static byte[] resource(String name) throws Exception {
        try (InputStream in = SvTestVectorTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** Asserts the decoder reads the hand-written frame from this capture. */
    static void assertHandWrittenFrame(PcapFrameChannel ch) throws Exception {
        byte[] buf = new byte[2000];
        int n = ch.receive(buf);
        assertThat(n).isEqualTo(124);
        SvDecoder dec = new SvDecoder(SvFrames.parseMac("01-0C-CD-04-00-01"), 0x4000, "HRMU0101", 8);
        assertThat(dec.decode(buf, 0, n)).isEqualTo(SvDecoder.Result.OK);
        assertThat(dec.vlanTci()).isEqualTo(0x8000);
        assertThat(dec.asdus()).isEqualTo(1);
        assertThat(dec.svId(buf)).isEqualTo("HRMU0101");
        assertThat(dec.smpCnt(0)).isEqualTo(3000);
        assertThat(dec.confRev(0)).isEqualTo(1);
        assertThat(dec.smpSynch(0)).isEqualTo(2);
        assertThat(dec.simulation()).isFalse();
        for (int c = 0; c < 8; c++) {
            assertThat(dec.value(0, c)).as(SvFrames.CHANNEL_NAMES[c]).isEqualTo(VALUES[c]);
            assertThat(dec.quality(0, c)).as(SvFrames.CHANNEL_NAMES[c]).isEqualTo(QUALITY[c]);
        }
        assertThat(SvFrames.usable(dec.quality(0, 6))).isFalse();
        assertThat(SvFrames.usable(dec.quality(0, 7))).isTrue(); // derived is still good
        assertThat(ch.receive(buf)).isEqualTo(-1);
    }

    @Test
    void theHandWrittenFrameThatText2pcapWroteDecodes() throws Exception {
        assertHandWrittenFrame(PcapFrameChannel.of(resource("le80-vlan-one-asdu.pcap")));
    }

    @Test
    void aCaptureWrittenByPcapWriterReadsBackAndBrokenFilesNameTheOffset() throws Exception {
        byte[] frame = new byte[100];
        frame[12] = (byte) 0x88;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bytes)) {
            w.write(frame, 0, 100, 1_700_000_000_123_456_789L);
            w.write(frame, 0, 60, 1_700_000_001_000_000_000L);
        }
        byte[] file = bytes.toByteArray();
        assertThat(file).hasSize(24 + 16 + 100 + 16 + 60);
        PcapFrameChannel ch = PcapFrameChannel.of(file);
        byte[] buf = new byte[200];
        assertThat(ch.receive(buf)).isEqualTo(100);
        assertThat(ch.lastTimestamp()).isEqualTo(1_700_000_000_123_456_000L);
        assertThat(ch.receive(buf)).isEqualTo(60);
        assertThat(ch.receive(buf)).isEqualTo(-1);

        byte[] cut = java.util.Arrays.copyOf(file, 24 + 16 + 50);
        PcapFrameChannel broken = PcapFrameChannel.of(cut);
        assertThatThrownBy(() -> broken.receive(buf)).hasMessage("byte 32: record length 100 past the end of the file");
        assertThatThrownBy(() -> PcapFrameChannel.of(new byte[40])).hasMessageContaining("byte 0: not a pcap");
    }
}
