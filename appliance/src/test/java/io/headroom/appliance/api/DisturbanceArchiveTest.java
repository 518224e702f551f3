package io.headroom.appliance.api;

import io.headroom.drivers.waveform.comtrade.AnalogChannel;
import io.headroom.drivers.waveform.comtrade.ComtradeRecord;
import io.headroom.drivers.waveform.comtrade.ComtradeWriter;
import io.headroom.drivers.waveform.comtrade.DataFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The disturbance records as the API lists and serves them: newest first, only the recorder's names, peaks kept. */
class DisturbanceArchiveTest {

    /** A two-channel record (a 50 Hz current with a spike at the trigger, and a voltage) of {@code samples} at 4 kHz. */
    static Path writeRecord(Path dir, String id, String device, int samples) throws IOException {
        double rate = 4000;
        double[][] analog = new double[2][samples];
        for (int i = 0; i < samples; i++) {
            analog[0][i] = 100 * Math.sin(2 * Math.PI * 50 * i / rate);
            analog[1][i] = 325 * Math.sin(2 * Math.PI * 50 * i / rate + 0.3);
        }
        analog[0][samples / 2] = 950; // the fault's peak, one sample wide
        long nanos = Long.parseLong(id.replaceAll("dr-(\\d+).*", "$1"));
        Instant trigger = Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
        Instant first = trigger.minusNanos(Math.round(samples / 2 * 1e9 / rate));
        ComtradeRecord rec = new ComtradeRecord("example-4feed", device, 2013, 50, rate, first, trigger,
                List.of(AnalogChannel.of("IL1", "A", "", "A"), AnalogChannel.of("UL1", "A", "", "V")), List.of(),
                analog, new boolean[0][], null);
        Files.createDirectories(dir);
        return ComtradeWriter.write(dir, id, rec, DataFormat.BINARY);
    }

    @Test
    void listsNewestFirstWithTheFeedAndSkipsForeignFiles(@TempDir Path dir) throws IOException {
        writeRecord(dir, "dr-1765000000000000000-FEED_LOSS", "headroom/A", 400);
        writeRecord(dir, "dr-1765000100000000000-ON_DEMAND", "headroom/B", 400);
        Files.writeString(dir.resolve("notes.cfg"), "not a record");
        Files.writeString(dir.resolve("dr-1765000200000000000-broken.cfg"), "station only\n");
        JsonObject list = new DisturbanceArchive(dir).list();
        JsonArray records = list.getJsonArray("records");
        assertThat(records.stream().map(o -> ((JsonObject) o).getString("id"))).containsExactly(
                "dr-1765000200000000000-broken", "dr-1765000100000000000-ON_DEMAND", "dr-1765000000000000000-FEED_LOSS");
        assertThat(records.getJsonObject(0).getString("error")).contains("ends at line 2");
        JsonObject b = records.getJsonObject(1);
        assertThat(b.getString("feed")).isEqualTo("B");
        assertThat(b.getDouble("sampleRateHz")).isEqualTo(4000.0);
        assertThat(b.getLong("samples")).isEqualTo(400);
        assertThat(b.getString("format")).isEqualTo("BINARY");
        assertThat(b.getJsonArray("analogChannels")).containsExactly("IL1 [A]", "UL1 [V]");
        assertThat(b.getLong("bytes")).isGreaterThan(400L * 2 * 2);
    }

    @Test
    void aMissingFolderHasNoRecords(@TempDir Path dir) throws IOException {
        assertThat(new DisturbanceArchive(dir.resolve("none")).list().getInteger("total")).isZero();
    }

    @Test
    void onlyTheRecordersNamesAreServed(@TempDir Path dir) throws IOException {
        writeRecord(dir, "dr-1765000000000000000-X", "headroom/A", 100);
        Files.writeString(dir.resolve("secret.dat"), "no");
        DisturbanceArchive a = new DisturbanceArchive(dir);
        assertThat(a.file("dr-1765000000000000000-X.cfg")).isPresent();
        assertThat(a.file("dr-1765000000000000000-X.dat")).isPresent();
        assertThat(a.file("dr-1765000000000000001-X.dat")).isEmpty();
        for (String bad : List.of("secret.dat", "../journal.db", "dr-../../etc/passwd.cfg", "dr-1.txt", "dr-1", "dr-a/b.cfg")) {
            assertThatThrownBy(() -> a.file(bad)).as(bad).isInstanceOf(ApiServer.BadParameter.class);
        }
    }

    @Test
    void samplesAreRelativeToTheTriggerAndDecimationKeepsThePeak(@TempDir Path dir) throws IOException {
        writeRecord(dir, "dr-1765000000000000000-X", "headroom/A", 4000);
        DisturbanceArchive a = new DisturbanceArchive(dir);
        JsonObject all = a.samples("dr-1765000000000000000-X", 20_000).orElseThrow();
        assertThat(all.getBoolean("decimated")).isFalse();
        JsonArray t = all.getJsonArray("t");
        assertThat(t).hasSize(4000);
        assertThat(t.getDouble(0)).isEqualTo(-500.0);   // 2000 samples at 4 kHz before the trigger
        assertThat(t.getDouble(2000)).isEqualTo(0.0);
        JsonObject few = a.samples("dr-1765000000000000000-X", 200).orElseThrow();
        assertThat(few.getBoolean("decimated")).isTrue();
        JsonArray current = few.getJsonArray("channels").getJsonObject(0).getJsonArray("values");
        assertThat(current).hasSize(200);
        assertThat(current.stream().mapToDouble(v -> ((Number) v).doubleValue()).max().orElseThrow()).isEqualTo(950.0);
        JsonArray ft = few.getJsonArray("t");
        for (int i = 1; i < ft.size(); i++) {
            assertThat(ft.getDouble(i)).as("time ascends at %d", i).isGreaterThan(ft.getDouble(i - 1));
        }
        assertThat(a.samples("dr-1765000000000000009-X", 200)).isEmpty();
        assertThatThrownBy(() -> a.samples("dr-1765000000000000000-X", 1)).isInstanceOf(ApiServer.BadParameter.class);
    }

    @Test
    void decimationOfSeededSignalsKeepsEveryBucketsExtremesInOrder() {
        Random rnd = new Random(21);
        for (int run = 0; run < 200; run++) {
            int n = 3 + rnd.nextInt(5000);
            int max = 2 + rnd.nextInt(600);
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = rnd.nextGaussian() * (rnd.nextInt(50) == 0 ? 20 : 1);
            }
            int[] pick = DisturbanceArchive.pick(new double[][]{x}, n, max);
            assertThat(pick.length).isLessThanOrEqualTo(Math.max(n <= max ? n : 0, max));
            for (int i = 1; i < pick.length; i++) {
                assertThat(pick[i]).as("run %d: strictly ascending", run).isGreaterThan(pick[i - 1]);
            }
            double globalMax = java.util.Arrays.stream(x).max().orElseThrow();
            double globalMin = java.util.Arrays.stream(x).min().orElseThrow();
            assertThat(java.util.Arrays.stream(pick).mapToDouble(i -> x[i]).max().orElseThrow()).isEqualTo(globalMax);
            assertThat(java.util.Arrays.stream(pick).mapToDouble(i -> x[i]).min().orElseThrow()).isEqualTo(globalMin);
        }
    }
}
