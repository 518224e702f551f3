package io.headroom.drivers.waveform.spi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class Ads131mFrameTest {

    private static final double LSB_G1 = 1.2 / 8_388_608.0; // V at the pins per code, G = 1

    @Test
    void crcIsCcittFalseWithTheDatasheetSeed() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(Ads131mFrame.crc16Ccitt(check, 0, check.length)).isEqualTo(0x29B1);
        assertThat(Ads131mFrame.crc16Ccitt(new byte[0], 0, 0)).isEqualTo(0xFFFF);
    }

    @ParameterizedTest
    @EnumSource(WordLength.class)
    void aGoodFramePassesAndEveryFlippedBitFails(WordLength wl) {
        byte[] f = new byte[Ads131mFrame.frameBytes(8, wl)];
        int len = Ads131mFrame.encode(f, Ads131mFrame.healthyStatus(8, wl),
                new int[] {1, -1, 0x7F_FFFF, -0x80_0000, 12345, -54321, 0, 777}, 8, wl);
        assertThat(len).isEqualTo(10 * wl.bytes());
        assertThat(Ads131mFrame.crcOk(f, 8, wl)).isTrue();
        int covered = 9 * wl.bytes();
        for (int bit = 0; bit < (covered + 2) * 8; bit++) {
            byte[] bad = f.clone();
            bad[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            assertThat(Ads131mFrame.crcOk(bad, 8, wl)).as("bit %d flipped", bit).isFalse();
        }
    }

    @Test
    void misoStuckLowOrHighFailsTheCrc() {
        byte[] zeros = new byte[30];
        byte[] ones = new byte[30];
        Arrays.fill(ones, (byte) 0xFF);
        assertThat(Ads131mFrame.crcOk(zeros, 8, WordLength.BITS_24)).isFalse();
        assertThat(Ads131mFrame.crcOk(ones, 8, WordLength.BITS_24)).isFalse();
    }

    @Test
    void the24BitDefaultFrameIsThirtyBytesStatusFirstCrcLast() {
        byte[] f = new byte[30];
        Ads131mFrame.encode(f, 0x0_5FF, new int[] {0x123456}, 8, WordLength.BITS_24);
        assertThat(Ads131mFrame.frameBytes(8, WordLength.BITS_24)).isEqualTo(30);
        assertThat(Ads131mFrame.status(f)).isEqualTo(0x05FF);
        assertThat(f[2]).isZero(); // status is MSB-aligned, zero-padded
        assertThat(Arrays.copyOfRange(f, 3, 6)).containsExactly(0x12, 0x34, 0x56);
        int crc = Ads131mFrame.crc16Ccitt(f, 0, 27);
        assertThat(Ads131mFrame.receivedCrc(f, 8, WordLength.BITS_24)).isEqualTo(crc);
        assertThat(f[29]).isZero();
    }

    @Test
    void codesAreTwosComplementAtFullScaleZeroAndNegative() {
        byte[] b = {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                0, 0, 1};
        assertThat(Ads131mFrame.twos24(b, 0)).isEqualTo(8_388_607);
        assertThat(Ads131mFrame.twos24(b, 3)).isEqualTo(-8_388_608);
        assertThat(Ads131mFrame.twos24(b, 6)).isZero();
        assertThat(Ads131mFrame.twos24(b, 9)).isEqualTo(-1);
        assertThat(Ads131mFrame.twos24(b, 12)).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(WordLength.class)
    void everyWordLengthDecodesToCodesOfTheSameWeight(WordLength wl) {
        int[] codes = {0x7F_FFFF, -0x80_0000, 0, -256, 256 * 100, -256 * 3000, 0x12_3400, -0x40_0000};
        byte[] f = new byte[Ads131mFrame.frameBytes(8, wl)];
        Ads131mFrame.encode(f, 0, codes, 8, wl);
        for (int ch = 0; ch < 8; ch++) {
            int expected = wl == WordLength.BITS_16 ? codes[ch] & ~0xFF : codes[ch]; // 16 bits keep the MSBs
            assertThat(Ads131mFrame.code(f, ch, wl)).as("channel %d", ch).isEqualTo(expected);
        }
    }

    @Test
    void codesBecomeVoltsAndAmpsFromGainDividerPtAndCtBurden() {
        // 1.2 V reference, G = 1, 1000:1 divider, 20 kV / 120 V PT
        AdcChannel v = AdcChannel.voltage("V1", 1, 0, AdcChannel.INTERNAL_VREF, 1, 1000, 20_000.0 / 120);
        double vPerCode = LSB_G1 * 1000 * 20_000.0 / 120;
        assertThat(v.unitsPerCode()).isCloseTo(vPerCode, within(vPerCode * 1e-12));
        assertThat(v.toUnits(Ads131mFrame.MAX_CODE)).isCloseTo(1.2 * 1000 * 20_000.0 / 120 * (1 - 1.0 / 8_388_608),
                within(1e-6));
        assertThat(v.toUnits(Ads131mFrame.MIN_CODE)).isCloseTo(-1.2 * 1000 * 20_000.0 / 120, within(1e-6));
        assertThat(v.toUnits(0)).isZero();
        assertThat(v.toUnits(-1)).isCloseTo(-vPerCode, within(1e-15));
        assertThat(v.spec().unit()).isEqualTo("V");

        // G = 4, 2000:5 CT into 2 Ω: ±0.3 V at the pins is ±0.15 A secondary, ±60 A primary
        AdcChannel i = AdcChannel.current("I1", 1, 3, AdcChannel.INTERNAL_VREF, 4, 2.0, 400);
        assertThat(i.fullScale()).isCloseTo(60 * (1 - 1.0 / 8_388_608), within(1e-9));
        assertThat(i.toUnits(Ads131mFrame.MIN_CODE)).isCloseTo(-60, within(1e-9));
        assertThat(i.toUnits(4_194_304)).isCloseTo(30, within(1e-9));
        assertThat(i.spec().unit()).isEqualTo("A");

        assertThatThrownBy(() -> AdcChannel.pinVoltsPerCode(1.2, 3)).hasMessageContaining("gain");
        assertThatThrownBy(() -> AdcChannel.current("I", 1, 8, 1.2, 1, 1, 1)).hasMessageContaining("input");
    }
}
