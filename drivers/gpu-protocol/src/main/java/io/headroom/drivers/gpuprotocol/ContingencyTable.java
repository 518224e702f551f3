package io.headroom.drivers.gpuprotocol;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The appliance arms an agent with the caps to apply for each contingency ({@code POST /contingency}).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x06 | session i64 | epoch i64 | agentId i32 |
 * triggerKey 32 bytes | leaseMs i32 | n u8 (GPUs) | m u8 (contingencies) |
 * m × (id u16 | n × capW f32)}: {@code 60 + m·(2 + 4·n)} bytes; then, only when the appliance fires this agent's
 * group by multicast, {@code groupId u16 | groupKey 32 bytes | port u16 | addressLength u8 (4 or 16) | address}
 * ({@link Multicast}, {@code 41} or {@code 53} bytes more).
 *
 * @param session       the arming appliance's session (the same as its {@link CapCommand}s)
 * @param epoch         {@code >= 0}; strictly increasing within a session, a stale one is refused
 *                      (4.09); a new session resets the window, as for cap sequences
 * @param agentId       {@code >= 0}: the id this agent answers to in {@link Trigger}s (chosen by the
 *                      appliance, unique among the agents it commands)
 * @param triggerKey    the key that authenticates triggers and their acks for this agent
 * @param leaseMs       {@code > 0}: how long triggered caps hold (then the safe cap, as for a cap command)
 * @param contingencies at most 255, distinct ids, each with one cap per GPU (all the same count)
 * @param multicast     where and how the appliance fires the agent's whole group at once ({@link GroupTrigger}s), or
 *                      null: unicast {@link Trigger}s only
 */
