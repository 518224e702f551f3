package io.headroom.appliance.control;

import java.util.List;

/**
 * Decides when a group's contingency plans must be armed again on the agents: when any planned cap moved by
 * more than {@code thresholdW} since the last arming, when feasibility changed, or when the armed plans are
 * older than {@code maxAgeNanos}. Each arming gets the next epoch, so agents reject stale tables. Pure.
 */
public final class ContingencyArming {

    private final double thresholdW;
    private final long maxAgeNanos;
    private List<ContingencyPlan> armed;
    private long armedAtNanos;
    private long epoch;

    public ContingencyArming(double thresholdW, long maxAgeNanos) {
        this.thresholdW = thresholdW;
        this.maxAgeNanos = maxAgeNanos;
    }

    public long epoch() {
        return epoch;
    }

    /** Whether {@code plans} must be armed now; if so, records them as armed under a new epoch. */
    public boolean offer(List<ContingencyPlan> plans, long nowNanos) {
        if (armed != null && nowNanos - armedAtNanos < maxAgeNanos && !moved(armed, plans)) {
            return false;
        }
        armed = plans;
        armedAtNanos = nowNanos;
        epoch++;
        return true;
    }

    private boolean moved(List<ContingencyPlan> a, List<ContingencyPlan> b) {
        if (a.size() != b.size()) {
            return true;
        }
        for (int k = 0; k < a.size(); k++) {
            ContingencyPlan x = a.get(k);
            ContingencyPlan y = b.get(k);
            if (!x.lostFeedId().equals(y.lostFeedId()) || x.feasible() != y.feasible()
                    || x.capsPerGpuW().length != y.capsPerGpuW().length) {
                return true;
            }
            for (int i = 0; i < x.capsPerGpuW().length; i++) {
                if (Math.abs(x.capsPerGpuW()[i] - y.capsPerGpuW()[i]) > thresholdW) {
                    return true;
                }
            }
        }
        return false;
    }
}
