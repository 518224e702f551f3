package io.headroom.appliance.site;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The whole electrical and IT plant the appliance protects, as loaded from a site file.
 * Immutable; every list is in file order and every id is unique within its kind.
 */
public record Site(
        String name,
        double frequencyHz,
        List<Feed> feeds,
        List<RedundancyGroup> groups,
        List<Rack> racks,
        List<Node> nodes,
        List<Meter> meters,
        List<SupercapBank> supercaps,
        AgentSettings agents,
        ControlSettings control,
        OpenAdrSettings openadr,
        List<ModbusBusSpec> modbusBuses,
        GpioSettings gpio,
        WaveformSettings waveforms,
        MqttSettings mqtt) {

    public Site {
        feeds = List.copyOf(feeds);
        groups = List.copyOf(groups);
        racks = List.copyOf(racks);
        nodes = List.copyOf(nodes);
        meters = List.copyOf(meters);
        supercaps = List.copyOf(supercaps);
        modbusBuses = List.copyOf(modbusBuses);
        gpio = gpio == null ? GpioSettings.none() : gpio;
        waveforms = waveforms == null ? WaveformSettings.defaults() : waveforms;
        mqtt = mqtt == null ? MqttSettings.disabled() : mqtt;
    }

    /** A site without the MQTT northbound. */
    public Site(String name, double frequencyHz, List<Feed> feeds, List<RedundancyGroup> groups, List<Rack> racks,
                List<Node> nodes, List<Meter> meters, List<SupercapBank> supercaps, AgentSettings agents,
                ControlSettings control, OpenAdrSettings openadr, List<ModbusBusSpec> modbusBuses,
                GpioSettings gpio, WaveformSettings waveforms) {
        this(name, frequencyHz, feeds, groups, racks, nodes, meters, supercaps, agents, control, openadr,
                modbusBuses, gpio, waveforms, MqttSettings.disabled());
    }

    /** A site with the default waveform settings. */
    public Site(String name, double frequencyHz, List<Feed> feeds, List<RedundancyGroup> groups, List<Rack> racks,
                List<Node> nodes, List<Meter> meters, List<SupercapBank> supercaps, AgentSettings agents,
                ControlSettings control, OpenAdrSettings openadr, List<ModbusBusSpec> modbusBuses,
                GpioSettings gpio) {
        this(name, frequencyHz, feeds, groups, racks, nodes, meters, supercaps, agents, control, openadr,
                modbusBuses, gpio, WaveformSettings.defaults());
    }

    /** A site without declared Modbus buses or GPIO. */
    public Site(String name, double frequencyHz, List<Feed> feeds, List<RedundancyGroup> groups, List<Rack> racks,
                List<Node> nodes, List<Meter> meters, List<SupercapBank> supercaps, AgentSettings agents,
                ControlSettings control, OpenAdrSettings openadr) {
        this(name, frequencyHz, feeds, groups, racks, nodes, meters, supercaps, agents, control, openadr, List.of(),
                GpioSettings.none());
    }

    /** The same site with other MQTT settings (a test's broker). */
    public Site withMqtt(MqttSettings m) {
        return new Site(name, frequencyHz, feeds, groups, racks, nodes, meters, supercaps, agents, control, openadr,
                modbusBuses, gpio, waveforms, m);
    }

    public Optional<ModbusBusSpec> modbusBus(String id) {
        return modbusBuses.stream().filter(b -> b.id().equals(id)).findFirst();
    }

    public Optional<Feed> feed(String id) {
        return feeds.stream().filter(f -> f.id().equals(id)).findFirst();
    }

    public Optional<Meter> meter(String id) {
        return meters.stream().filter(m -> m.id().equals(id)).findFirst();
    }

    public Optional<RedundancyGroup> group(String id) {
        return groups.stream().filter(g -> g.id().equals(id)).findFirst();
    }

    /** Nodes of one redundancy group, in file order. */
    public List<Node> nodesOf(RedundancyGroup group) {
        return nodes.stream().filter(n -> n.groupId().equals(group.id())).toList();
    }

    /** The redundancy group that a feed belongs to. */
    public RedundancyGroup groupOfFeed(String feedId) {
        return groups.stream().filter(g -> g.feedIds().contains(feedId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("feed " + feedId + " is in no redundancy group"));
    }

    public Map<String, Feed> feedsById() {
        return feeds.stream().collect(Collectors.toMap(Feed::id, Function.identity()));
    }

    public int gpuCount() {
        return nodes.stream().mapToInt(Node::gpus).sum();
    }

    /** The same site with other agent settings (the bench: its own agents' security). */
    public Site withAgents(AgentSettings a) {
        return new Site(name, frequencyHz, feeds, groups, racks, nodes, meters, supercaps, a, control, openadr,
                modbusBuses, gpio, waveforms, mqtt);
    }

    /** The same site with other agent endpoints and meter or bank Modbus endpoints (keyed by device id; the bench binds ephemeral ports). */
    public Site withEndpoints(Map<String, Endpoint> agentByNode, Map<String, Endpoint> modbusByMeter) {
        List<Node> n = nodes.stream()
                .map(x -> agentByNode.containsKey(x.id()) ? x.withAgent(agentByNode.get(x.id())) : x).toList();
        List<Meter> m = meters.stream()
                .map(x -> modbusByMeter.containsKey(x.id()) ? x.withModbus(modbusByMeter.get(x.id())) : x).toList();
        List<SupercapBank> b = supercaps.stream()
                .map(x -> modbusByMeter.containsKey(x.id()) ? x.withModbus(modbusByMeter.get(x.id())) : x).toList();
        return new Site(name, frequencyHz, feeds, groups, racks, n, m, b, agents, control, openadr,
                modbusBuses, gpio, waveforms, mqtt);
    }
}
