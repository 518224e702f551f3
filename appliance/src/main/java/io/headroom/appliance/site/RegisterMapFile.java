package io.headroom.appliance.site;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import io.headroom.appliance.site.SiteYaml.Problems;
import io.headroom.appliance.site.SiteYaml.Val;
import io.headroom.drivers.modbus.RegisterMap;
import io.headroom.drivers.modbus.RegisterMapException;

/**
 * A meter's or bank's own register map ({@code registerMap: maps/x.csv}, a path relative to the site file, in the
 * format of the shipped profiles: {@code drivers/modbus/README.md}). Read while the site file is: a missing or
 * unreadable file is reported at the key that names it; a problem inside the map is reported at its own file, line,
 * column and field (named relative to the site file's folder as the site file is named), with one more problem at
 * the key saying how many; a map that lacks what its device needs is reported at the key.
 */
final class RegisterMapFile {

    /** A map is a few hundred lines; anything much larger is not one (and is not read into memory). */
    static final long MAX_BYTES = 1024 * 1024;

    private RegisterMapFile() {
    }

    /**
     * Loads the map {@code ref} names ({@code resolved}: the path resolved against the site file's folder).
     *
     * @param unfit why a map cannot serve this device, or null when it can
     * @return the map, or null when anything was reported
     */
    static RegisterMap load(Problems p, Val<String> ref, Path resolved, Function<RegisterMap, String> unfit) {
        String label = label(p.file(), ref.value());
        RegisterMap map;
        try {
            if (Files.exists(resolved) && !Files.isRegularFile(resolved)) {
                p.at(ref.node(), ref.field(), "register map '" + ref.value() + "' is not a file (" + resolved + ")");
                return null;
            }
            if (Files.isRegularFile(resolved) && Files.size(resolved) > MAX_BYTES) {
                p.at(ref.node(), ref.field(), "register map '" + ref.value() + "' is larger than "
                        + MAX_BYTES / 1024 + " KiB (" + resolved + ")");
                return null;
            }
            map = RegisterMap.load(resolved, label);
        } catch (NoSuchFileException e) {
            p.at(ref.node(), ref.field(), "register map '" + ref.value() + "' not found (looked for " + resolved + ")");
            return null;
        } catch (IOException e) {
            p.at(ref.node(), ref.field(), "cannot read register map '" + ref.value() + "' (" + resolved + "): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return null;
        } catch (RegisterMapException e) {
            List<RegisterMapException.Problem> problems = e.problems();
            for (RegisterMapException.Problem q : problems) {
                p.inFile(q.file(), q.line(), q.column(), q.field() == null ? "" : q.field(), q.reason());
            }
            p.at(ref.node(), ref.field(), "register map '" + ref.value() + "' has " + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + " (reported at " + label + ")");
            return null;
        }
        String why = unfit.apply(map);
        if (why != null) {
            p.at(ref.node(), ref.field(), "register map '" + ref.value() + "' " + why);
            return null;
        }
        return map;
    }

    /** The map's name in messages: its path relative to the site file's folder, as the site file itself is named. */
    static String label(String siteFile, String ref) {
        try {
            Path r = Path.of(ref.strip());
            if (r.isAbsolute()) {
                return r.normalize().toString();
            }
            Path parent = Path.of(siteFile).getParent();
            return (parent == null ? r : parent.resolve(r)).normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            return ref;
        }
    }

    /** Why a map cannot measure a feed: a meter's map must declare the per-phase currents and the total power. */
    static String unfitForMeter(RegisterMap map) {
        List<String> lacks = Meter.FEED_POINTS.stream().filter(x -> map.indexOf(x) < 0).toList();
        return lacks.isEmpty() ? null : "lacks point" + (lacks.size() > 1 ? "s " : " ") + String.join(", ", lacks)
                + " (a meter needs " + String.join(", ", Meter.FEED_POINTS) + ")";
    }
}
