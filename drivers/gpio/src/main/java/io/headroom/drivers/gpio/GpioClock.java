package io.headroom.drivers.gpio;

import io.headroom.common.DaemonThreads;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Monotonic time and delayed work for the GPIO drivers. Injected so that tests drive debounce windows,
 * blink periods and watchdog kicks in virtual time instead of sleeping.
 */
public interface GpioClock extends AutoCloseable {

    /** Monotonic nanoseconds (same origin as {@link System#nanoTime()} for the system clock). */
    long nanoTime();

    /** Runs {@code task} once after {@code delay}. */
    Cancellable schedule(Duration delay, Runnable task);

    /** Runs {@code task} every {@code period}, the first time after one period. */
    Cancellable scheduleAtFixedRate(Duration period, Runnable task);

    @Override
    default void close() {
    }

    /** A scheduled task that can be cancelled; cancelling twice is harmless. */
    interface Cancellable {
        void cancel();
    }

    /** The real clock: {@link System#nanoTime()} and one daemon scheduler thread. */
    static GpioClock system() {
        return new SystemClock();
    }

    final class SystemClock implements GpioClock {
        private final ScheduledExecutorService executor = DaemonThreads.scheduler("headroom-gpio");

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            ScheduledFuture<?> f = executor.schedule(guard(task), delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        @Override
        public Cancellable scheduleAtFixedRate(Duration period, Runnable task) {
            long p = period.toNanos();
            ScheduledFuture<?> f = executor.scheduleAtFixedRate(guard(task), p, p, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        private static Runnable guard(Runnable task) {
            return () -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(GpioClock.class).warn("GPIO task failed", e);
                }
            };
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }
}
