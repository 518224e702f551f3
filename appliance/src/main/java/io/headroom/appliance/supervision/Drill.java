package io.headroom.appliance.supervision;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A fault played on purpose in a supervised loop, as a protection relay's test mode does: armed on the loop's
 * {@link Heartbeat}, played once by the loop thread at its next {@link Heartbeat#beat()}. Drills exist so that the
 * supervision itself can be shown to work (tests, bench scenarios); nothing arms one in normal operation.
 */
public sealed interface Drill {

    /** The loop's next beat throws {@link DrillFault} (an {@link Error}: what a loop's guard must survive). */
    record Fail(String why) implements Drill {
    }

    /**
     * The loop's next beat blocks its thread, as a deadlock or a hung write would, until {@link #release} or until
     * {@code atMost} has passed (the loop then goes on).
     */
    record Hang(Duration atMost, CountDownLatch latch) implements Drill {
        public Hang(Duration atMost) {
            this(atMost, new CountDownLatch(1));
        }

        /** Lets the hung loop go on now. */
        public void release() {
            latch.countDown();
        }
    }

    /** What a {@link Fail} drill throws. */
    final class DrillFault extends Error {
        public DrillFault(String message) {
            super(message);
        }
    }
}
