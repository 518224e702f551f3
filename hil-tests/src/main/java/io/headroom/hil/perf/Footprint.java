package io.headroom.hil.perf;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.headroom.drivers.gpuprotocol.ContingencyTable;
import io.headroom.hil.Bench;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * {@code footprint}: the appliance as it ships, in its own JVM, against a simulated hall of 1,000 nodes with 4
 * CT/PT waveform streams ({@link FootprintPlant}, in this JVM), for {@code --minutes} (10 by default) with a
 * feed-loss drill every {@code --drill-every} seconds. The JVM options are the package's
 * ({@link ProductionFlags}: the launcher's and {@code HEADROOM_JAVA_OPTS} of the service's default file), unless
 * {@code --variant NAME=OPTIONS} or {@code --compare} ask for others side by side; the benchmark adds only
 * {@code -Xlog:gc*,safepoint} to a file ({@link JvmPauses}). Figures (medians over {@code --runs}):
 * <ul>
 *   <li>{@code footprint.rss_mib}: the appliance's resident memory at the end ({@code VmRSS}), and
 *   {@code rss_peak_mib} ({@code VmHWM});</li>
 *   <li>{@code footprint.first_tick_ms}: from the moment the process was started to the first regulation tick;
 *   {@code footprint.protection_armed_ms}: to every agent holding this appliance's contingency table for every
 *   feed (seen on the agents); {@code cold_*}: the same for the first start of a state directory (before a
 *   class-data archive exists);</li>
 *   <li>{@code footprint.max_pause_ms}: the longest stop of the appliance's Java threads once protection was
 *   armed (the longest safepoint, its time to reach the safepoint included, or GC pause); {@code max_gc_pause_ms},
 *   {@code max_safepoint_ms}, {@code pauses} and {@code pause_p99_ms} (GC pauses), {@code safepoints} and
 *   {@code safepoint_p99_ms}; {@code drill_max_pause_ms}: the longest from each feed loss to 2 s after its
 *   restoration; {@code startup_max_pause_ms}: before protection was armed;</li>
 *   <li>{@code footprint.cpu_pct}: the appliance's CPU time over the window (100 % = one core);
 *   {@code footprint.heap_after_gc_mib}: the largest heap in use after a GC (collectors that report it).</li>
 * </ul>
 * Each run also prints a {@code #} line with its own figures and the machine's load average at its end: other
 * processes on the machine (and the simulated hall, in this JVM) share the cores with the appliance.
 */
public final class Footprint {

    @Command(name = "footprint", mixinStandardHelpOptions = true,
            description = "The appliance's memory, start time and pauses with its production JVM options.")
    static final class Settings {
        @Option(names = "--minutes", paramLabel = "MINUTES", defaultValue = "10", description = "length of each measured run (default ${DEFAULT-VALUE})")
        double minutes;

        @Option(names = "--nodes", paramLabel = "N", defaultValue = "1000", description = "GPU nodes (agents) in the hall (default ${DEFAULT-VALUE})")
        int nodes;

        @Option(names = "--rate", paramLabel = "RATE", defaultValue = "4800", description = "waveform samples/s per channel (default ${DEFAULT-VALUE})")
        double rateHz;

        @Option(names = "--drill-every", defaultValue = "60", paramLabel = "S", description = "a feed-loss drill every S seconds (default ${DEFAULT-VALUE})")
        double drillEveryS;

        @Option(names = "--outage", defaultValue = "6", paramLabel = "S", description = "each drill's feed stays lost S seconds (default ${DEFAULT-VALUE})")
        double outageS;

        @Option(names = "--runs", paramLabel = "N", defaultValue = "1", description = "measured runs per variant, interleaved (default ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--variant", paramLabel = "NAME=OPTIONS",
                description = "JVM options in place of HEADROOM_JAVA_OPTS (repeatable; 'shipped' = the package's; "
                        + "/var/lib/headroom is each variant's own state directory)")
        List<String> variants = new ArrayList<>();

        @Option(names = "--compare", description = "the collector and heap comparison of the README (in place of --variant)")
        boolean compare;

        @Option(names = "--java", paramLabel = "JAVA_HOME", description = "the appliance's runtime (default: this JVM's; "
                + "e.g. image-build/target/runtime/appliance-amd64, the jlink'd one)")
        Path javaHome;

        @Option(names = "--jfr", description = "record allocation samples (JFR) and print the top allocation sites")
        boolean jfr;

        @Option(names = "--nmt", description = "native memory tracking: print the appliance's committed memory by area at the end")
        boolean nmt;

        @Option(names = "--histo", description = "print the appliance's largest heap classes at the end (jcmd GC.class_histogram: a full GC)")
        boolean histo;

        @Option(names = "--keep", description = "keep the run directories (logs, GC logs, recordings)")
        boolean keep;
    }

    /**
     * JVM options to measure.
     *
     * @param prime the options of the first start in a fresh state directory (a training run), or null: the same
     */
    record Variant(String name, List<String> options, List<String> prime) {
    }

    private Footprint() {
    }

    public static void run(PrintWriter out) {
        run(List.of(), out, new PrintWriter(System.err, true));
    }

    public static int run(List<String> args, PrintWriter out, PrintWriter err) {
        Settings s = new Settings();
        CommandLine cl = new CommandLine(s);
        try {
            cl.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            err.println("perf footprint: " + e.getMessage());
            cl.usage(err);
            return 2;
        }
        if (cl.isUsageHelpRequested()) {
            cl.usage(out);
            return 0;
        }
        Level before = quiet();
        try {
            new Footprint.Runner(s, out).measure();
            return 0;
        } catch (Exception e) {
            throw new IllegalStateException("footprint: " + e.getMessage(), e);
        } finally {
            restore(before);
        }
    }

    /**
     * The collectors compared in the README, each with the shipped heap (256 MiB) and the class-data archive, and
     * the two pause-less ones again with the lean options (compact object headers, C1 only, a smaller code cache
     * and thread stacks). 2 cores: at most 2 GC threads, 1 concurrent.
     */
    static List<Variant> comparison(ProductionFlags flags) {
        String cds = " -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=/var/lib/headroom/appliance.jsa -Xlog:cds=off -Xlog:cds+dynamic=off";
        String lean = " -XX:+UseCompactObjectHeaders -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=32m -Xss512k";
        List<Variant> v = new ArrayList<>();
        v.add(new Variant("shipped", flags.javaOpts(), null)); // Serial, 64-256 MiB
        v.add(variant("parallel", "-Xms64m -Xmx256m -XX:+UseParallelGC -XX:ParallelGCThreads=2" + cds));
        v.add(variant("g1", "-Xms64m -Xmx256m -XX:+UseG1GC -XX:MaxGCPauseMillis=5 -XX:ParallelGCThreads=2 -XX:ConcGCThreads=1" + cds));
        v.add(variant("zgc", "-Xms64m -Xmx256m -XX:+UseZGC -XX:ConcGCThreads=1" + cds));
        v.add(variant("shenandoah", "-Xms64m -Xmx256m -XX:+UseShenandoahGC -XX:ParallelGCThreads=2 -XX:ConcGCThreads=1" + cds));
        v.add(variant("shenandoah-gen", "-Xms64m -Xmx256m -XX:+UseShenandoahGC -XX:ShenandoahGCMode=generational "
                + "-XX:ParallelGCThreads=2 -XX:ConcGCThreads=1" + cds));
        v.add(variant("zgc-lean", "-Xms64m -Xmx256m -XX:+UseZGC -XX:ConcGCThreads=1" + lean + cds));
        v.add(variant("shenandoah-lean", "-Xms64m -Xmx256m -XX:+UseShenandoahGC -XX:ParallelGCThreads=2 -XX:ConcGCThreads=1"
                + lean + cds));
        return v;
    }

    static Variant variant(String name, String options) {
        return new Variant(name, ProductionFlags.words(options), null);
    }

    /** {@code NAME=OPTIONS}; {@code shipped} alone is the package's. */
    static Variant parseVariant(String spec, ProductionFlags flags) {
        int eq = spec.indexOf('=');
        String name = eq < 0 ? spec : spec.substring(0, eq);
        if (!name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("--variant NAME=OPTIONS: NAME is lower-case letters, digits and '-', was '" + name + "'");
        }
        if (eq < 0) {
            if (!name.equals("shipped")) {
                throw new IllegalArgumentException("--variant " + spec + ": NAME=OPTIONS (only 'shipped' stands alone)");
            }
            return new Variant("shipped", flags.javaOpts(), null);
        }
        return variant(name, spec.substring(eq + 1));
    }

    /** What one start measured. */
    record Result(String variant, double rssMib, double rssPeakMib, double firstTickMs, double armedMs, double cpuPct,
                  JvmPauses.Log service, JvmPauses.Log drills, JvmPauses.Log startup, double heapAfterGcMib,
                  String load) {
    }

    private static final class Runner {
        private final Settings s;
        private final PrintWriter out;
        private final Path home = Path.of(System.getProperty("headroom.home", "."));
        private Path root;
        private FootprintPlant plant;

        Runner(Settings s, PrintWriter out) {
            this.s = s;
            this.out = out;
        }

        void measure() throws Exception {
            ProductionFlags flags = ProductionFlags.read(home);
            List<Variant> variants = new ArrayList<>();
            if (s.compare) {
                variants.addAll(comparison(flags));
            }
            for (String v : s.variants) {
                variants.add(parseVariant(v, flags));
            }
            if (variants.isEmpty()) {
                variants.add(new Variant("shipped", flags.javaOpts(), null));
            }
            Path java = (s.javaHome != null ? s.javaHome : Path.of(System.getProperty("java.home"))).resolve("bin/java");
            root = Files.createTempDirectory("headroom-footprint");
            out.printf(Locale.ROOT, "# footprint: %d nodes, %d waveform streams at %.0f S/s, %.1f min per run, a feed "
                            + "lost every %.0f s for %.0f s, %d run(s) per variant; appliance runtime %s; launcher options %s; "
                            + "load %s; files in %s%n", s.nodes, FootprintPlant.FEEDS.size(), s.rateHz, s.minutes,
                    s.drillEveryS, s.outageS, s.runs, java, String.join(" ", flags.launcher()), load(), root);
            out.flush();
            Map<String, List<Result>> results = new LinkedHashMap<>();
            Map<String, Result> cold = new LinkedHashMap<>();
            try (FootprintPlant p = FootprintPlant.start(root.resolve("plant"), s.nodes, 42, Bench.STEP_MS)) {
                plant = p;
                for (Variant v : variants) {
                    out.printf("# %s: %s%n", v.name(), String.join(" ", v.options()));
                    Result c = start(java, flags, v, true, 0);
                    cold.put(v.name(), c);
                    out.printf(Locale.ROOT, "# %s cold start (fresh state directory): first tick %.0f ms, protection armed %.0f ms%n",
                            v.name(), c.firstTickMs(), c.armedMs());
                    out.flush();
                }
                for (int r = 1; r <= s.runs; r++) {
                    for (Variant v : variants) {
                        Result res = start(java, flags, v, false, r);
                        results.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(res);
                        printRun(res, r);
                    }
                }
            }
            for (Variant v : variants) {
                printFigures(v.name(), variants.size() == 1 ? "" : "." + v.name(), results.get(v.name()), cold.get(v.name()));
            }
            if (!s.keep) {
                deleteTree(root);
            }
            out.println("footprint done");
            out.flush();
        }

        /**
         * One start of the appliance with {@code v}'s options: {@code prime} is the first start in the variant's
         * state directory (stopped once armed, so that what the JVM writes at exit is there for the next ones);
         * otherwise a measured run of {@code --minutes} with drills.
         */
        Result start(Path java, ProductionFlags flags, Variant v, boolean prime, int run) throws Exception {
            Path state = root.resolve(v.name());
            Path dir = state.resolve(prime ? "cold" : "run-" + run);
            Files.createDirectories(dir);
            List<String> cmd = new ArrayList<>();
            cmd.add(java.toString());
            cmd.addAll(flags.options(prime && v.prime() != null ? v.prime() : v.options(), state));
            cmd.add(JvmPauses.logOption(dir.resolve("gc.log")));
            if (s.jfr && !prime) {
                cmd.add("-XX:StartFlightRecording=filename=" + dir.resolve("alloc.jfr") + ",settings=profile");
            }
            if (s.nmt && !prime) {
                cmd.add("-XX:NativeMemoryTracking=summary");
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FootprintAppliance.class.getName(),
                    "--site", plant.siteFile().toString(), "--data", state.resolve("data").toString()));
            Map<String, InetSocketAddress> frontEnd = plant.plant().waveformSources(s.rateHz);
            for (int f = 0; f < FootprintPlant.FEEDS.size(); f++) {
                String feed = FootprintPlant.FEEDS.get(f);
                InetSocketAddress from = frontEnd.get(feed);
                cmd.addAll(List.of("--waveform", feed + "," + (f + 1) + "," + s.rateHz + ","
                        + from.getAddress().getHostAddress() + ":" + from.getPort()));
            }
            ContingencyTable[] before = plant.tables();
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(state.toFile()).redirectErrorStream(true);
            long spawn = System.nanoTime();
            Process proc = pb.start();
            Child child = new Child(proc, dir.resolve("appliance.log"));
            try {
                long armed = 0;
                long deadline = spawn + TimeUnit.SECONDS.toNanos(ARM_WITHIN_S);
                while (armed == 0) {
                    if (plant.allArmedSince(before)) {
                        armed = System.nanoTime();
                    } else if (!proc.isAlive()) {
                        throw new IllegalStateException(v.name() + ": the appliance exited with " + proc.exitValue()
                                + "; its log: " + dir.resolve("appliance.log"));
                    } else if (System.nanoTime() > deadline) {
                        // an overloaded machine: measured all the same, armed reported as not reached (NaN)
                        out.printf("# %s: not every agent armed within %d s (%d of %d); log %s%n", v.name(),
                                ARM_WITHIN_S, plant.armedSince(before), plant.agentCount(), dir.resolve("appliance.log"));
                        armed = -1;
                    } else {
                        Thread.sleep(0, 500_000); // polling the agents, 0.5 ms resolution
                    }
                }
                boolean armedInTime = armed > 0;
                if (!armedInTime) {
                    armed = System.nanoTime();
                }
                if (!child.up.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(v.name() + ": the appliance did not report its first tick; log "
                            + dir.resolve("appliance.log"));
                }
                double firstTickMs = (child.firstTickNanos - spawn) / 1e6;
                double armedMs = armedInTime ? (armed - spawn) / 1e6 : Double.NaN;
                if (prime) {
                    Thread.sleep(5_000); // a little service after arming, as the archive would see on a module
                    child.stop(STOP_WAIT_S);
                    return new Result(v.name(), Double.NaN, Double.NaN, firstTickMs, armedMs, Double.NaN, null, null,
                            null, Double.NaN, load());
                }
                Map<String, InetSocketAddress> targets = new LinkedHashMap<>(child.waveforms);
                plant.plant().streamWaveforms(targets, s.rateHz);
                long cpu0 = cpuTicks(proc.pid());
                long windowStart = System.nanoTime();
                long windowEnd = windowStart + (long) (s.minutes * 60e9);
                List<long[]> drills = new ArrayList<>();
                int next = 0;
                long drillAt = windowStart + (long) (Math.min(s.drillEveryS / 2, 30) * 1e9);
                while (System.nanoTime() < windowEnd) {
                    if (!proc.isAlive()) {
                        throw new IllegalStateException(v.name() + ": the appliance exited with " + proc.exitValue()
                                + "; log " + dir.resolve("appliance.log"));
                    }
                    long now = System.nanoTime();
                    if (now >= drillAt && now + (long) ((s.outageS + 2) * 1e9) < windowEnd) {
                        String feed = FootprintPlant.FEEDS.get(next++ % FootprintPlant.FEEDS.size());
                        plant.plant().setFeedUp(feed, false);
                        long lost = System.nanoTime();
                        Thread.sleep((long) (s.outageS * 1000));
                        plant.plant().setFeedUp(feed, true);
                        drills.add(new long[]{lost, System.nanoTime() + 2_000_000_000L});
                        drillAt += (long) (s.drillEveryS * 1e9);
                    } else {
                        Thread.sleep(Math.max(1, Math.min(1000, (Math.min(drillAt, windowEnd) - now) / 1_000_000)));
                    }
                }
                long end = System.nanoTime();
                double cpuPct = (cpuTicks(proc.pid()) - cpu0) / 100.0 / ((end - windowStart) / 1e9) * 100;
                long[] rss = rssKib(proc.pid());
                String nmt = s.nmt ? jcmd(proc.pid(), "VM.native_memory", "summary") : null;
                if (s.histo) {
                    String histo = jcmd(proc.pid(), "GC.class_histogram");
                    Files.writeString(dir.resolve("histo.txt"), histo);
                    histo.lines().limit(30).forEach(l -> out.printf("# %s histo %s%n", v.name(), l.strip()));
                }
                String load = load();
                child.stop(STOP_WAIT_S);
                JvmPauses.Log log = JvmPauses.read(dir.resolve("gc.log"));
                List<JvmPauses.Pause> inDrills = new ArrayList<>();
                for (long[] d : drills) {
                    inDrills.addAll(log.between(d[0], d[1]).pauses());
                }
                if (nmt != null) {
                    Files.writeString(dir.resolve("nmt.txt"), nmt);
                    printNmt(v.name(), nmt);
                }
                if (s.jfr) {
                    AllocationSites.print(dir.resolve("alloc.jfr"), v.name(), out);
                }
                double heapAfter = Arrays.stream(log.heapAfterMib()).max().orElse(Double.NaN);
                return new Result(v.name(), rss[0] / 1024.0, rss[1] / 1024.0, firstTickMs, armedMs, cpuPct,
                        log.between(armed, end), new JvmPauses.Log(inDrills, new double[0]), log.between(spawn, armed),
                        heapAfter, load);
            } finally {
                if (proc.isAlive()) {
                    proc.destroyForcibly();
                    proc.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }

        private static final int STOP_WAIT_S = 60;
        private static final int ARM_WITHIN_S = 180;

        void printRun(Result r, int run) {
            JvmPauses.Pause worst = r.service().longest();
            out.printf(Locale.ROOT, "# %s run %d: rss %.1f MiB (peak %.1f), first tick %.0f ms, armed %.0f ms, "
                            + "%d GC pauses (p99 %.3f ms, max %.3f ms), %d safepoints (p99 %.3f ms, max %.3f ms), longest: %s, "
                            + "in drills %.3f ms, before armed %.3f ms, cpu %.1f %%, heap after GC %.1f MiB, load %s%n",
                    r.variant(), run, r.rssMib(), r.rssPeakMib(), r.firstTickMs(), r.armedMs(),
                    r.service().gcPauses().count(), r.service().gcPauses().p99(), r.service().gcPauses().max(),
                    r.service().safepoints().count(), r.service().safepoints().p99(), r.service().safepoints().max(),
                    worst == null ? "none" : worst.what() + " " + String.format(Locale.ROOT, "%.3f ms", worst.ms()),
                    maxMs(r.drills()), maxMs(r.startup()), r.cpuPct(), r.heapAfterGcMib(), r.load());
            out.flush();
        }

        void printFigures(String name, String suffix, List<Result> rs, Result cold) {
            figure("rss_mib" + suffix, rs, Result::rssMib, "MiB", 1);
            figure("rss_peak_mib" + suffix, rs, Result::rssPeakMib, "MiB", 1);
            figure("first_tick_ms" + suffix, rs, Result::firstTickMs, "ms", 0);
            figure("protection_armed_ms" + suffix, rs, Result::armedMs, "ms", 0);
            figure("max_pause_ms" + suffix, rs, r -> maxMs(r.service()), "ms", 3);
            figure("max_gc_pause_ms" + suffix, rs, r -> r.service().gcPauses().max(), "ms", 3);
            figure("max_safepoint_ms" + suffix, rs, r -> r.service().safepoints().max(), "ms", 3);
            figure("pauses" + suffix, rs, r -> r.service().gcPauses().count(), "count", 0);
            figure("pause_p99_ms" + suffix, rs, r -> r.service().gcPauses().p99(), "ms", 3);
            figure("safepoints" + suffix, rs, r -> r.service().safepoints().count(), "count", 0);
            figure("safepoint_p99_ms" + suffix, rs, r -> r.service().safepoints().p99(), "ms", 3);
            figure("drill_max_pause_ms" + suffix, rs, r -> maxMs(r.drills()), "ms", 3);
            figure("startup_max_pause_ms" + suffix, rs, r -> maxMs(r.startup()), "ms", 3);
            figure("cpu_pct" + suffix, rs, Result::cpuPct, "%", 1);
            figure("heap_after_gc_mib" + suffix, rs, Result::heapAfterGcMib, "MiB", 1);
            out.printf(Locale.ROOT, "footprint.cold_first_tick_ms%s %.0f ms%n", suffix, cold.firstTickMs());
            out.printf(Locale.ROOT, "footprint.cold_protection_armed_ms%s %.0f ms%n", suffix, cold.armedMs());
            out.flush();
        }

        void figure(String figure, List<Result> rs, ToDoubleFunction<Result> f, String unit, int decimals) {
            double[] v = rs.stream().mapToDouble(f).sorted().toArray();
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            out.printf(Locale.ROOT, "footprint.%s %." + decimals + "f %s%n", figure, median, unit);
        }

        void printNmt(String variant, String nmt) {
            for (String line : nmt.split("\n")) {
                String l = line.strip();
                if (l.startsWith("Total:") || (l.startsWith("-") && l.contains("committed="))) {
                    out.printf("# %s nmt %s%n", variant, l.replaceAll("\\s+", " "));
                }
            }
        }
    }

    static double maxMs(JvmPauses.Log log) {
        JvmPauses.Pause p = log.longest();
        return p == null ? 0 : p.ms();
    }

    /** The child's output: its markers, and everything into a log file (the pipe is always drained). */
    private static final class Child {
        final Process proc;
        final Map<String, InetSocketAddress> waveforms = new ConcurrentHashMap<>();
        final CountDownLatch up = new CountDownLatch(1);
        volatile long firstTickNanos;
        private final Thread reader;

        Child(Process proc, Path logFile) {
            this.proc = proc;
            this.reader = Thread.ofPlatform().daemon().name("footprint-child-" + proc.pid()).start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8));
                     PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        log.println(line);
                        String[] w = line.split(" ");
                        if (w.length == 3 && w[0].equals("waveform")) {
                            int colon = w[2].lastIndexOf(':');
                            waveforms.put(w[1], new InetSocketAddress(w[2].substring(0, colon),
                                    Integer.parseInt(w[2].substring(colon + 1))));
                        } else if (w.length == 3 && w[0].equals("first-tick")) {
                            firstTickNanos = Long.parseLong(w[1]);
                        } else if (line.equals("up")) {
                            up.countDown();
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        /** Closes its standard input (its stop) and waits for it to exit; kills it after {@code seconds}. */
        void stop(int seconds) throws IOException, InterruptedException {
            proc.getOutputStream().close();
            if (!proc.waitFor(seconds, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                proc.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5_000);
        }
    }

    /** VmRSS and VmHWM of a process, KiB. */
    static long[] rssKib(long pid) throws IOException {
        long rss = -1;
        long hwm = -1;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return new long[]{rss, hwm};
    }

    /** utime + stime of a process, clock ticks (1/100 s on Linux). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The machine's load averages (1, 5, 15 min). */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return text;
    }

    static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The plant and agents log errors only: 1,000 agents' handshakes and leases are not news. */
    private static Level quiet() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel();
        root.setLevel(Level.ERROR);
        ((Logger) LoggerFactory.getLogger("org.eclipse.californium")).setLevel(Level.ERROR);
        return before;
    }

    private static void restore(Level before) {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(before);
    }
}
