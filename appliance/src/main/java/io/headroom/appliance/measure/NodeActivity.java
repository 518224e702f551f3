package io.headroom.appliance.measure;

import io.headroom.drivers.gpuprotocol.GpuActivity;

import java.util.List;

/**
 * What a node's GPUs are doing, from its agent's activity extension: how many are busy, idle and held down by their
 * power limit. {@link #UNKNOWN} where the agent does not report activity (a version-1 agent, the Redfish path).
 *
 * @param gpus           GPUs reported (0: unknown)
 * @param busy           GPUs neither idle nor unknown
 * @param idle           GPUs idle (or at most 5 % utilisation)
 * @param powerThrottled GPUs whose clocks are held down by their power limit: they would draw more uncapped
 * @param meanUtilPct    mean utilisation of the GPUs that report it, %, or NaN
 */
public record NodeActivity(int gpus, int busy, int idle, int powerThrottled, double meanUtilPct) {

    public static final NodeActivity UNKNOWN = new NodeActivity(0, 0, 0, 0, Double.NaN);

    /** Whether the agent reported activity. */
    public boolean known() {
        return gpus > 0;
    }

    /** Summarises an agent's per-GPU activity (empty: {@link #UNKNOWN}). */
    public static NodeActivity of(List<GpuActivity> activity) {
        if (activity.isEmpty()) {
            return UNKNOWN;
        }
        int busy = 0;
        int idle = 0;
        int throttled = 0;
        int utilN = 0;
        double util = 0;
        for (GpuActivity a : activity) {
            if (a.idle()) {
                idle++;
            } else {
                busy++;
            }
            if (a.powerThrottled()) {
                throttled++;
            }
            if (a.busyPct() >= 0) {
                util += a.busyPct();
                utilN++;
            }
        }
        return new NodeActivity(activity.size(), busy, idle, throttled, utilN == 0 ? Double.NaN : util / utilN);
    }
}
