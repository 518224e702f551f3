package io.headroom.hil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.headroom.appliance.dsp.WaveformState;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Fault drill: forged waveform frames on the bench (the plant's real streams, the appliance's real inputs, which
 * hear only the plant's front-end address and port). Every forged frame says feed A collapsed (all samples 0):
 * read, it would fire A's contingency. From another host, from the front-end's own address a million frames
 * ahead (a spoofer trying to make the input follow its sequence and drop the genuine one), and announcing twice
 * the sample rate: each is refused and counted in the site JSON, the genuine stream keeps flowing, nothing fires.
 */
class ForgedWaveformFramesIT {

    static Bench bench;
    static Site site;

    @BeforeAll
    static void start(@TempDir Path data) throws Exception {
        site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        bench = Bench.start(site, Bench.Options.forTests(data).withUdpWaveforms(true)); // forged frames are UDP frames
    }

    @AfterAll
    static void stop() {
        if (bench != null) {
            bench.close();
        }
    }

    static WaveformState.FeedStream streamA() {
        var s = bench.appliance().state();
        return s == null ? null : s.waveforms().feeds().get("A");
    }

    @Test
    void forgedFramesAreRefusedCountedAndFireNothingWhileTheGenuineStreamFlows() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> streamA() != null
                && streamA().status() == WaveformState.Status.GOOD && streamA().samples() > 0);
        for (WaveformStreamer.Forgery kind : WaveformStreamer.Forgery.values()) {
            bench.plant().forgeWaveformFrames("A", kind, 200);
        }
        long samplesThen = streamA().samples();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            WaveformState.Refused r = streamA().refused();
            assertThat(r.unknownSender()).isEqualTo(200);
            assertThat(r.suspect()).isEqualTo(200);
            assertThat(r.rateMismatch()).isEqualTo(200);
        });
        // the genuine stream keeps coming: 2 s more of it (4,800 S/s) after the forged frames were all refused
        await().atMost(Duration.ofSeconds(20)).until(() -> streamA().samples() > samplesThen + 2 * 4_800);
        assertThat(streamA().status()).isEqualTo(WaveformState.Status.GOOD);
        assertThat(streamA().refused().resyncs()).isZero();
        assertThat(bench.appliance().protection().lastFired()).as("no contingency fired").isNull();
        assertThat(bench.plant().trips()).isZero();

        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + bench.appliance().httpPort() + "/api/v1/site")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(200);
        JsonObject a = new JsonObject(res.body()).getJsonArray("feeds").getJsonObject(0);
        assertThat(a.getString("id")).isEqualTo("A");
        JsonObject refused = a.getJsonObject("waveform").getJsonObject("framesRefused");
        assertThat(refused.getLong("unknownSender")).isEqualTo(200);
        assertThat(refused.getLong("suspectSequence")).isEqualTo(200);
        assertThat(refused.getLong("rateMismatch")).isEqualTo(200);
    }
}
