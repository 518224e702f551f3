package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.DEFAULT_DEADBAND_W;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_MARGIN;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_RAISE_HOLD_MS;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_RAISE_STEP_W;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_TICK_MS;
import static io.headroom.appliance.site.SiteYaml.quantity;

import java.util.List;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code control:} the regulation loop's settings. */
final class ControlSection extends SectionReader {
    static final List<String> CONTROL_KEYS = List.of("tick", "margin", "deadband", "raiseHold", "raiseStep",
            "contractImportLimit", "rampLimit", "smoothing");

    ControlSection(SiteReading ctx) {
        super(ctx);
    }

    ControlSettings read(MapReader top) {
        MapReader c = top.map("control", false, "the control section", CONTROL_KEYS);
        if (c == null) {
            return new ControlSettings(DEFAULT_TICK_MS, DEFAULT_MARGIN, DEFAULT_DEADBAND_W, DEFAULT_RAISE_HOLD_MS,
                    DEFAULT_RAISE_STEP_W);
        }
        Val<Long> tick = c.get("tick", SiteYaml::millis, false);
        positive(tick);
        Val<Double> margin = c.get("margin", quantity(Kind.PERCENT), false);
        if (margin != null && margin.ok() && (margin.value() < 0 || margin.value() >= 0.5)) {
            p.at(margin.node(), margin.field(), "must be at least 0 % and below 50 %, got " + got(margin));
        }
        Val<Double> deadband = c.get("deadband", quantity(Kind.POWER), false);
        notNegative(deadband);
        Val<Long> raiseHold = c.get("raiseHold", SiteYaml::millis, false);
        notNegative(raiseHold);
        Val<Double> raiseStep = c.get("raiseStep", quantity(Kind.POWER), false);
        positive(raiseStep);
        Val<Double> contract = c.get("contractImportLimit", quantity(Kind.POWER), false);
        positive(contract);
        Val<Double> ramp = c.get("rampLimit", quantity(Kind.RAMP), false);
        positive(ramp);
        Val<Long> smoothing = c.get("smoothing", SiteYaml::millis, false);
        positive(smoothing);
        return new ControlSettings(
                or(tick, DEFAULT_TICK_MS),
                or(margin, DEFAULT_MARGIN),
                or(deadband, DEFAULT_DEADBAND_W),
                or(raiseHold, DEFAULT_RAISE_HOLD_MS),
                or(raiseStep, DEFAULT_RAISE_STEP_W),
                or(contract, 0.0),
                or(ramp, ControlSettings.DEFAULT_RAMP_LIMIT_W_PER_S),
                or(smoothing, ControlSettings.DEFAULT_SMOOTHING_MS));
    }
}
