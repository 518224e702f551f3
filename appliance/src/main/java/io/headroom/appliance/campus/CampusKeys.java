package io.headroom.appliance.campus;

import io.headroom.appliance.site.Campus;

/** Where a campus's state lives in etcd: everything under {@code prefix/name/}. */
public record CampusKeys(String root) {

    public static CampusKeys of(Campus campus) {
        String p = campus.etcd().prefix();
        return new CampusKeys((p.endsWith("/") ? p : p + "/") + campus.name() + "/");
    }

    /** The coordinator election's name (its candidates' keys are {@code election/<lease>}). */
    public String election() {
        return root + "election";
    }

    /** What an appliance publishes each round, under its own lease. */
    public String report(String id) {
        return root + "reports/" + id;
    }

    public String reports() {
        return root + "reports/";
    }

    /** An appliance's budget, written by the coordinator under its budget lease, fenced by its election revision. */
    public String budget(String id) {
        return root + "budgets/" + id;
    }

    public String budgets() {
        return root + "budgets/";
    }

    /** The DR commitment in force on the campus ({@code {"w": W}}), absent when none. */
    public String commitment() {
        return root + "commitment";
    }
}
