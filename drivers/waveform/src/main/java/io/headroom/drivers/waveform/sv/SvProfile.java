package io.headroom.drivers.waveform.sv;

/**
 * The Sampled Values profiles a merging unit publishes: IEC 61850-9-2LE (80 samples per nominal cycle with one
 * ASDU per frame, 256 per cycle with eight) and IEC 61869-9 (4800 S/s with two ASDUs, 14400 S/s with six). The
 * sample rate of the 9-2LE profiles follows the nominal frequency (80 × 50 Hz = 4000 S/s, 80 × 60 Hz = 4800 S/s);
 * IEC 61869-9's does not. {@code smpCnt} counts samples within the second and wraps at the rate.
 */
public enum SvProfile {
    LE_80(80, 0, 1),
    LE_256(256, 0, 8),
    IEC61869_4800(0, 4800, 2),
    IEC61869_14400(0, 14400, 6);

    private final int samplesPerCycle;
    private final int fixedRate;
    private final int asdusPerFrame;

    SvProfile(int samplesPerCycle, int fixedRate, int asdusPerFrame) {
        this.samplesPerCycle = samplesPerCycle;
        this.fixedRate = fixedRate;
        this.asdusPerFrame = asdusPerFrame;
    }

    /** ASDUs (samples per channel) in each frame. */
    public int asdusPerFrame() {
        return asdusPerFrame;
    }

    /** Samples per second per channel at this nominal frequency (50 or 60 Hz). */
    public int sampleRate(int nominalHz) {
        if (nominalHz != 50 && nominalHz != 60) {
            throw new IllegalArgumentException("nominal frequency must be 50 or 60 Hz, was " + nominalHz);
        }
        return fixedRate != 0 ? fixedRate : samplesPerCycle * nominalHz;
    }

    /** The modulus of {@code smpCnt}: it counts 0 … rate − 1 and wraps (once a second when synchronised). */
    public int smpCntModulus(int nominalHz) {
        return sampleRate(nominalHz);
    }

    /** Parses {@code 9-2LE-80}, {@code 9-2LE-256}, {@code 61869-9-4800}, {@code 61869-9-14400} (or the enum names). */
    public static SvProfile parse(String s) {
        return switch (s.trim().toUpperCase(java.util.Locale.ROOT)) {
            case "9-2LE-80", "LE_80", "LE80" -> LE_80;
            case "9-2LE-256", "LE_256", "LE256" -> LE_256;
            case "61869-9-4800", "IEC61869_4800" -> IEC61869_4800;
            case "61869-9-14400", "IEC61869_14400" -> IEC61869_14400;
            default -> throw new IllegalArgumentException("unknown SV profile '" + s
                    + "' (9-2LE-80, 9-2LE-256, 61869-9-4800, 61869-9-14400)");
        };
    }
}
