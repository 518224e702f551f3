package io.headroom.drivers.modbus;

import io.headroom.common.Doubling;

import com.ghgande.j2mod.modbus.ModbusSlaveException;
import com.ghgande.j2mod.modbus.facade.AbstractModbusMaster;
import com.ghgande.j2mod.modbus.facade.ModbusSerialMaster;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The single scheduler of one Modbus bus (a TCP endpoint or gateway, or an RTU serial line). One thread drives
 * every transaction, so the line is never driven concurrently, and it paces them: silence of
 * {@link BusConfig#interFrameGap()} between transactions, plus {@link BusConfig#unitIdChangeDelay()} when the
 * unit id changes; each device is scanned at most every {@link DeviceConfig#minInterval()}, earliest due first.
 * <p>
 * A device that fails (timeout after retries, exception response, short or garbled frame) gets an ERROR
 * reading and backs off: its next attempt is a <em>probe</em> (its first block, no retries) after an interval
 * that doubles from its scan interval up to {@link BusConfig#maxBackoff()}; while it backs off the others keep
 * their rate, and a dead device costs the bus at most one timeout per backoff. Nothing is thrown out of the
 * scheduler. Jobs ({@link #submit}: writes, discovery) run before the next scan.
 */
public final class ModbusBus implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModbusBus.class);
    static final long MIN_BACKOFF_NANOS = 50_000_000L;

    /** A unit of work run on the bus thread with paced I/O. */
    @FunctionalInterface
    public interface Job<T> {
        T run(BusIo io) throws Exception;
    }

    /** Observes every transaction (tests check pacing with it; the bench counts with it). Called on the bus thread. */
    public interface FrameListener {
        void onFrame(int unitId, int function, int address, int count, long startNanos, long endNanos, boolean ok);
    }

    /**
     * Observes every device scan (all its blocks, retries included), successful or failed: per-device poll latency
     * and errors for metrics, without the driver knowing about them. Called on the bus thread after the scan: must
     * return at once and not throw (a throw is logged and ignored).
     */
    @FunctionalInterface
    public interface PollListener {
        /**
         * @param device        the device scanned
         * @param durationNanos from the start of its first transaction (pacing included) to the end of its last
         * @param ok            whether the scan produced a reading (false: timeout, exception response, bad frame)
         */
        void onPoll(Device device, long durationNanos, boolean ok);

        PollListener NONE = (d, n, ok) -> { };
    }

    /** A device's health as the scheduler sees it. */
    public enum Health { UNKNOWN, HEALTHY, BACKING_OFF }

    /** One device on this bus: its latest reading and counters. Read from any thread. */
    public static final class Device {
        private final DeviceConfig config;
        private final long intervalNanos;
        private volatile RegisterMap map;
        private volatile MeterReading latest;
        private volatile Health health = Health.UNKNOWN;
        private volatile long scans;
        private volatile long failures;
        private volatile long probes;
        private volatile String lastError;
        private long nextDueNanos;
        private long lastStartNanos;
        private int consecutiveFailures;
        private long backoffNanos;

        Device(DeviceConfig config, Clock utc, long nowNanos) {
            this.config = config;
            this.map = config.map();
            this.intervalNanos = config.minInterval().toNanos();
            this.latest = MeterReading.error(config.id(), map, nowNanos, utc.instant(), "not read yet");
        }

        public String id() {
            return config.id();
        }

        public int unitId() {
            return config.unitId();
        }

        /** The register map (after discovery for a SunSpec device; null until then). */
        public RegisterMap map() {
            return map;
        }

        /** The most recent reading (possibly an ERROR reading); never null. */
        public MeterReading latest() {
            return latest;
        }

        public Health health() {
            return health;
        }

        /** Successful scans. */
        public long scans() {
            return scans;
        }

        /** Failed scans and probes. */
        public long failures() {
            return failures;
        }

        /** Probes sent while backing off. */
        public long probes() {
            return probes;
        }

        public String lastError() {
            return lastError;
        }
    }

    private record Pending<T>(Job<T> job, CompletableFuture<T> result) {
        void run(BusIo io) {
            try {
                result.complete(job.run(io));
            } catch (Exception | LinkageError | AssertionError e) {
                result.completeExceptionally(e);
            }
        }
    }

    private final BusConfig config;
    private final Clock utc;
    private final LongSupplier nanoTime;
    private final List<Device> devices = new ArrayList<>();
    private final BlockingQueue<Pending<?>> jobs = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final long gapNanos;
    private final long unitChangeNanos;
    private final Io io = new Io();
    private volatile boolean running;
    /** Driven by {@link #runDue} (virtual time) rather than by its thread; the caller doing so now. */
    private boolean stepped;
    private volatile Thread stepper;
    private volatile FrameListener listener;
    private volatile PollListener pollListener = PollListener.NONE;
    private AbstractModbusMaster master;
    private long lastFrameEndNanos;
    private int lastUnit = -1;
    private volatile long frames;

    /**
     * @param utc      stamps each reading's {@link MeterReading#acquiredAt}
     * @param nanoTime the caller's monotonic clock, ns: each reading's {@link MeterReading#acquiredNanos}, the scan
     *                 schedule, the pacing and the backoff are on it (the reader compares ages with the same clock)
     */
    public ModbusBus(BusConfig config, Clock utc, LongSupplier nanoTime) {
        this.config = config;
        this.utc = utc;
        this.nanoTime = java.util.Objects.requireNonNull(nanoTime, "nanoTime");
        long gap = config.interFrameGap().toNanos();
        if (config.transport() instanceof Transport.Rtu rtu) {
            gap = Math.max(gap, rtu.charNanos() * 35 / 10); // never below the 3.5-character RTU silence
        }
        this.gapNanos = gap;
        this.unitChangeNanos = config.unitIdChangeDelay().toNanos();
        this.thread = new Thread(this::loop, "modbus-" + config.id());
        this.thread.setDaemon(true);
    }

    public BusConfig config() {
        return config;
    }

    /** Adds a device; only before {@link #start()}. */
    public synchronized Device add(DeviceConfig d) {
        if (running) {
            throw new IllegalStateException("bus " + config.id() + ": add devices before start");
        }
        for (Device x : devices) {
            if (x.id().equals(d.id())) {
                throw new IllegalArgumentException("bus " + config.id() + ": device " + d.id() + " added twice");
            }
        }
        Device dev = new Device(d, utc, nanoTime.getAsLong());
        devices.add(dev);
        return dev;
    }

    public List<Device> devices() {
        return List.copyOf(devices);
    }

    public void setFrameListener(FrameListener l) {
        this.listener = l;
    }

    /** Told about every device scan (null: none); any time, takes effect from the next scan. */
    public void setPollListener(PollListener l) {
        this.pollListener = l == null ? PollListener.NONE : l;
    }

    /** Transactions run so far. */
    public long frames() {
        return frames;
    }

    public synchronized void start() {
        if (stepped) {
            throw new IllegalStateException("bus " + config.id() + " is driven by runDue");
        }
        if (!running) {
            running = true;
            long now = nanoTime.getAsLong();
            for (Device d : devices) {
                d.nextDueNanos = now;
            }
            thread.start();
        }
    }

    /**
     * Drives the bus from the caller instead of its own thread, for a run in virtual time: runs the jobs queued,
     * then every scan due at the clock's now (earliest first), and returns; the clock does not move meanwhile, so
     * pacing waits are skipped. Only on a bus that is not {@link #start}ed; the I/O then runs on the caller's
     * thread, never concurrently (calls are serialised).
     */
    public synchronized void runDue() {
        if (running) {
            throw new IllegalStateException("bus " + config.id() + " runs on its own thread");
        }
        long now = nanoTime.getAsLong();
        if (!stepped) {
            stepped = true;
            for (Device d : devices) {
                d.nextDueNanos = now;
            }
        }
        stepper = Thread.currentThread();
        try {
            Pending<?> job;
            while ((job = jobs.poll()) != null) {
                job.run(io);
            }
            for (int i = 0; i < devices.size(); i++) {
                Device next = earliestDue();
                if (next == null || next.nextDueNanos - now > 0) {
                    break;
                }
                scan(next);
            }
        } finally {
            stepper = null;
        }
    }

    /** Runs {@code job} on the bus thread before the next scan; the future completes with its result or failure. */
    public <T> CompletableFuture<T> submit(Job<T> job) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (!running && !stepped) {
            f.completeExceptionally(new IllegalStateException("bus " + config.id() + " is not running"));
            return f;
        }
        jobs.add(new Pending<>(job, f));
        return f;
    }

    // ---- the scheduler thread ----

    private void loop() {
        while (running) {
            try {
                Pending<?> job = jobs.poll();
                if (job != null) {
                    job.run(io);
                    continue;
                }
                Device next = earliestDue();
                long wait = next == null ? TimeUnit.MILLISECONDS.toNanos(100) : next.nextDueNanos - nanoTime.getAsLong();
                if (wait > 0) {
                    job = jobs.poll(wait, TimeUnit.NANOSECONDS);
                    if (job != null) {
                        job.run(io);
                    }
                    continue;
                }
                scan(next);
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (RuntimeException | LinkageError e) {
                log.error("bus {}: unexpected failure in the scheduler, continuing", config.id(), e);
            }
        }
        disconnect();
        Pending<?> left;
        while ((left = jobs.poll()) != null) {
            left.result().completeExceptionally(new IllegalStateException("bus " + config.id() + " closed"));
        }
    }

    private Device earliestDue() {
        Device best = null;
        for (Device d : devices) {
            if (best == null || d.nextDueNanos - best.nextDueNanos < 0) {
                best = d;
            }
        }
        return best;
    }

    private void scan(Device d) {
        long started = nanoTime.getAsLong();
        d.lastStartNanos = started;
        boolean probe = d.consecutiveFailures > 0;
        try {
            if (probe) {
                d.probes++;
            }
            RegisterMap map = d.map;
            if (map == null) {
                map = SunSpec.discover(io, d.unitId(), d.id());
                d.map = map;
            }
            List<RegisterMap.Block> blocks = map.blocks();
            int[][] words = new int[blocks.size()][];
            for (int b = 0; b < blocks.size(); b++) {
                RegisterMap.Block blk = blocks.get(b);
                words[b] = probe && b == 0 ? io.once(d.unitId(), blk.function(), blk.start(), blk.count())
                        : io.read(d.unitId(), blk.function(), blk.start(), blk.count());
            }
            int n = map.points().size();
            double[] values = new double[n];
            String[] texts = new String[n];
            String bad = map.decodeAll(words, values, texts);
            long now = nanoTime.getAsLong();
            d.latest = new MeterReading(d.id(), map, values, texts, now, utc.instant(),
                    bad == null ? Quality.GOOD : Quality.OUT_OF_RANGE, bad);
            d.scans++;
            if (d.consecutiveFailures > 0) {
                log.info("bus {}: device {} (unit {}) answers again after {} failures", config.id(), d.id(),
                        d.unitId(), d.consecutiveFailures);
            }
            d.consecutiveFailures = 0;
            d.backoffNanos = 0;
            d.health = Health.HEALTHY;
            d.nextDueNanos = Math.max(started + d.intervalNanos, now);
            polled(d, now - started, true);
        } catch (ModbusDeviceException | RuntimeException e) {
            fail(d, e.getMessage() == null ? e.toString() : e.getMessage());
            polled(d, nanoTime.getAsLong() - started, false);
        }
    }

    private void polled(Device d, long nanos, boolean ok) {
        try {
            pollListener.onPoll(d, nanos, ok);
        } catch (RuntimeException e) {
            log.warn("bus {}: poll listener failed on device {}: {}", config.id(), d.id(), e.toString());
        }
    }

    private void fail(Device d, String why) {
        long now = nanoTime.getAsLong();
        d.failures++;
        d.consecutiveFailures++;
        d.lastError = why;
        long base = Math.max(MIN_BACKOFF_NANOS, d.intervalNanos);
        d.backoffNanos = Doubling.next(d.backoffNanos, base, config.maxBackoff().toNanos());
        d.health = Health.BACKING_OFF;
        d.nextDueNanos = now + d.backoffNanos;
        d.latest = MeterReading.error(d.id(), d.map, now, utc.instant(), why);
        int f = d.consecutiveFailures;
        if (f == 1 || Integer.bitCount(f) == 1) {
            log.warn("bus {}: device {} (unit {}): {} (failure {}, next probe in {} ms)", config.id(), d.id(),
                    d.unitId(), why, f, d.backoffNanos / 1_000_000);
        }
    }

    /** Paced I/O on the bus thread. */
    private final class Io implements BusIo {

        @Override
        public int[] read(int unitId, int function, int address, int count) throws ModbusDeviceException {
            return withRetries(unitId, function, address, count, null, config.retries());
        }

        int[] once(int unitId, int function, int address, int count) throws ModbusDeviceException {
            return withRetries(unitId, function, address, count, null, 0);
        }

        @Override
        public void write(int unitId, int address, int[] words) throws ModbusDeviceException {
            withRetries(unitId, 16, address, words.length, words, config.retries());
        }

        private int[] withRetries(int unit, int fc, int address, int count, int[] write, int retries)
                throws ModbusDeviceException {
            checkThread();
            ModbusDeviceException last = null;
            for (int attempt = 0; attempt <= retries; attempt++) {
                try {
                    return transact(unit, fc, address, count, write);
                } catch (ModbusDeviceException e) {
                    last = e;
                    if (e.answered()) {
                        break; // an exception response is an answer: retrying asks the same question again
                    }
                }
            }
            throw last;
        }
    }

    private void checkThread() {
        Thread t = Thread.currentThread();
        if (t != thread && t != stepper) {
            throw new IllegalStateException("bus " + config.id() + ": I/O only on the bus thread (use submit)");
        }
    }

    private int[] transact(int unit, int fc, int address, int count, int[] write) throws ModbusDeviceException {
        pace(unit);
        long start = nanoTime.getAsLong();
        boolean ok = false;
        String what = config.id() + " (" + config.transport() + ") unit " + unit + " function " + fc + " registers "
                + address + ".." + (address + count - 1);
        try {
            AbstractModbusMaster m = connect();
            int[] out;
            if (fc == 16) {
                Register[] regs = new Register[write.length];
                for (int i = 0; i < regs.length; i++) {
                    regs[i] = new SimpleRegister(write[i] & 0xFFFF);
                }
                m.writeMultipleRegisters(unit, address, regs);
                out = write;
            } else {
                InputRegister[] regs = fc == 3 ? m.readMultipleRegisters(unit, address, count)
                        : m.readInputRegisters(unit, address, count);
                if (regs == null || regs.length != count) {
                    throw new ModbusDeviceException(what + ": short response, " + (regs == null ? 0 : regs.length)
                            + " of " + count + " registers", 0, null);
                }
                out = new int[count];
                for (int i = 0; i < count; i++) {
                    out[i] = regs[i].getValue() & 0xFFFF;
                }
            }
            ok = true;
            return out;
        } catch (ModbusSlaveException e) {
            throw new ModbusDeviceException(what + ": exception code " + e.getType() + " ("
                    + ModbusDeviceException.meaning(e.getType()) + ")", e.getType(), e);
        } catch (ModbusDeviceException e) {
            disconnect();
            throw e;
        } catch (Exception e) {
            // timeout, connection refused or reset, garbled or mismatched frame: start clean next time
            disconnect();
            throw new ModbusDeviceException(what + ": " + describe(e), 0, e);
        } finally {
            long end = nanoTime.getAsLong();
            lastFrameEndNanos = end;
            lastUnit = unit;
            frames++;
            FrameListener l = listener;
            if (l != null) {
                l.onFrame(unit, fc, address, count, start, end, ok);
            }
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && (m == null || !m.contains(c.getMessage()))) {
            m = (m == null ? "" : m + ": ") + c.getMessage();
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private void pace(int unit) {
        long silence = gapNanos + (lastUnit >= 0 && unit != lastUnit ? unitChangeNanos : 0);
        if (lastUnit < 0 || silence <= 0) {
            return;
        }
        if (stepper != null) {
            return; // virtual time: the caller's clock does not move while it drives the bus
        }
        long until = lastFrameEndNanos + silence;
        long left;
        while ((left = until - nanoTime.getAsLong()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private AbstractModbusMaster connect() throws Exception {
        if (master != null && master.isConnected()) {
            return master;
        }
        disconnect();
        int timeoutMs = (int) Math.max(1, config.timeout().toMillis());
        AbstractModbusMaster m = switch (config.transport()) {
            case Transport.Tcp tcp -> new ModbusTCPMaster(tcp.host(), tcp.port(), timeoutMs, false);
            case Transport.RtuOverTcp t -> new ModbusTCPMaster(t.host(), t.port(), timeoutMs, false, true);
            case Transport.Rtu rtu -> {
                SerialParameters p = SerialLine.parameters(rtu);
                yield new ModbusSerialMaster(p, timeoutMs);
            }
        };
        m.connect();
        // after connect (j2mod makes its transaction there); j2mod counts tries, and 0 would mean its default of 5
        // with backout sleeps: one try, our own retries
        m.setRetries(1);
        m.setCheckingValidity(true);
        master = m;
        return m;
    }

    private void disconnect() {
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
        if (stepped) {
            synchronized (this) {
                disconnect();
            }
        }
        running = false;
        thread.interrupt();
        try {
            if (thread.isAlive()) {
                thread.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
