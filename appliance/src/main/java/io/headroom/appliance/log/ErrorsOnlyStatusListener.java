package io.headroom.appliance.log;

import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.LifeCycle;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;

/**
 * Logback's own status, on standard error, errors only (a file that cannot be written, a broken encoder). Logback's
 * {@code OnErrorConsoleStatusListener} prints every status to the error stream (its name is the stream, not the
 * level), and without a listener logback prints its whole status list whenever a warning occurred: either way every
 * command that logs began with some twenty lines of logback's start-up, because the appender of the log format not
 * chosen ({@code HEADROOM_LOG_FORMAT}) is always unreferenced, which logback warns about.
 */
public final class ErrorsOnlyStatusListener extends ContextAwareBase implements StatusListener, LifeCycle {

    private volatile boolean started;

    @Override
    public void addStatusEvent(Status status) {
        if (started && status.getEffectiveLevel() >= Status.ERROR) {
            System.err.println(status);
        }
    }

    @Override
    public boolean isResetResistant() {
        return false;
    }

    @Override
    public void start() {
        started = true;
    }

    @Override
    public void stop() {
        started = false;
    }

    @Override
    public boolean isStarted() {
        return started;
    }
}
