package io.headroom.appliance.campus;

import io.vertx.core.json.JsonObject;

/** The JSON of what appliances publish and what the coordinator writes. */
final class Wire {

    private Wire() {
    }

    /** An appliance's report: its {@link CampusSplit.Report}, and the budget it applies (revision and W). */
    record Published(CampusSplit.Report report, long appliedRevision, double appliedW, boolean fallback, long seq) {
    }

    /** A budget as written by the coordinator. */
    record Budget(double w, long round, String coordinator, long term) {
    }

    static String encode(Published p) {
        CampusSplit.Report r = p.report();
        return new JsonObject().put("demandW", r.demandW()).put("criticalW", r.criticalW())
                .put("flexibleW", r.flexibleW()).put("n1Ready", r.n1Ready()).put("bankEnergyWh", r.bankEnergyWh())
                .put("appliedRevision", p.appliedRevision()).put("appliedW", p.appliedW())
                .put("fallback", p.fallback()).put("seq", p.seq()).encode();
    }

    static Published published(String json) {
        JsonObject o = new JsonObject(json);
        return new Published(new CampusSplit.Report(o.getDouble("demandW", 0.0), o.getDouble("criticalW", 0.0),
                o.getDouble("flexibleW", 0.0), o.getBoolean("n1Ready", false), o.getDouble("bankEnergyWh", 0.0)),
                o.getLong("appliedRevision", 0L), o.getDouble("appliedW", 0.0), o.getBoolean("fallback", true),
                o.getLong("seq", 0L));
    }

    static String encode(Budget b) {
        return new JsonObject().put("w", b.w()).put("round", b.round()).put("coordinator", b.coordinator())
                .put("term", b.term()).encode();
    }

    static Budget budget(String json) {
        JsonObject o = new JsonObject(json);
        return new Budget(o.getDouble("w", 0.0), o.getLong("round", 0L), o.getString("coordinator", ""),
                o.getLong("term", 0L));
    }

    static double commitmentW(String json) {
        return new JsonObject(json).getDouble("w", Double.NaN);
    }
}
