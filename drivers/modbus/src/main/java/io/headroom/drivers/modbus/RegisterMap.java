package io.headroom.drivers.modbus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A device profile's register map, declared as data in a resource file
 * ({@code profiles/NAME.csv}: {@code name,unit,address,type,scale}). Points are read as one contiguous
 * block of holding registers from {@link #firstAddress()} for {@link #length()} words.
 */
public record RegisterMap(String profile, List<RegisterPoint> points) {

    public RegisterMap {
        points = List.copyOf(points);
        if (points.isEmpty()) {
            throw new IllegalArgumentException("profile " + profile + " declares no points");
        }
    }

    /** Profiles shipped in this module. */
    public static List<String> knownProfiles() {
        return List.of("generic-3phase");
    }

    /** Loads a shipped profile by name. */
    public static RegisterMap load(String profile) {
        String resource = "profiles/" + profile + ".csv";
        try (InputStream in = RegisterMap.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("unknown meter profile '" + profile + "'; known: " + knownProfiles());
            }
            return parse(profile, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }

    /** Parses a profile's CSV text; errors name the line. */
    public static RegisterMap parse(String profile, String csv) {
        List<RegisterPoint> points = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new java.io.ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] f = t.split(",", -1);
                if (f.length != 5) {
                    throw new IllegalArgumentException(profile + ":" + no + ": expected 5 fields name,unit,address,type,scale, got " + f.length);
                }
                try {
                    points.add(new RegisterPoint(f[0].strip(), f[1].strip(), Integer.parseInt(f[2].strip()),
                            PointType.valueOf(f[3].strip().toUpperCase(Locale.ROOT)), Double.parseDouble(f[4].strip())));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(profile + ":" + no + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new RegisterMap(profile, points);
    }

    public int firstAddress() {
        return points.stream().mapToInt(RegisterPoint::address).min().orElseThrow();
    }

    /** Words from the first address to the end of the last point. */
    public int length() {
        return points.stream().mapToInt(p -> p.address() + p.type().words()).max().orElseThrow() - firstAddress();
    }

    /** Index of a point by name, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < points.size(); i++) {
            if (points.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Decodes point {@code i} from a block of words read from {@link #firstAddress()}. */
    public double decode(int i, int[] words) {
        RegisterPoint p = points.get(i);
        int o = p.address() - firstAddress();
        double raw = switch (p.type()) {
            case U16 -> words[o] & 0xFFFF;
            case S16 -> (short) words[o];
            case U32 -> (((long) (words[o] & 0xFFFF)) << 16) | (words[o + 1] & 0xFFFF);
            case S32 -> ((words[o] & 0xFFFF) << 16) | (words[o + 1] & 0xFFFF);
            case F32 -> Float.intBitsToFloat(((words[o] & 0xFFFF) << 16) | (words[o + 1] & 0xFFFF));
        };
        return raw * p.scale();
    }

    /** Encodes an engineering value into point {@code i}'s words of a block (the simulator side). */
    public void encode(int i, double value, int[] words) {
        RegisterPoint p = points.get(i);
        int o = p.address() - firstAddress();
        double raw = value / p.scale();
        switch (p.type()) {
            case U16, S16 -> words[o] = ((int) Math.round(raw)) & 0xFFFF;
            case U32, S32 -> {
                long v = Math.round(raw);
                words[o] = (int) ((v >>> 16) & 0xFFFF);
                words[o + 1] = (int) (v & 0xFFFF);
            }
            case F32 -> {
                int bits = Float.floatToIntBits((float) raw);
                words[o] = (bits >>> 16) & 0xFFFF;
                words[o + 1] = bits & 0xFFFF;
            }
        }
    }
}
