package io.headroom.appliance.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import org.slf4j.event.KeyValuePair;

/**
 * Log lines for systemd's journal (the {@code journal} format, which the packaged unit selects): every line starts
 * with its syslog priority as {@code <N>} (sd-daemon(3); journald reads it from a service's stdout and stderr with
 * {@code SyslogLevelPrefix=yes}, the default) so that {@code journalctl -p warning} shows warnings and errors.
 * ERROR is 3 (err), WARN 4 (warning), INFO 6 (info), DEBUG and TRACE 7 (debug). No time stamp (the journal keeps
 * its own); a stack trace's lines carry the event's priority too (journald splits a record at each newline).
 */
public final class JournalLayout extends LayoutBase<ILoggingEvent> {

    /** The syslog priority of a logback level. */
    public static int priority(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> 3;
            case Level.WARN_INT -> 4;
            case Level.INFO_INT -> 6;
            default -> 7;
        };
    }

    @Override
    public String doLayout(ILoggingEvent e) {
        String prefix = "<" + priority(e.getLevel()) + ">";
        StringBuilder b = new StringBuilder(160);
        b.append(prefix).append(e.getLevel()).append(' ').append('[').append(e.getThreadName()).append("] ")
                .append(shortName(e.getLoggerName())).append(" - ");
        appendLines(b, prefix, e.getFormattedMessage());
        if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) {
                b.append(' ').append(kv.key).append("=\"").append(kv.value).append('"');
            }
        }
        b.append(CoreConstants.LINE_SEPARATOR);
        if (e.getThrowableProxy() != null) {
            b.append(prefix);
            appendLines(b, prefix, ThrowableProxyUtil.asString(e.getThrowableProxy()).stripTrailing());
            b.append(CoreConstants.LINE_SEPARATOR);
        }
        return b.toString();
    }

    private static void appendLines(StringBuilder b, String prefix, String text) {
        if (text == null) {
            return;
        }
        int from = 0;
        for (int nl; (nl = text.indexOf('\n', from)) >= 0; from = nl + 1) {
            b.append(text, from, nl).append('\n').append(prefix);
        }
        b.append(text, from, text.length());
    }

    /** {@code io.headroom.appliance.RegulationLoop} → {@code i.h.a.RegulationLoop}. */
    static String shortName(String logger) {
        int last = logger.lastIndexOf('.');
        if (last < 0) {
            return logger;
        }
        StringBuilder b = new StringBuilder();
        int from = 0;
        for (int dot; (dot = logger.indexOf('.', from)) >= 0 && dot <= last; from = dot + 1) {
            b.append(logger.charAt(from)).append('.');
        }
        return b.append(logger, last + 1, logger.length()).toString();
    }
}
