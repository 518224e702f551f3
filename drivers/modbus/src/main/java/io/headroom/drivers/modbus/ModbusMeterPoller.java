package io.headroom.drivers.modbus;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Polls one meter over Modbus TCP on its own thread: reads the profile's contiguous register block every
 * interval, decodes it and publishes the latest {@link MeterReading}. A failing meter backs off
 * (doubling from the interval to {@link #MAX_BACKOFF_MS}) and is reconnected; it never throws to its caller.
 * Readers call {@link #latest()} at any time without blocking.
 */
public final class ModbusMeterPoller implements AutoCloseable {

    static final long MAX_BACKOFF_MS = 5_000;
    private static final Logger log = LoggerFactory.getLogger(ModbusMeterPoller.class);

    private final String source;
    private final String host;
    private final int port;
    private final int unitId;
    private final RegisterMap map;
    private final long intervalMs;
    private final int timeoutMs;
    private final Clock utc;
    private final AtomicReference<MeterReading> latest = new AtomicReference<>();
    private final ScheduledExecutorService thread;
    private ModbusTCPMaster master;
    private long backoffMs;
    private long reads;
    private long failures;

    public ModbusMeterPoller(String source, String host, int port, int unitId, RegisterMap map, long intervalMs,
                             int timeoutMs, Clock utc) {
        this.source = source;
        this.host = host;
        this.port = port;
        this.unitId = unitId;
        this.map = map;
        this.intervalMs = intervalMs;
        this.timeoutMs = timeoutMs;
        this.utc = utc;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "modbus-" + source);
            t.setDaemon(true);
            return t;
        });
        latest.set(MeterReading.error(source, map, System.nanoTime(), utc.instant(), "not read yet"));
    }

    public void start() {
        thread.execute(this::pollOnce);
    }

    /** The most recent reading (possibly an ERROR reading); never null. */
    public MeterReading latest() {
        return latest.get();
    }

    public long reads() {
        return reads;
    }

    public long failures() {
        return failures;
    }

    private void pollOnce() {
        long started = System.nanoTime();
        try {
            if (master == null || !master.isConnected()) {
                master = new ModbusTCPMaster(host, port, timeoutMs, false);
                master.setRetries(0);
                master.connect();
            }
            Register[] regs = master.readMultipleRegisters(unitId, map.firstAddress(), map.length());
            if (regs.length != map.length()) {
                throw new IllegalStateException("short response: " + regs.length + " of " + map.length() + " registers");
            }
            int[] words = new int[regs.length];
            for (int i = 0; i < regs.length; i++) {
                words[i] = regs[i].getValue();
            }
            double[] values = new double[map.points().size()];
            boolean plausible = true;
            for (int i = 0; i < values.length; i++) {
                values[i] = map.decode(i, words);
                plausible &= Double.isFinite(values[i]);
            }
            latest.set(new MeterReading(source, map, values, System.nanoTime(), Instant.now(utc),
                    plausible ? Quality.GOOD : Quality.OUT_OF_RANGE, plausible ? null : "non-finite value"));
            reads++;
            backoffMs = 0;
        } catch (Exception e) {
            failures++;
            backoffMs = backoffMs == 0 ? intervalMs : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            if (failures == 1 || Long.bitCount(failures) == 1) {
                log.warn("meter {} at {}:{} unit {}: {} (failure {}, next try in {} ms)", source, host, port, unitId,
                        e.getMessage(), failures, backoffMs);
            }
            latest.set(MeterReading.error(source, map, System.nanoTime(), Instant.now(utc), String.valueOf(e.getMessage())));
            disconnectQuietly();
        }
        if (!thread.isShutdown()) {
            long next = backoffMs > 0 ? backoffMs : Math.max(0, intervalMs - (System.nanoTime() - started) / 1_000_000);
            thread.schedule(this::pollOnce, next, TimeUnit.MILLISECONDS);
        }
    }

    private void disconnectQuietly() {
        if (master != null) {
            try {
                master.disconnect();
            } catch (RuntimeException ignored) {
                // already broken
            }
            master = null;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        disconnectQuietly();
    }
}
