package io.headroom.common;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/** Daemon platform threads by name: a helper thread never keeps the JVM alive after {@code main} returns. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Threads all named {@code name}. */
    public static ThreadFactory named(String name) {
        return Thread.ofPlatform().name(name).daemon().factory();
    }

    /** Threads named {@code prefix1}, {@code prefix2}, … */
    public static ThreadFactory numbered(String prefix) {
        return Thread.ofPlatform().name(prefix, 1).daemon().factory();
    }

    /** A single-thread scheduler on a daemon thread named {@code name}. */
    public static ScheduledExecutorService scheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(named(name));
    }
}
