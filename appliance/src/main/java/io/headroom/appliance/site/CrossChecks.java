package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteYaml.unknown;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.headroom.appliance.site.SiteYaml.Val;

/**
 * The rules that span sections, run once every section is read: unique ids, one device per unit id on a bus, feed ->
 * meter, every feed in a group, one Modbus device per endpoint and unit, one agent per endpoint.
 */
final class CrossChecks extends SectionReader {
    private final FeedsSection feedsSection;
    private final GroupsSection groupsSection;
    private final RacksSection racksSection;
    private final MetersSection metersSection;
    private final SupercapsSection supercapsSection;
    private final ModbusBusesSection busesSection;

    CrossChecks(SiteReading ctx, FeedsSection feedsSection, GroupsSection groupsSection, RacksSection racksSection,
            MetersSection metersSection, SupercapsSection supercapsSection, ModbusBusesSection busesSection) {
        super(ctx);
        this.feedsSection = feedsSection;
        this.groupsSection = groupsSection;
        this.racksSection = racksSection;
        this.metersSection = metersSection;
        this.supercapsSection = supercapsSection;
        this.busesSection = busesSection;
    }

    void run() {
        unique(feedsSection.feeds.stream().map(FeedsSection.FeedD::id).toList(), "feed");
        unique(groupsSection.groups.stream().map(GroupsSection.GroupD::id).toList(), "group");
        unique(racksSection.racks.stream().map(RacksSection.RackD::id).toList(), "rack");
        unique(racksSection.nodes.stream().map(RacksSection.NodeD::id).toList(), "node");
        unique(metersSection.meters.stream().map(MetersSection.MeterD::id).toList(), "meter");
        unique(supercapsSection.supercaps.stream().map(SupercapsSection.SupercapD::id).toList(), "supercap bank");
        unique(busesSection.busIdVals, "Modbus bus");

        // one device per unit id on a declared bus
        Map<String, ModbusBusesSection.OnBus> firstOnBus = new HashMap<>();
        for (ModbusBusesSection.OnBus d : busesSection.busDevices) {
            ModbusBusesSection.OnBus f = firstOnBus.putIfAbsent(d.busId() + "/" + d.unit(), d);
            if (f != null) {
                p.at(d.at(), d.field(), "unit " + d.unit() + " on bus " + d.busId() + " is already used by "
                        + f.owner() + " (line " + (f.at().getStartMark().getLine() + 1) + ")");
            }
        }

        // feed -> meter: exists, and one feed per meter
        Map<String, FeedsSection.FeedD> feedOfMeter = new HashMap<>();
        for (FeedsSection.FeedD f : feedsSection.feeds) {
            Val<String> meter = f.meter();
            if (meter == null || !meter.ok()) {
                continue;
            }
            if (metersSection.meterSectionRead && !metersSection.meterIds.contains(meter.value())) {
                p.at(meter.node(), meter.field(), UnusedIdSuggestion.unknown("meter", meter.value(), metersSection.meterIds,
                        feedsSection.feeds.stream().map(FeedsSection.FeedD::meter).filter(v -> v != null && v.ok())
                                .map(Val::value).toList()));
                continue;
            }
            FeedsSection.FeedD other = feedOfMeter.putIfAbsent(meter.value(), f);
            if (other != null) {
                p.at(meter.node(), meter.field(), "meter " + meter.value() + " already measures feed "
                        + (other.id() != null && other.id().ok() ? other.id().value() : other.path())
                        + "; each feed needs its own meter");
            }
        }

        // every feed in a group
        if (groupsSection.groupSectionRead) {
            for (FeedsSection.FeedD f : feedsSection.feeds) {
                if (f.id() != null && f.id().ok() && !groupsSection.groupOfFeed.containsKey(f.id().value())) {
                    p.at(f.at(), f.path(), "feed " + f.id().value() + " is in no redundancy group");
                }
            }
        }

        // endpoints: one Modbus device per host:port and unit id (a gateway serves many units), one agent per host:port
        collisions(busesSection.modbusDevices, "is already used by");
        List<ModbusBusesSection.Owned> agents = new ArrayList<>();
        for (RacksSection.NodeD n : racksSection.nodes) {
            if (n.agent() != null && n.agent().ok()) {
                agents.add(new ModbusBusesSection.Owned(n.agent(),
                        "node " + (n.id() != null && n.id().ok() ? n.id().value() : "?"), ""));
            }
        }
        collisions(agents, "is already the agent of");
    }

    private void collisions(List<ModbusBusesSection.Owned> owned, String verb) {
        Map<String, ModbusBusesSection.Owned> first = new HashMap<>();
        for (ModbusBusesSection.Owned o : owned) {
            String key = o.endpoint().value().host().toLowerCase(Locale.ROOT) + ":" + o.endpoint().value().port()
                    + o.unit();
            ModbusBusesSection.Owned f = first.putIfAbsent(key, o);
            if (f != null) {
                p.at(o.endpoint().node(), o.endpoint().field(), o.endpoint().value() + o.unit() + " " + verb + " "
                        + f.owner() + " (line " + f.endpoint().line() + ")");
            }
        }
    }
}
