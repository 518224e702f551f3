package io.headroom.appliance.journal;

/**
 * One feed over one second: the per-second rollup the journal keeps for history and trends.
 *
 * @param epochSecond UTC second
 * @param samples     regulation ticks that measured the feed in that second
 */
public record FeedSecond(long epochSecond, String feedId, double avgW, double maxA, double avgA, double limitA,
                         int samples) {
}