public record ContingencyTable(long session, long epoch, int agentId, TriggerKey triggerKey, int leaseMs,
                               List<Contingency> contingencies, Multicast multicast) implements Message {

    static final int FIXED = Wire.HEADER + 8 + 8 + 4 + TriggerKey.LENGTH + 4 + 1 + 1;

    /** Unicast triggers only. */
    public ContingencyTable(long session, long epoch, int agentId, TriggerKey triggerKey, int leaseMs,
                            List<Contingency> contingencies) {
        this(session, epoch, agentId, triggerKey, leaseMs, contingencies, null);
    }

    /**
     * The agent's redundancy group as the appliance fires it: a {@link GroupTrigger} to {@code address:port}, under
     * {@code groupKey}. The agent joins the multicast group when armed (on the interface of its trigger socket) and
     * still answers unicast {@link Trigger}s, which the appliance sends to whoever has not answered the group's.
     *
     * @param groupId  0..65535, the appliance's number of the redundancy group
     * @param groupKey the session's key for the group's triggers (the same for every agent of the group)
     * @param address  an IPv4 or IPv6 multicast address
     * @param port     1..65535
     */
    public record Multicast(int groupId, TriggerKey groupKey, java.net.InetAddress address, int port) {
        public Multicast {
            Wire.u16("group id", groupId);
            if (groupKey == null) {
                throw new IllegalArgumentException("groupKey is null");
            }
            if (address == null || !address.isMulticastAddress()) {
                throw new IllegalArgumentException(address + " is not a multicast address");
            }
            if (port < 1 || port > 0xFFFF) {
                throw new IllegalArgumentException("multicast port " + port + " outside 1..65535");
            }
        }

        int encodedSize() {
            return 2 + TriggerKey.LENGTH + 2 + 1 + address.getAddress().length;
        }

        /** Never prints the key. */
        @Override
        public String toString() {
            return "Multicast[group " + groupId + " at " + address.getHostAddress() + ":" + port + "]";
        }
    }

    /**
     * The caps for one contingency.
     *
     * @param id    0..65535, the contingency's number in the appliance's plan (for example a feed's index)
     * @param capsW one cap per GPU, W
     */
    public record Contingency(int id, List<Double> capsW) {
        public Contingency {
            Wire.u16("contingency id", id);
            capsW = Wire.wattsList("cap of contingency " + id, capsW);
        }
    }

    public ContingencyTable {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch is negative (" + epoch + ")");
        }
        if (agentId < 0) {
            throw new IllegalArgumentException("agentId is negative (" + agentId + ")");
        }
        if (triggerKey == null) {
            throw new IllegalArgumentException("triggerKey is null");
        }
        if (leaseMs <= 0) {
            throw new IllegalArgumentException("lease " + leaseMs + " ms is not positive");
        }
        contingencies = List.copyOf(contingencies);
        if (contingencies.size() > 255) {
            throw new IllegalArgumentException(contingencies.size() + " contingencies, at most 255 allowed");
        }
        Set<Integer> ids = new HashSet<>();
        int n = -1;
        for (Contingency c : contingencies) {
            if (!ids.add(c.id())) {
                throw new IllegalArgumentException("contingency id " + c.id() + " appears twice");
            }
            if (n >= 0 && c.capsW().size() != n) {
                throw new IllegalArgumentException("contingency " + c.id() + " has " + c.capsW().size()
                        + " caps, the first one has " + n);
            }
            n = c.capsW().size();
        }
    }

    /** GPUs per contingency (0 when the table is empty). */
    public int gpuCount() {
        return contingencies.isEmpty() ? 0 : contingencies.getFirst().capsW().size();
    }

    /** The caps armed for {@code id}, or null. */
    public Contingency contingency(int id) {
        for (Contingency c : contingencies) {
            if (c.id() == id) {
                return c;
            }
        }
        return null;
    }

    @Override
    public MessageType type() {
        return MessageType.CONTINGENCY_TABLE;
    }

    @Override
    public byte[] encode() {
        int n = gpuCount();
        Wire.Writer w = new Wire.Writer(type(), FIXED + contingencies.size() * (2 + 4 * n)
                + (multicast == null ? 0 : multicast.encodedSize()))
                .i64(session).i64(epoch).i32(agentId).bytes(triggerKey.bytes()).i32(leaseMs)
                .u8(n).u8(contingencies.size());
        for (Contingency c : contingencies) {
            w.u16(c.id());
            for (double cap : c.capsW()) {
                w.f32(cap);
            }
        }
        if (multicast != null) {
            byte[] a = multicast.address().getAddress();
            w.u16(multicast.groupId()).bytes(multicast.groupKey().bytes()).u16(multicast.port()).u8(a.length).bytes(a);
        }
        return w.done();
    }

    public static ContingencyTable decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.CONTINGENCY_TABLE, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.CONTINGENCY_TABLE, FIXED);
            long session = r.i64();
            long epoch = r.i64();
            int agentId = r.i32();
            byte[] key = r.bytes(TriggerKey.LENGTH);
            int lease = r.i32();
            int n = r.u8();
            int m = r.u8();
            if (m == 0 && n != 0) {
                throw r.invalid("a table without contingencies must have a GPU count of 0, got " + n);
            }
            int tables = FIXED + m * (2 + 4 * n);
            Multicast multicast = null;
            if (payload.length <= tables) {
                r.expectLength(tables, m + " contingencies of " + n + " GPUs");
            } else {
                r.expectAtLeast(tables + 2 + TriggerKey.LENGTH + 2 + 1 + 4, m + " contingencies of " + n
                        + " GPUs and a multicast block");
            }
            List<Contingency> list = new ArrayList<>(m);
            for (int j = 0; j < m; j++) {
                int id = r.u16();
                List<Double> caps = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    caps.add(r.f32());
                }
                list.add(new Contingency(id, caps));
            }
            if (payload.length > tables) {
                int group = r.u16();
                byte[] groupKey = r.bytes(TriggerKey.LENGTH);
                int port = r.u16();
                int len = r.u8();
                if (len != 4 && len != 16) {
                    throw r.invalid("multicast address of " + len + " bytes (4 or 16 expected)");
                }
                r.expectLength(tables + 2 + TriggerKey.LENGTH + 2 + 1 + len, m + " contingencies of " + n
                        + " GPUs and a multicast block with a " + len + "-byte address");
                java.net.InetAddress address;
                try {
                    address = java.net.InetAddress.getByAddress(r.bytes(len));
                } catch (java.net.UnknownHostException e) {
                    throw r.invalid("multicast address: " + e.getMessage());
                }
                multicast = new Multicast(group, TriggerKey.of(groupKey), address, port);
            }
            return new ContingencyTable(session, epoch, agentId, TriggerKey.of(key), lease, list, multicast);
        });
    }

    /** JSON without the trigger key (a secret). */
    @Override
    public String toJson() {
        StringBuilder b = new StringBuilder("{\"version\":").append(GpuProtocol.VERSION)
                .append(",\"type\":\"contingencyTable\",\"session\":").append(Wire.jsonHex64(session))
                .append(",\"epoch\":").append(epoch)
                .append(",\"agentId\":").append(agentId)
                .append(",\"leaseMs\":").append(leaseMs)
                .append(multicast == null ? "" : ",\"multicast\":{\"groupId\":" + multicast.groupId() + ",\"address\":"
                        + Wire.jsonString(multicast.address().getHostAddress()) + ",\"port\":" + multicast.port() + "}")
                .append(",\"contingencies\":[");
        for (int j = 0; j < contingencies.size(); j++) {
            Contingency c = contingencies.get(j);
            b.append(j == 0 ? "" : ",").append("{\"id\":").append(c.id()).append(",\"capsW\":")
                    .append(Wire.jsonWattsArray(c.capsW())).append('}');
        }
        return b.append("]}").toString();
    }
}
