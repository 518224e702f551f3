package io.headroom.hil;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.site.Feed;

import java.util.ArrayDeque;
import java.util.Locale;

/**
 * A flight recorder for the bench: every {@code periodMs} it notes the plant's feed loads (fraction of each feed's
 * limit), GPU power and caps, the banks' power, and the appliance's decision for each group, keeping the last
 * {@code capacity} lines. A failing bench test puts {@link #tail} in its message, so that a failure seen only on
 * a loaded CI machine explains itself.
 */
public final class BenchRecorder implements AutoCloseable {

    private final Bench bench;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final int capacity;
    private final Thread thread;

    private BenchRecorder(Bench bench, long periodMs, int capacity) {
        this.bench = bench;
        this.capacity = capacity;
        this.thread = Thread.ofPlatform().daemon().name("bench-recorder").unstarted(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    record();
                    Thread.sleep(periodMs); // the sampling period, not a wait for anything
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Starts recording every {@code periodMs}, keeping the last {@code capacity} samples. */
    public static BenchRecorder start(Bench bench, long periodMs, int capacity) {
        BenchRecorder r = new BenchRecorder(bench, periodMs, capacity);
        r.thread.start();
        return r;
    }

    private void record() {
        Plant p = bench.plant();
        StringBuilder b = new StringBuilder(256);
        b.append(String.format(Locale.ROOT, "t=%7.2f feeds", p.nowS()));
        for (Feed f : bench.appliance().site().feeds()) {
            b.append(String.format(Locale.ROOT, " %s=%.3f", f.id(), p.feedCurrentA(f.id()) / f.limitA()));
        }
        double gpuW = 0;
        double capW = 0;
        for (PlantNode n : p.nodes()) {
            gpuW += n.gpuPowerW();
            capW += n.limitPerGpuW() * n.gpuCount();
        }
        b.append(String.format(Locale.ROOT, " gpu=%.1fkW caps=%.1fkW banks", gpuW / 1000, capW / 1000));
        for (PlantBank bank : p.banks()) {
            b.append(String.format(Locale.ROOT, " %.1f", bank.powerW() / 1000));
        }
        b.append("kW");
        SiteState s = bench.appliance().state();
        if (s != null) {
            b.append(" | tick ").append(s.tick());
            for (GroupDecision d : s.decisions()) {
                b.append(String.format(Locale.ROOT, " %s allowed=%.1fkW measured=%.1fkW nonGpu=%.1fkW budget=%.1fkW (%s)",
                        d.groupId(), d.allowedGroupW() / 1000, d.measuredGroupW() / 1000, d.nonGpuW() / 1000,
                        d.gpuBudgetW() / 1000, d.binding()));
            }
        }
        synchronized (lines) {
            lines.addLast(b.toString());
            while (lines.size() > capacity) {
                lines.removeFirst();
            }
        }
    }

    /** The recorded samples, oldest first, one per line. */
    public String tail() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
