package io.headroom.drivers.modbus;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SunSpec discovery: finds the {@code SunS} marker at the usual base addresses (40000, 0, 50000), walks the
 * model chain (ID, length, …, 0xFFFF) and builds a {@link RegisterMap} from the models it knows: 1 (common),
 * 201–204 (meter, integer + scale factor), 211–214 (meter, float), 802 (battery base) and 124 (storage
 * controls). Other models are skipped (their registers stay readable gaps). A device is thus configured from
 * its own announcement. Point names are Headroom's ({@code current-L1}, {@code power-total}, {@code soc}); a
 * second model that would repeat a name is prefixed {@code mID@ADDRESS.} (scale factors always are).
 */
public final class SunSpec {

    /** Base addresses searched for the marker, in order. */
    public static final int[] BASES = {40000, 0, 50000};
    /** "SunS" as two registers. */
    public static final int MARKER_HI = 0x5375;
    public static final int MARKER_LO = 0x6E53;
    public static final int END = 0xFFFF;
    private static final int MAX_MODELS = 64;

    /** One announced model: its id, the address of its ID register, and its length (registers after ID and L). */
    public record Model(int id, int address, int length) {
    }

    private SunSpec() {
    }

    /** The template of a known model id, or null. */
    static RegisterMap template(int id) {
        String name = switch (id) {
            case 1 -> "model_1";
            case 201, 202, 203, 204 -> "model_20x";
            case 211, 212, 213, 214 -> "model_21x";
            case 802 -> "model_802";
            case 124 -> "model_124";
            default -> null;
        };
        return name == null ? null : RegisterMap.loadResource("sunspec-" + id, "sunspec/" + name + ".csv");
    }

    /** Model ids whose points Headroom reads. */
    public static Set<Integer> knownModels() {
        return Set.of(1, 201, 202, 203, 204, 211, 212, 213, 214, 802, 124);
    }

    /** Finds the marker and walks the chain. */
    public static List<Model> scan(BusIo io, int unitId, String device) throws ModbusDeviceException {
        int base = -1;
        List<String> tried = new ArrayList<>();
        for (int b : BASES) {
            try {
                int[] w = io.read(unitId, 3, b, 2);
                if (w[0] == MARKER_HI && w[1] == MARKER_LO) {
                    base = b;
                    break;
                }
                tried.add(b + ": " + String.format("0x%04X 0x%04X", w[0], w[1]));
            } catch (ModbusDeviceException e) {
                if (!e.answered()) {
                    throw e; // silent or broken device: not a question of addresses
                }
                tried.add(b + ": exception " + e.exceptionCode());
            }
        }
        if (base < 0) {
            throw new ModbusDeviceException(device + " (unit " + unitId + "): no SunSpec marker 'SunS' at "
                    + tried, 0, null);
        }
        List<Model> models = new ArrayList<>();
        int at = base + 2;
        while (models.size() < MAX_MODELS) {
            int[] h = io.read(unitId, 3, at, 2);
            if (h[0] == END) {
                return models;
            }
            if (h[1] == 0 || at + 2 + h[1] > 65536) {
                throw new ModbusDeviceException(device + " (unit " + unitId + "): SunSpec model " + h[0] + " at "
                        + at + " announces length " + h[1], 0, null);
            }
            models.add(new Model(h[0], at, h[1]));
            at += 2 + h[1];
        }
        throw new ModbusDeviceException(device + " (unit " + unitId + "): SunSpec chain from " + base
                + " has no end marker after " + MAX_MODELS + " models", 0, null);
    }

    /** Discovers the device and returns its map (profile {@code sunspec:ID+ID…}). */
    public static RegisterMap discover(BusIo io, int unitId, String device) throws ModbusDeviceException {
        List<Model> models = scan(io, unitId, device);
        RegisterMap map = build(models);
        if (map == null) {
            throw new ModbusDeviceException(device + " (unit " + unitId + "): SunSpec models "
                    + models.stream().map(Model::id).toList() + " include none that Headroom reads "
                    + knownModels(), 0, null);
        }
        return map;
    }

    /** The map of the known models of a chain, or null if none is known. */
    public static RegisterMap build(List<Model> models) {
        List<RegisterPoint> points = new ArrayList<>();
        List<RegisterMap.Gap> gaps = new ArrayList<>();
        Set<String> names = new HashSet<>();
        StringBuilder profile = new StringBuilder("sunspec:");
        for (Model m : models) {
            gaps.add(new RegisterMap.Gap(3, m.address(), m.length() + 2));
            RegisterMap t = template(m.id());
            if (t == null) {
                continue;
            }
            profile.append(profile.length() > 8 ? "+" : "").append(m.id());
            // scale factors are the model's own business: always namespaced; a data point only if its name is taken
            String ns = "m" + m.id() + "@" + m.address() + ".";
            boolean clash = t.points().stream()
                    .anyMatch(p -> p.type() != PointType.SUNSSF && names.contains(p.name()));
            String prefix = clash ? ns : "";
            for (RegisterPoint p : t.points()) {
                if (p.address() + p.words() > m.length()) {
                    continue; // a shorter (older) version of the model
                }
                String name = (p.type() == PointType.SUNSSF ? ns : prefix) + p.name();
                RegisterPoint q = p.at(m.address() + 2 + p.address(), name);
                if (p.scaleFactor() != null) {
                    q = q.withScaleFactor(ns + p.scaleFactor());
                }
                points.add(q);
                names.add(q.name());
            }
        }
        if (points.isEmpty()) {
            return null;
        }
        // drop points whose scale factor was cut off by a short model
        Set<String> declared = new HashSet<>();
        points.forEach(p -> declared.add(p.name()));
        points.removeIf(p -> p.scaleFactor() != null && !declared.contains(p.scaleFactor()));
        if (points.isEmpty()) {
            return null; // every point of the known models needed a scale factor that a short model cut off
        }
        return new RegisterMap(profile.toString(), "SunSpec discovery", points, gaps, List.of(),
                RegisterMap.MODBUS_MAX_REGISTERS);
    }

    /** Words of a device image announcing {@code models} from {@code base} (simulators and tests). */
    public static Map<Integer, Integer> headerWords(int base, List<Model> models) {
        Map<Integer, Integer> w = new java.util.TreeMap<>();
        w.put(base, MARKER_HI);
        w.put(base + 1, MARKER_LO);
        int at = base + 2;
        for (Model m : models) {
            w.put(at, m.id());
            w.put(at + 1, m.length());
            at += 2 + m.length();
        }
        w.put(at, END);
        w.put(at + 1, 0);
        return w;
    }
}
