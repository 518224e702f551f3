package io.headroom.appliance.site;

/** A rack of nodes, powered by one redundancy group. */
public record Rack(String id, String groupId) {
}
