package io.headroom.drivers.modbus;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of what a Modbus device or a register-map file can hand the appliance: a map's
 * CSV text, the words of every built-in map's blocks, and a SunSpec device's whole register image (discovery
 * walks a chain that the device itself announces). In {@code ./mvnw verify} each target replays its committed
 * corpus ({@code src/test/resources/io/headroom/drivers/modbus/RegisterFuzzTestInputs/<target>/});
 * {@code ./headroom fuzz register-map --for 10m} fuzzes for real.
 */
class RegisterFuzzTest {

    /** A map file: it parses, or it is refused with an error that names the profile (and the line). */
    @FuzzTest
    void registerMapCsv(byte[] text) {
        String csv = new String(text, java.nio.charset.StandardCharsets.UTF_8);
        RegisterMap map;
        try {
            map = RegisterMap.parse("fuzz", csv);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).as("the error names the profile").startsWith("fuzz");
            return;
        }
        // a map that parses decodes whatever its device answers: here, a device answering zeros
        decodeAny(map, () -> 0);
    }

    /** Every built-in map decodes any words a device answers: numbers or NaN, never an exception. */
    @FuzzTest
    void builtInMapsDecode(FuzzedDataProvider data) {
        List<String> profiles = RegisterMap.knownProfiles().stream().filter(p -> !RegisterMap.SUNSPEC.equals(p)).toList();
        RegisterMap map = RegisterMap.load(profiles.get(data.consumeInt(0, profiles.size() - 1)));
        decodeAny(map, () -> data.consumeInt(0, 0xFFFF));
    }

    /**
     * A SunSpec device's register image: discovery either builds a map or refuses with a
     * {@link ModbusDeviceException} naming the device; the map it builds decodes the same image.
     */
    @FuzzTest
    void sunSpecScan(FuzzedDataProvider data) {
        int[] image = new int[65536];
        int base = SunSpec.BASES[data.consumeInt(0, SunSpec.BASES.length - 1)];
        if (data.consumeBoolean()) {
            image[base] = SunSpec.MARKER_HI;
            image[base + 1] = SunSpec.MARKER_LO;
        }
        // the chain: (id, length) headers the fuzzer chooses, each followed by fuzzed registers
        int at = base + 2;
        while (data.remainingBytes() > 4 && at < image.length - 2) {
            int id = data.consumeBoolean() ? pickKnown(data) : data.consumeInt(0, 0xFFFF);
            int length = data.consumeInt(0, 300);
            image[at] = id;
            image[at + 1] = length;
            for (int k = 0; k < length && at + 2 + k < image.length; k++) {
                image[at + 2 + k] = data.remainingBytes() > 0 ? data.consumeInt(0, 0xFFFF) : 0;
            }
            at += 2 + length;
            if (data.consumeBoolean() && at < image.length) {
                image[at] = SunSpec.END;
                break;
            }
        }
        BusIo io = new BusIo() {
            @Override
            public int[] read(int unitId, int function, int address, int count) throws ModbusDeviceException {
                if (address < 0 || count < 1 || count > RegisterMap.MODBUS_MAX_REGISTERS || address + count > image.length) {
                    throw new ModbusDeviceException("fuzz: illegal data address " + address + "+" + count, 2, null);
                }
                return java.util.Arrays.copyOfRange(image, address, address + count);
            }

            @Override
            public void write(int unitId, int address, int[] words) {
                throw new UnsupportedOperationException("discovery never writes");
            }
        };
        RegisterMap map;
        try {
            map = SunSpec.discover(io, 1, "fuzz-meter");
        } catch (ModbusDeviceException e) {
            assertThat(e.getMessage()).as("the error names the device").contains("fuzz");
            return;
        }
        int[][] words = new int[map.blocks().size()][];
        for (int b = 0; b < words.length; b++) {
            RegisterMap.Block block = map.blocks().get(b);
            try {
                words[b] = io.read(1, block.function(), block.start(), block.count());
            } catch (ModbusDeviceException e) {
                return; // a block outside the image: the device would answer exception 2, the reading is STALE
            }
        }
        double[] values = new double[map.points().size()];
        String[] texts = new String[map.points().size()];
        map.decodeAll(words, values, texts);
    }

    private static int pickKnown(FuzzedDataProvider data) {
        int[] known = {1, 201, 202, 203, 204, 211, 212, 213, 214, 802, 124};
        return known[data.consumeInt(0, known.length - 1)];
    }

    /** Decodes every point from words the device answers: numbers, NaN or text, never an exception. */
    private static void decodeAny(RegisterMap map, java.util.function.IntSupplier device) {
        int[][] words = new int[map.blocks().size()][];
        for (int b = 0; b < words.length; b++) {
            words[b] = new int[map.blocks().get(b).count()];
            for (int k = 0; k < words[b].length; k++) {
                words[b][k] = device.getAsInt();
            }
        }
        double[] values = new double[map.points().size()];
        String[] texts = new String[map.points().size()];
        map.decodeAll(words, values, texts);
        for (int i = 0; i < values.length; i++) {
            if (map.points().get(i).type() == PointType.STRING) {
                assertThat(texts[i]).as("%s of %s", map.points().get(i).name(), map.profile()).isNotNull();
            }
        }
    }
}
