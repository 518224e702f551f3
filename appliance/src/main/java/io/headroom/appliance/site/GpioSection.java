package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.DEFAULT_DEBOUNCE_MS;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_WATCHDOG_PERIOD_MS;
import static io.headroom.appliance.site.SiteLoader.INPUT_KINDS;
import static io.headroom.appliance.site.SiteLoader.MAX_BCM_PIN;
import static io.headroom.appliance.site.SiteLoader.OUTPUT_KINDS;
import static io.headroom.appliance.site.SiteLoader.PULLS;
import static io.headroom.appliance.site.SiteYaml.unknown;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code gpio:} breaker-contact and undervoltage inputs, alarm outputs, the watchdog. */
final class GpioSection extends SectionReader {
    static final List<String> GPIO_KEYS = List.of("inputs", "outputs", "watchdog");
    static final List<String> GPIO_INPUT_KEYS = List.of("id", "pin", "kind", "feed", "activeLow", "pull",
            "debounce");
    static final List<String> GPIO_OUTPUT_KEYS = List.of("id", "pin", "kind", "activeLow");
    static final List<String> WATCHDOG_KEYS = List.of("pin", "device", "period");

    private final FeedsSection feedsSection;

    GpioSection(SiteReading ctx, FeedsSection feedsSection) {
        super(ctx);
        this.feedsSection = feedsSection;
    }

    /** A claimed BCM pin and its user, for the one-use-per-pin check. */
    private record PinUse(Val<Integer> pin, String owner) {
    }

    private Val<Integer> bcmPin(MapReader m, List<PinUse> used, String owner) {
        Val<Integer> pin = m.get("pin", SiteYaml::integer, true);
        if (pin == null || !pin.ok()) {
            return pin;
        }
        if (pin.value() < 0 || pin.value() > MAX_BCM_PIN) {
            p.at(pin.node(), pin.field(), "BCM pin must be 0.." + MAX_BCM_PIN + ", got " + got(pin));
            return new Val<>(null, pin.node(), pin.field());
        }
        for (PinUse u : used) {
            if (u.pin().value().equals(pin.value())) {
                p.at(pin.node(), pin.field(), "BCM pin " + pin.value() + " is already used by " + u.owner()
                        + " (line " + u.pin().line() + ")");
                return pin;
            }
        }
        used.add(new PinUse(pin, owner));
        return pin;
    }

    GpioSettings read(MapReader top) {
        MapReader g = top.map("gpio", false, "the gpio section", GPIO_KEYS);
        if (g == null) {
            return GpioSettings.none();
        }
        List<PinUse> pins = new ArrayList<>();
        List<Val<String>> ids = new ArrayList<>();
        List<GpioSettings.Input> inputs = new ArrayList<>();
        Map<String, Val<String>> breakerOfFeed = new HashMap<>();
        List<Node> in = g.list("inputs", false);
        for (int i = 0; in != null && i < in.size(); i++) {
            MapReader m = MapReader.open(p, in.get(i), g.field("inputs") + "[" + i + "]", "a GPIO input",
                    GPIO_INPUT_KEYS);
            if (m == null) {
                continue;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            ids.add(id);
            String owner = "input " + (id != null && id.ok() ? id.value() : m.path());
            Val<Integer> pin = bcmPin(m, pins, owner);
            Val<String> kind = m.get("kind", oneOf(INPUT_KINDS), true);
            boolean breaker = kind != null && "breaker-aux".equals(kind.value());
            Val<String> feed = m.get("feed", SiteYaml::string, breaker);
            if (feed != null && feed.ok() && feedsSection.lacks(feed.value())) {
                p.at(feed.node(), feed.field(), unknown("feed", feed.value(), feedsSection.feedIds));
            } else if (breaker && feed != null && feed.ok()) {
                Val<String> other = breakerOfFeed.putIfAbsent(feed.value(), feed);
                if (other != null) {
                    p.at(feed.node(), feed.field(), "feed " + feed.value() + " already has a breaker contact"
                            + " input (line " + other.line() + ")");
                }
            }
            Boolean activeLow = m.opt("activeLow", SiteYaml::bool, false);
            Val<String> pull = m.get("pull", oneOf(PULLS), false);
            Val<Long> debounce = m.get("debounce", SiteYaml::millis, false);
            notNegative(debounce);
            boolean low = Boolean.TRUE.equals(activeLow);
            inputs.add(new GpioSettings.Input(value(id), or(pin, -1), value(kind), value(feed), low,
                    or(pull, low ? "up" : "down"), or(debounce, DEFAULT_DEBOUNCE_MS)));
        }
        List<GpioSettings.Output> outputs = new ArrayList<>();
        List<Node> out = g.list("outputs", false);
        for (int i = 0; out != null && i < out.size(); i++) {
            MapReader m = MapReader.open(p, out.get(i), g.field("outputs") + "[" + i + "]", "a GPIO output",
                    GPIO_OUTPUT_KEYS);
            if (m == null) {
                continue;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            ids.add(id);
            Val<Integer> pin = bcmPin(m, pins, "output " + (id != null && id.ok() ? id.value() : m.path()));
            Val<String> kind = m.get("kind", oneOf(OUTPUT_KINDS), true);
            Boolean activeLow = m.opt("activeLow", SiteYaml::bool, false);
            outputs.add(new GpioSettings.Output(value(id), or(pin, -1), value(kind),
                    Boolean.TRUE.equals(activeLow)));
        }
        unique(ids, "GPIO");
        GpioSettings.Watchdog watchdog = null;
        MapReader w = g.map("watchdog", false, "the watchdog", WATCHDOG_KEYS);
        if (w != null) {
            Val<Integer> pin = w.has("pin") ? bcmPin(w, pins, "the watchdog") : null;
            Val<String> device = w.get("device", SiteYaml::string, false);
            if (pin != null && device != null) {
                p.at(w.keyNode("device"), w.field("device"), "give either pin (an external watchdog) or device "
                        + "(the Linux watchdog), not both");
            } else if (pin == null && device == null) {
                w.missing("pin", "missing required key: pin (an external watchdog) or device (e.g. /dev/watchdog)");
            }
            if (device != null && device.ok() && !device.value().startsWith("/dev/")) {
                p.at(device.node(), device.field(), "expected a device path under /dev/, got " + got(device));
            }
            Val<Long> period = w.get("period", SiteYaml::millis, false);
            positive(period);
            watchdog = new GpioSettings.Watchdog(value(pin), value(device),
                    or(period, DEFAULT_WATCHDOG_PERIOD_MS));
        }
        return new GpioSettings(inputs, outputs, watchdog);
    }
}
