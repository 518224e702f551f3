package io.headroom.appliance.control;

import io.headroom.appliance.site.ControlSettings;
import io.headroom.appliance.site.Node;

import java.util.Arrays;
import java.util.List;

/**
 * Hysteresis on the per-GPU caps, so that a steady load gives steady caps: a cap falls at once (by more than
 * {@code deadbandW}, or below its floor), rises only {@code raiseHoldMs} after it last fell and by at most
 * {@code raiseStepW} per tick, and a change within {@code deadbandW} is not made; a cap never goes below its floor. A
 * silent node keeps the cap it had ({@link NodeDemand}): it is sent that, renewing its lease if it is merely slow, never
 * the cap it is planned at, since raising it would only give a slow agent more to draw. A node ceiling (an operator's
 * override) is a hard bound that the deadband does not soften: a cap above it falls to it at once, silent node or not.
 * State: each node's last cap and when it last fell; time is an argument. The copy it hands out is kept and handed out
 * again while the caps do not change (a steady load: most ticks), so that such a tick allocates no vector.
 */
final class Hysteresis {

    private final List<Node> nodes;
    private final ControlSettings control;
    private final double[] lastCap;
    private final long[] loweredAtNanos;
    /** The copy last handed out (never written once out), or null. */
    private double[] published;

    /** @param initialCapW each node's cap before the first tick, per GPU, W (group order) */
    Hysteresis(List<Node> nodes, ControlSettings control, double[] initialCapW) {
        this.nodes = nodes;
        this.control = control;
        this.lastCap = initialCapW.clone();
        this.loweredAtNanos = new long[nodes.size()];
        Arrays.fill(loweredAtNanos, Long.MIN_VALUE / 2);
    }

    /** Each node's cap now, per GPU, W (the array itself: read, do not write). */
    double[] caps() {
        return lastCap;
    }

    /**
     * One tick.
     *
     * @param targetW   each node's target cap, W
     * @param floorsW   each node's floor, W
     * @param ceilingsW each node's ceiling, W ({@link NodeBounds.Bounds#ceilings()}); or null when no node has one
     * @param silentAtW per node, {@code NaN} unless it is silent (its cap is then kept); or null
     * @param nowNanos  the tick's monotonic time
     * @return each node's cap now (a copy, not to be written: the same one as last tick's when no cap changed)
     */
    double[] run(double[] targetW, double[] floorsW, double[] ceilingsW, double[] silentAtW, long nowNanos) {
        for (int i = 0; i < nodes.size(); i++) {
            if (ceilingsW != null && lastCap[i] > ceilingsW[i]) {
                lastCap[i] = Math.max(ceilingsW[i], floorsW[i]);
                loweredAtNanos[i] = nowNanos;
            }
            if (silentAtW != null && !Double.isNaN(silentAtW[i])) {
                continue;
            }
            double t = targetW[i];
            if (t < lastCap[i] - control.deadbandW() || t < floorsW[i] - 1e-9 || lastCap[i] > nodes.get(i).gpu().maxW()) {
                lastCap[i] = t;
                loweredAtNanos[i] = nowNanos;
            } else if (t > lastCap[i] + control.deadbandW()
                    && nowNanos - loweredAtNanos[i] >= control.raiseHoldMs() * 1_000_000L) {
                lastCap[i] = Math.min(t, lastCap[i] + control.raiseStepW());
            }
            lastCap[i] = Math.max(lastCap[i], floorsW[i]);
        }
        if (published == null || !Arrays.equals(published, lastCap)) {
            published = lastCap.clone();
        }
        return published;
    }
}
