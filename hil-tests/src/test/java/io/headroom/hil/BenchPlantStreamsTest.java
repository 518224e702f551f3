package io.headroom.hil;

import io.headroom.appliance.site.WaveformSettings;
import io.headroom.appliance.site.WaveformStream;
import io.headroom.drivers.waveform.sv.SvProfile;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench's plant is every feed's front-end: a site file's own streams are dropped, its other settings kept. */
class BenchPlantStreamsTest {

    @Test
    void aSiteFilesStreamsAreDroppedAndTheRestKept() {
        WaveformSettings d = WaveformSettings.defaults();
        WaveformSettings site = new WaveformSettings(d.detection(), 350, false, 0.1, 0.3, "ascii", 20, 2,
                List.of(new WaveformStream.Sv("A", "eth1", "01-0C-CD-04-00-01", 0x4000, "MU01", SvProfile.IEC61869_4800,
                        WaveformStream.Sv.DEFAULT_CHANNELS, 0.01, 0.001, false)));
        WaveformSettings bench = Bench.plantStreams(site);
        assertThat(bench.streams()).isEmpty();
        assertThat(bench).usingRecursiveComparison().ignoringFields("streams").isEqualTo(site);
    }
}
