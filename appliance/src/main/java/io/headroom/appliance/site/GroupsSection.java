package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteYaml.unknown;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code groups:} the redundancy groups (N-1) and the feeds in each. */
final class GroupsSection extends SectionReader {
    static final List<String> GROUP_KEYS = List.of("id", "feeds");

    record GroupD(Val<String> id, List<String> feedIds, String name) {
    }

    private final FeedsSection feedsSection;
    final List<GroupD> groups = new ArrayList<>();
    final Set<String> groupIds = new LinkedHashSet<>();
    final Map<String, GroupD> groupOfFeed = new HashMap<>();
    boolean groupSectionRead;

    /** Whether {@code id} names no group of the groups section (when it was read; otherwise nothing is checked). */
    boolean lacks(String id) {
        return groupSectionRead && !groupIds.contains(id);
    }

    GroupsSection(SiteReading ctx, FeedsSection feedsSection) {
        super(ctx);
        this.feedsSection = feedsSection;
    }

    void read(MapReader top) {
        List<Node> list = top.list("groups", true);
        if (list == null) {
            return;
        }
        groupSectionRead = true;
        if (list.isEmpty()) {
            p.at(top.value("groups"), "groups", "needs at least one redundancy group");
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "groups[" + i + "]";
            MapReader m = MapReader.open(p, list.get(i), path, "a redundancy group", GROUP_KEYS);
            if (m == null) {
                continue;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            if (id != null && id.ok()) {
                groupIds.add(id.value());
            }
            String groupName = id != null && id.ok() ? id.value() : path;
            List<Node> refs = m.list("feeds", true);
            List<String> members = new ArrayList<>();
            GroupD g = new GroupD(id, members, groupName + " (line " + (m.node().getStartMark().getLine() + 1) + ")");
            if (refs != null) {
                for (int j = 0; j < refs.size(); j++) {
                    String rf = m.field("feeds") + "[" + j + "]";
                    String ref = SiteYaml.string(p, refs.get(j), rf);
                    if (ref == null) {
                        continue;
                    }
                    if (members.contains(ref)) {
                        p.at(refs.get(j), rf, "feed " + ref + " is listed twice");
                        continue;
                    }
                    members.add(ref);
                    if (feedsSection.lacks(ref)) {
                        p.at(refs.get(j), rf, unknown("feed", ref, feedsSection.feedIds));
                        continue;
                    }
                    GroupD other = groupOfFeed.putIfAbsent(ref, g);
                    if (other != null) {
                        p.at(refs.get(j), rf, "feed " + ref + " is already in group " + other.name()
                                + "; a feed belongs to one redundancy group");
                    }
                }
                if (members.size() < 2) {
                    p.at(m.value("feeds"), m.field("feeds"), "group " + groupName + " has " + members.size()
                            + (members.size() == 1 ? " feed" : " feeds") + "; N-1 needs at least 2");
                }
            }
            groups.add(g);
        }
    }
}
