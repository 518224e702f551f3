package io.headroom.hil.perf;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.headroom.appliance.campus.CampusCoordinator;
import io.headroom.appliance.campus.CampusKeys;
import io.headroom.appliance.campus.CampusMember;
import io.headroom.appliance.campus.CampusSplit;
import io.headroom.appliance.campus.EtcdClient;
import io.headroom.appliance.clock.MonotonicClock;
import io.headroom.appliance.site.Campus;
import io.headroom.appliance.site.CampusLoader;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.OpenAdrSettings;
import io.headroom.appliance.site.Site;
import io.headroom.grid.CommitmentBook;
import io.headroom.testsupport.EtcdCluster;

/**
 * {@code campus-split}: a campus of N simulated appliances (default 100) on a real 3-member etcd cluster, each
 * publishing its report every second (its demand a seeded random walk) and reading its budget four times a round,
 * as an appliance's campus side does; three of them are candidates, one coordinates. Figures:
 * {@code campus-split.round_p50} / {@code .round_p99} / {@code .round_max} (ms: a coordinator round: read every report
 * and the DR commitment, split, write every budget in one fenced transaction), {@code .failover_ms} (the median of
 * three coordinator crashes to the next coordinator's first budgets written) and {@code .failover_max_ms},
 * {@code .etcd_writes_per_s} (committed etcd revisions per second: each report put, each budget transaction),
 * {@code .budget_keys_per_s} (budget keys written per second). The simulated appliances share one HTTP client and
 * a pool of 4 threads; nothing here asserts a speed.
 */
public final class CampusSplitPerf {

    private CampusSplitPerf() {
    }

    public static void run(PrintWriter out) {
        run(List.of(), out, new PrintWriter(System.err, true));
    }

    public static int run(List<String> options, PrintWriter out, PrintWriter err) {
        int n = 100;
        int seconds = 30;
        for (int i = 0; i < options.size(); i++) {
            switch (options.get(i)) {
                case "--appliances" -> n = Integer.parseInt(options.get(++i));
                case "--seconds" -> seconds = Integer.parseInt(options.get(++i));
                default -> {
                    err.println("perf campus-split: options: --appliances N (default 100), --seconds S (default 30)");
                    return 2;
                }
            }
        }
        if (!EtcdCluster.available()) {
            err.println("perf campus-split: needs etcd at " + EtcdCluster.binary() + " (apt-get install etcd-server)");
            return 4;
        }
        try {
            measure(n, seconds, out, err);
            return 0;
        } catch (Exception e) {
            err.println("perf campus-split: " + e);
            return 4;
        }
    }

