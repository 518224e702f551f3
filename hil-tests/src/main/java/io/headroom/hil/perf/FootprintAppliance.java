package io.headroom.hil.perf;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.SiteState;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.drivers.waveform.Senders;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The appliance process of the {@code footprint} benchmark: what {@code headroom-appliance run --site FILE} starts
 * ({@link Appliance#start} with the site file, the API on loopback, the journal in {@code --data}), plus one UDP
 * waveform input per {@code --waveform FEED,STREAM-ID,RATE,SENDER-HOST:PORT} (the site file has no section for
 * streams yet). It tells its parent on standard output, one line each:
 * <pre>
 *   waveform FEED HOST:PORT     where it listens for the feed's stream
 *   first-tick NANOS TICK        System.nanoTime() of the first regulation tick (TICK: the tick it was read at)
 *   up                           after both
 * </pre>
 * and stops, closing the appliance, when its standard input ends (the parent closed it or died): an orderly exit,
 * as systemd's stop is, so that an archive the JVM writes at exit ({@code -XX:+AutoCreateSharedArchive}) is written.
 */
public final class FootprintAppliance {

    private FootprintAppliance() {
    }

    public static void main(String[] args) throws Exception {
        Path siteFile = null;
        Path data = null;
        List<io.headroom.appliance.site.WaveformStream> waves = new ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--site" -> siteFile = Path.of(v);
                case "--data" -> data = Path.of(v);
                case "--waveform" -> waves.add(waveform(v));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (siteFile == null || data == null) {
            throw new IllegalArgumentException("--site FILE and --data DIR are required");
        }
        Site site = SiteLoader.load(siteFile);
        io.headroom.appliance.site.WaveformSettings ws = site.waveforms();
        site = new Site(site.name(), site.frequencyHz(), site.feeds(), site.groups(), site.racks(), site.nodes(),
                site.meters(), site.supercaps(), site.agents(), site.control(), site.openadr(), site.modbusBuses(),
                site.gpio(), new io.headroom.appliance.site.WaveformSettings(ws.detection(), ws.streamDeadlineMs(),
                ws.recorderEnabled(), ws.preTriggerS(), ws.postTriggerS(), ws.recordFormat(), ws.bandWindowS(),
                ws.rampSpanS(), waves)); // the streams the parent's plant sends, as a site file's udp streams
        Appliance appliance = Appliance.start(site, Appliance.Options.of("127.0.0.1", 0, data));
        for (io.headroom.appliance.site.WaveformStream w : waves) {
            InetSocketAddress a = appliance.waveformAddress(w.feedId());
            System.out.println("waveform " + w.feedId() + " " + a.getAddress().getHostAddress() + ":" + a.getPort());
        }
        System.out.flush();
        // The first tick's moment from its own timestamp: the state is read after start returns, when the first
        // tick may be behind (ticks are a fixed-rate schedule, so tick k was (k - 1) periods after the first).
        SiteState s;
        while ((s = appliance.state()) == null || s.tick() < 1) {
            LockSupport.parkNanos(200_000);
        }
        long ago = Duration.between(s.utc(), Instant.now()).toNanos()
                + (s.tick() - 1) * site.control().tickMs() * 1_000_000L;
        System.out.println("first-tick " + (System.nanoTime() - ago) + " " + s.tick());
        System.out.println("up");
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // the parent writes nothing; the end of the stream is the stop
            }
        } catch (IOException e) {
            // the parent is gone: stop as well
        }
        appliance.close();
        System.exit(0);
    }

    /** {@code FEED,STREAM-ID,RATE,SENDER-HOST:PORT}. */
    static io.headroom.appliance.site.WaveformStream.Udp waveform(String spec) {
        String[] p = spec.split(",");
        if (p.length != 4) {
            throw new IllegalArgumentException("--waveform FEED,STREAM-ID,RATE,SENDER-HOST:PORT, was " + spec);
        }
        Senders.parse(List.of(p[3])); // checked now
        return new io.headroom.appliance.site.WaveformStream.Udp(p[0], new io.headroom.appliance.site.Endpoint(
                "127.0.0.1", 0), Long.parseLong(p[1]), Double.parseDouble(p[2]), List.of(p[3]));
    }
}
