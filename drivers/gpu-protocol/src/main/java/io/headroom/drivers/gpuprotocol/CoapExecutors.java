package io.headroom.drivers.gpuprotocol;

import io.headroom.common.DaemonThreads;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.eclipse.californium.elements.util.ExecutorsUtil;

/**
 * The two executors a Californium endpoint needs: the protocol stage ({@link #main()}, which
 * also runs the agents' lease and publish timers and the client's request timers) and the
 * secondary timer ({@link #secondary()}: deduplication sweeps, observe re-registration).
 *
 * <p>Create one instance and pass it to many {@link NodeAgent}s and {@link AgentClient}s to
 * keep the thread count of a bench process small. Agents and clients never shut down an
 * instance they were given; whoever created it calls {@link #close()} after closing them.
 * Threads are daemon threads.
 */
public final class CoapExecutors implements AutoCloseable {

    private final ScheduledExecutorService main;
    private final ScheduledThreadPoolExecutor secondary;

    private CoapExecutors(ScheduledExecutorService main, ScheduledThreadPoolExecutor secondary) {
        this.main = main;
        this.secondary = secondary;
    }

    /**
     * @param name            thread-name prefix
     * @param protocolThreads threads of the main executor, at least 1
     */
    public static CoapExecutors create(String name, int protocolThreads) {
        if (protocolThreads < 1) {
            throw new IllegalArgumentException("protocolThreads must be at least 1, got " + protocolThreads);
        }
        ScheduledExecutorService main =
                ExecutorsUtil.newScheduledThreadPool(protocolThreads, DaemonThreads.numbered(name + "-coap-"));
        ScheduledThreadPoolExecutor secondary = new ScheduledThreadPoolExecutor(1, DaemonThreads.numbered(name + "-timer-"));
        secondary.setRemoveOnCancelPolicy(true);
        return new CoapExecutors(main, secondary);
    }

    public ScheduledExecutorService main() {
        return main;
    }

    public ScheduledThreadPoolExecutor secondary() {
        return secondary;
    }

    public boolean isShutdown() {
        return main.isShutdown();
    }

    /** Stops both executors, waiting briefly for running tasks. */
    @Override
    public void close() {
        main.shutdownNow();
        secondary.shutdownNow();
        try {
            main.awaitTermination(1, TimeUnit.SECONDS);
            secondary.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