    private static void measure(int n, int seconds, PrintWriter out, PrintWriter err) throws Exception {
        Path dir = Files.createTempDirectory("campus-split");
        MonotonicClock mono = System::nanoTime;
        try (EtcdCluster etcd = EtcdCluster.start(dir, 3)) {
            Site site = CampusLoader.load(io.headroom.hil.campus.CampusPaths.exampleCampus()).appliances().getFirst().site();
            List<Campus.Member> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                members.add(new Campus.Member(String.format(Locale.ROOT, "a%03d", i), Path.of("sim"), site, 90_000));
            }
            List<Endpoint> eps = etcd.endpoints().stream().map(e -> new Endpoint("127.0.0.1",
                    Integer.parseInt(e.substring(e.indexOf(':') + 1)))).toList();
            Campus campus = new Campus("perf", n * 100_000.0, 0, OpenAdrSettings.disabled(),
                    new Campus.Etcd(eps, "/perf", 3000, io.headroom.appliance.site.CampusLoader.defaultBudgetTtl(3000, 1000), 1000, null), members);
            EtcdClient shared = EtcdClient.of(campus.etcd(), Duration.ofSeconds(2));
            ScheduledExecutorService pool = Executors.newScheduledThreadPool(4,
                    Thread.ofPlatform().daemon().name("sim-appliance-", 0).factory());
            Random r = new Random(20);
            List<CampusMember> sims = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                double[] demand = {60_000 + r.nextDouble() * 50_000};
                long seed = r.nextLong();
                Random walk = new Random(seed);
                CampusMember m = new CampusMember(campus, members.get(i).id(), shared, new CommitmentBook(), () -> {
                    demand[0] = Math.clamp(demand[0] + walk.nextGaussian() * 3000, 20_000, 113_600);
                    return new CampusSplit.Report(demand[0], demand[0] * 0.25, demand[0] * 0.4, true, 1500);
                }, mono, Clock.systemUTC(), null);
                sims.add(m);
                long offset = r.nextInt(1000);
                pool.scheduleAtFixedRate(m::publish, offset, 1000, TimeUnit.MILLISECONDS);
                pool.scheduleAtFixedRate(m::poll, offset + 100, 250, TimeUnit.MILLISECONDS);
            }
            ConcurrentLinkedQueue<Long> rounds = new ConcurrentLinkedQueue<>();
            AtomicLong budgetKeys = new AtomicLong();
            AtomicLong firstRoundAt = new AtomicLong();
            List<CampusCoordinator> candidates = new ArrayList<>();
            List<ScheduledExecutorService> leaseThreads = new ArrayList<>();
            boolean[] alive = {true, true, true};
            for (int k = 0; k < 3; k++) {
                int index = k;
                EtcdClient own = EtcdClient.of(campus.etcd(), Duration.ofSeconds(2));
                CampusCoordinator c = new CampusCoordinator(campus, members.get(k).id(), own, mono,
                        new CampusCoordinator.Listener() {
                            @Override
                            public void elected(String id, long term) {
                            }

                            @Override
                            public void deposed(String id, String why) {
                            }

                            @Override
                            public void round(long revision, CampusSplit.Result result, long tookNs) {
                                if (!alive[index]) {
                                    return; // a crashed coordinator's last round in flight: not the next one's
                                }
                                rounds.add(tookNs);
                                budgetKeys.addAndGet(result.budgetsW().size());
                                firstRoundAt.compareAndSet(0, mono.nanos());
                            }
                        });
                candidates.add(c);
                ScheduledExecutorService lease = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().daemon().factory());
                lease.scheduleWithFixedDelay(c::keepAlive, 0, 1000, TimeUnit.MILLISECONDS);
                leaseThreads.add(lease);
                Thread.ofPlatform().daemon().name("candidate-" + k).start(c);
            }
            err.printf("perf campus-split: %d simulated appliances on etcd %s; warming up%n", n, etcd.endpoints());
            err.flush();
            waitFor(() -> sims.stream().noneMatch(m -> m.status().fallback()), 60);
            // steady state: rounds and writes over the measured seconds
            rounds.clear();
            budgetKeys.set(0);
            long rev0 = shared.put("/perf-probe", "0", 0);
            long t0 = mono.nanos();
            Thread.sleep(seconds * 1000L); // the measurement's span: real time
            long rev1 = shared.put("/perf-probe", "1", 0);
            double spanS = (mono.nanos() - t0) / 1e9;
            long[] ms = rounds.stream().mapToLong(Long::longValue).sorted().toArray();
            double writes = (rev1 - rev0 - 1) / spanS;
            double keysPerS = budgetKeys.get() / spanS;
            // failovers: the coordinator crashes (no resignation), the next one's first budgets written
            List<Double> failovers = new ArrayList<>();
            for (int f = 0; f < 3; f++) {
                int lead = -1;
                for (int k = 0; k < candidates.size(); k++) {
                    if (candidates.get(k) != null && candidates.get(k).isLeader()) {
                        lead = k;
                    }
                }
                if (lead < 0 || candidates.stream().filter(x -> x != null).count() < 2) {
                    break;
                }
                CampusCoordinator dead = candidates.get(lead);
                alive[lead] = false;
                firstRoundAt.set(0);
                long killed = mono.nanos();
                dead.abandon();
                leaseThreads.get(lead).shutdownNow();
                candidates.set(lead, null);
                // the dead one's rounds stop with it; the next's first round is the failover
                waitFor(() -> firstRoundAt.get() != 0 && candidates.stream().anyMatch(x -> x != null && x.isLeader()), 30);
                failovers.add((firstRoundAt.get() - killed) / 1e6);
                // a fresh candidate in its place, so the next crash has someone to fail over to
                int slot = lead;
                EtcdClient own = EtcdClient.of(campus.etcd(), Duration.ofSeconds(2));
                CampusCoordinator c = new CampusCoordinator(campus, members.get(3 + f).id(), own, mono,
                        new CampusCoordinator.Listener() {
                            @Override
                            public void elected(String id, long term) {
                            }

                            @Override
                            public void deposed(String id, String why) {
                            }

                            @Override
                            public void round(long revision, CampusSplit.Result result, long tookNs) {
                                if (alive[slot]) {
                                    firstRoundAt.compareAndSet(0, mono.nanos());
                                }
                            }
                        });
                alive[lead] = true;
                ScheduledExecutorService lease = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().daemon().factory());
                lease.scheduleWithFixedDelay(c::keepAlive, 0, 1000, TimeUnit.MILLISECONDS);
                leaseThreads.set(lead, lease);
                candidates.set(lead, c);
                Thread.ofPlatform().daemon().start(c);
                Thread.sleep(2000); // let the new candidate campaign before the next crash
            }
            double[] fo = failovers.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.printf(Locale.ROOT, "campus-split.appliances %d count%n", n);
            out.printf(Locale.ROOT, "campus-split.rounds %d count%n", ms.length);
            out.printf(Locale.ROOT, "campus-split.round_p50 %.1f ms%n", pct(ms, 0.50) / 1e6);
            out.printf(Locale.ROOT, "campus-split.round_p99 %.1f ms%n", pct(ms, 0.99) / 1e6);
            out.printf(Locale.ROOT, "campus-split.round_max %.1f ms%n", ms.length == 0 ? Double.NaN : ms[ms.length - 1] / 1e6);
            out.printf(Locale.ROOT, "campus-split.failover_ms %.0f ms%n", fo.length == 0 ? Double.NaN : fo[fo.length / 2]);
            out.printf(Locale.ROOT, "campus-split.failover_max_ms %.0f ms%n", fo.length == 0 ? Double.NaN : fo[fo.length - 1]);
            out.printf(Locale.ROOT, "campus-split.etcd_writes_per_s %.1f 1/s%n", writes);
            out.printf(Locale.ROOT, "campus-split.budget_keys_per_s %.1f 1/s%n", keysPerS);
            out.println("campus-split done");
            out.flush();
            for (CampusCoordinator c : candidates) {
                if (c != null) {
                    c.stop();
                }
            }
            leaseThreads.forEach(ScheduledExecutorService::shutdownNow);
            pool.shutdownNow();
            shared.close();
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, int seconds) throws Exception {
        for (int i = 0; i < seconds * 20; i++) {
            if (cond.getAsBoolean()) {
                return;
            }
            Thread.sleep(50); // polling what the simulated campus shows
        }
        throw new IllegalStateException("not within " + seconds + " s");
    }
}
