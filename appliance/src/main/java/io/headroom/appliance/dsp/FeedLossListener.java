package io.headroom.appliance.dsp;

/**
 * Receives {@link FeedLossEvent}s on the detection thread. Implementations must not block, lock or do I/O:
 * hand the event on (for example into a {@link FeedLossEventRing}, which the protection loop drains) and
 * return.
 */
@FunctionalInterface
public interface FeedLossListener {

    void onFeedLossEvent(FeedLossEvent event);

    FeedLossListener NONE = e -> {
    };
}
