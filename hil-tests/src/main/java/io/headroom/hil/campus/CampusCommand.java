package io.headroom.hil.campus;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.headroom.appliance.site.Campus;
import io.headroom.appliance.site.CampusLoader;
import io.headroom.appliance.site.SiteValidationException;
import io.headroom.common.cli.ExitCodes;
import io.headroom.testsupport.EtcdCluster;

/** {@code ./headroom bench --campus FILE [--drill FILE]}. */
public final class CampusCommand {

    private CampusCommand() {
    }

    public static int run(Path file, Path drillFile, Path dataDir, String httpHost, int httpPort, long seed,
                          long durationS, PrintWriter out, PrintWriter err) throws Exception {
        Campus campus;
        try {
            campus = CampusLoader.load(file);
        } catch (SiteValidationException e) {
            e.errors().forEach(x -> err.println(x));
            err.flush();
            return ExitCodes.USAGE;
        } catch (java.io.IOException e) {
            err.println("bench: cannot read the campus file " + file + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        CampusDrill.Drill drill = null;
        if (drillFile != null) {
            try {
                drill = CampusDrill.load(drillFile);
            } catch (java.io.IOException e) {
                err.println("bench: " + e.getMessage());
                return ExitCodes.COULD_NOT_RUN;
            }
        }
        if (!EtcdCluster.available()) {
            err.println("bench: --campus needs etcd at " + EtcdCluster.binary() + " (Debian: apt-get install etcd-server)");
            return ExitCodes.COULD_NOT_RUN;
        }
        Path data = drill == null ? dataDir : dataDir.resolve("drills").resolve(drill.name() + "-"
                + java.time.Instant.now().toString().replace(":", "").replaceAll("\\..*", ""));
        Files.createDirectories(data);
        CampusBench bench;
        try {
            bench = CampusBench.start(campus, data, httpHost, drill == null ? httpPort : 0, seed);
        } catch (Exception e) {
            err.println("bench: the campus could not start: " + e);
            return ExitCodes.COULD_NOT_RUN;
        }
        out.printf("Headroom campus bench: %s, %d appliances, etcd members %s (data in %s)%n", campus.name(),
                bench.lineups().size(), bench.etcd().endpoints(), data);
        for (CampusBench.Lineup l : bench.lineups()) {
            out.printf("  %s: dashboard http://%s:%d/ , GET /api/v1/campus%n", l.member().id(), httpHost,
                    l.bench().appliance().httpPort());
        }
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            bench.close();
            stop.countDown();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (drill != null) {
                CampusDrill.Result r = CampusDrill.play(bench, drill);
                r.figures().forEach((k, v) -> out.printf(Locale.ROOT, "campus.%s.%s %s %s%n", r.name(), k,
                        CampusDrill.fmt(v), r.units().get(k)));
                r.failures().forEach(f -> out.println("drill " + r.name() + ": NOT HELD: " + f));
                out.printf("drill %s %s%n", r.name(), r.passed() ? "PASSED" : "FAILED");
                out.flush();
                return r.passed() ? ExitCodes.OK : ExitCodes.FAILED;
            }
            out.println(durationS > 0 ? "Stops after " + durationS + " s, or with Ctrl-C." : "Stop it with Ctrl-C.");
            out.flush();
            if (durationS > 0) {
                stop.await(durationS, TimeUnit.SECONDS);
            } else {
                stop.await();
            }
            return ExitCodes.OK;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                hook.run();
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
        }
    }
}
