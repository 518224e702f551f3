package io.headroom.grid;

import java.time.Instant;
import java.util.List;

/**
 * A VEN's answer to a utility event, after asking the {@link FlexibilityOracle}: opt in (every commitment as
 * asked), opt in partially (commitments relaxed to what the site can hold, where the program allows it), or opt
 * out; always with a reason a person can read. Journaled before it is acknowledged to the utility.
 */
public record OptDecision(String eventId, String eventVersion, Kind kind, String reason, List<Commitment> commitments,
                          Instant decidedAt) {

    public enum Kind { OPT_IN, OPT_PARTIAL, OPT_OUT }

    public OptDecision {
        commitments = List.copyOf(commitments);
    }
}
