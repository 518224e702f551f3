package io.headroom.appliance.grid;

import io.headroom.grid.OptDecision;
import io.headroom.grid.openadr2b.Ven2b;
import io.headroom.grid.openadr3.Ven3;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The appliance's enrollment with a utility, whichever OpenADR version: what the API and the journal see. */
public interface GridLink extends AutoCloseable {

    /** "3.1", "3.0.1" or "2.0b". */
    String version();

    /** Starts polling/registration; not on an event loop. */
    void start() throws Exception;

    /** Every opt decision taken, oldest first. */
    List<OptDecision> decisions();

    /** The VEN's state, as plain values for the API. */
    Map<String, Object> status();

    /**
     * The VEN's state as typed values, for metrics.
     *
     * @param registered     the VTN knows this VEN (3.x: a VEN and a resource object exist; 2.0b: a registration id)
     * @param lastPoll       the last successful poll of the VTN, or null before the first
     * @param pendingReports reports (2.0b: any outgoing messages) queued in the VEN's outbox, not yet accepted
     */
    record Health(boolean registered, Instant lastPoll, int pendingReports) {
    }

    Health health();

    static GridLink of(Ven3 ven, String version) {
        return new GridLink() {
            @Override
            public String version() {
                return version;
            }

            @Override
            public void start() throws Exception {
                ven.start();
            }

            @Override
            public List<OptDecision> decisions() {
                return ven.decisions();
            }

            @Override
            public Map<String, Object> status() {
                Ven3.Status s = ven.status();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("venId", s.venId());
                m.put("resourceId", s.resourceId());
                m.put("subscriptionId", s.subscriptionId());
                m.put("lastPoll", String.valueOf(s.lastPoll()));
                m.put("pendingReports", s.pendingReports());
                m.put("rejected", s.rejected());
                return m;
            }

            @Override
            public Health health() {
                Ven3.Status s = ven.status();
                return new Health(s.venId() != null && s.resourceId() != null, s.lastPoll(), s.pendingReports());
            }

            @Override
            public void close() throws Exception {
                ven.close();
            }
        };
    }

    static GridLink of(Ven2b ven) {
        return new GridLink() {
            @Override
            public String version() {
                return "2.0b";
            }

            @Override
            public void start() {
                ven.start();
            }

            @Override
            public List<OptDecision> decisions() {
                return ven.decisions();
            }

            @Override
            public Map<String, Object> status() {
                Ven2b.Status s = ven.status();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("registered", s.registered());
                m.put("venId", s.venId());
                m.put("registrationId", s.registrationId());
                m.put("vtnId", s.vtnId());
                m.put("lastPoll", String.valueOf(s.lastPoll()));
                m.put("pendingMessages", s.pendingMessages());
                m.put("reportRequests", s.reportRequests());
                m.put("rejected", s.rejected());
                return m;
            }

            @Override
            public Health health() {
                Ven2b.Status s = ven.status();
                return new Health(s.registered(), s.lastPoll(), s.pendingMessages());
            }

            @Override
            public void close() throws Exception {
                ven.close();
            }
        };
    }
}
