package io.headroom.drivers.agent;

import io.headroom.drivers.gpuprotocol.GpuActivity;
import io.headroom.drivers.gpuprotocol.GpuBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * AMD Instinct GPUs through AMD SMI ({@code libamd_smi.so}), called through Java's foreign function and memory API as
 * {@link NvmlBackend} calls NVML. AMD SMI speaks µW for caps and W for power (Linux bare metal); this class speaks W.
 *
 * <p>Calls: {@code amdsmi_init(AMDSMI_INIT_AMD_GPUS)}, {@code amdsmi_get_socket_handles},
 * {@code amdsmi_get_processor_handles} (every GPU of every socket, in that order), {@code amdsmi_get_power_cap_info}
 * (sensor 0: cap, default, min and max, µW), {@code amdsmi_get_power_info} ({@code current_socket_power}, else
 * {@code average_socket_power}, else {@code socket_power}, W: the layout of AMD SMI 6.4 and later),
 * {@code amdsmi_set_power_cap} (sensor 0, µW; needs root), {@code amdsmi_status_code_to_string},
 * {@code amdsmi_shut_down}; activity, each optional: {@code amdsmi_get_gpu_activity} ({@code gfx_activity} %, as
 * utilisation and compute-unit activity), {@code amdsmi_get_clock_info} (GFX and MEM clocks),
 * {@code amdsmi_get_temp_metric} (hotspot, current). AMD SMI has no simple "held by the power cap" reason: a GPU
 * drawing at least {@value #THROTTLE_AT} of its cap while busy is reported power-cap throttled (inferred). Ranges are
 * read once at {@link #load}. Thread-safe as far as AMD SMI is; each call uses its own confined arena.
 */
public final class AmdSmiBackend implements GpuBackend, AutoCloseable {

    /** The library name ROCm installs. */
    public static final String LIBRARY = "libamd_smi.so";

    static final int AMDSMI_STATUS_SUCCESS = 0;
    static final long AMDSMI_INIT_AMD_GPUS = 1L << 1;
    static final int AMDSMI_CLK_TYPE_GFX = 0;
    static final int AMDSMI_CLK_TYPE_MEM = 4;
    static final int AMDSMI_TEMPERATURE_TYPE_HOTSPOT = 1;
    static final int AMDSMI_TEMP_CURRENT = 0;
    /** Fraction of its cap a busy GPU draws from which it is taken to be held by it. */
    static final double THROTTLE_AT = 0.97;
    private static final long UNSUPPORTED32 = 0xFFFFFFFFL;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;

    private final Arena arena;
    private final MethodHandle statusString;
    private final MethodHandle getPowerInfo;
    private final MethodHandle getCapInfo;
    private final MethodHandle setCap;
    private final MethodHandle shutdown;
    private final MethodHandle getActivity;
    private final MethodHandle getClock;
    private final MethodHandle getTemp;
    private final MemorySegment[] devices;
    private final double[] minW;
    private final double[] maxW;
    private final double[] defaultW;

    private AmdSmiBackend(Arena arena, SymbolLookup lib) throws Throwable {
        this.arena = arena;
        Linker linker = Linker.nativeLinker();
        ValueLayout ptr = ValueLayout.ADDRESS;
        statusString = linker.downcallHandle(find(lib, "amdsmi_status_code_to_string"),
                FunctionDescriptor.of(U32, U32, ptr));
        MethodHandle init = linker.downcallHandle(find(lib, "amdsmi_init"), FunctionDescriptor.of(U32, U64));
        MethodHandle sockets = linker.downcallHandle(find(lib, "amdsmi_get_socket_handles"),
                FunctionDescriptor.of(U32, ptr, ptr));
        MethodHandle processors = linker.downcallHandle(find(lib, "amdsmi_get_processor_handles"),
                FunctionDescriptor.of(U32, ptr, ptr, ptr));
        getCapInfo = linker.downcallHandle(find(lib, "amdsmi_get_power_cap_info"),
                FunctionDescriptor.of(U32, ptr, U32, ptr));
        getPowerInfo = linker.downcallHandle(find(lib, "amdsmi_get_power_info"), FunctionDescriptor.of(U32, ptr, ptr));
        setCap = linker.downcallHandle(find(lib, "amdsmi_set_power_cap"), FunctionDescriptor.of(U32, ptr, U32, U64));
        shutdown = linker.downcallHandle(find(lib, "amdsmi_shut_down"), FunctionDescriptor.of(U32));
        getActivity = lib.find("amdsmi_get_gpu_activity")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(U32, ptr, ptr))).orElse(null);
        getClock = lib.find("amdsmi_get_clock_info")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(U32, ptr, U32, ptr))).orElse(null);
        getTemp = lib.find("amdsmi_get_temp_metric")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(U32, ptr, U32, U32, ptr))).orElse(null);

        check((int) init.invokeExact(AMDSMI_INIT_AMD_GPUS), "amdsmi_init");
        List<MemorySegment> found = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(U32);
            check((int) sockets.invokeExact(n, MemorySegment.NULL), "amdsmi_get_socket_handles(count)");
            int count = n.get(U32, 0);
            MemorySegment socks = a.allocate(ValueLayout.ADDRESS, Math.max(1, count));
            check((int) sockets.invokeExact(n, socks), "amdsmi_get_socket_handles");
            for (int s = 0; s < n.get(U32, 0); s++) {
                MemorySegment socket = socks.getAtIndex(ValueLayout.ADDRESS, s);
                MemorySegment pn = a.allocate(U32);
                check((int) processors.invokeExact(socket, pn, MemorySegment.NULL),
                        "amdsmi_get_processor_handles(socket " + s + ", count)");
                MemorySegment ps = a.allocate(ValueLayout.ADDRESS, Math.max(1, pn.get(U32, 0)));
                check((int) processors.invokeExact(socket, pn, ps), "amdsmi_get_processor_handles(socket " + s + ")");
                for (int i = 0; i < pn.get(U32, 0); i++) {
                    found.add(ps.getAtIndex(ValueLayout.ADDRESS, i));
                }
            }
        }
        devices = found.toArray(new MemorySegment[0]);
        minW = new double[devices.length];
        maxW = new double[devices.length];
        defaultW = new double[devices.length];
        for (int i = 0; i < devices.length; i++) {
            long[] cap = capInfo(i);
            minW[i] = cap[3] / 1e6;
            maxW[i] = cap[4] / 1e6;
            defaultW[i] = Math.clamp(cap[1] / 1e6, minW[i], maxW[i]);
        }
    }

    /** Loads {@value #LIBRARY} by the dynamic linker's search and initialises AMD SMI. */
    public static AmdSmiBackend load() {
        return load(null);
    }

    /**
     * Loads AMD SMI from {@code library} (null: {@value #LIBRARY} by the dynamic linker's search) and initialises it.
     *
     * @throws NvmlException (the agent's "GPU library failed" exception) with a clear message
     */
    public static AmdSmiBackend load(Path library) {
        Arena arena = Arena.ofShared();
        String what = library == null ? LIBRARY : library.toString();
        SymbolLookup lib;
        try {
            lib = library == null ? SymbolLookup.libraryLookup(LIBRARY, arena) : SymbolLookup.libraryLookup(library, arena);
        } catch (IllegalArgumentException e) {
            arena.close();
            throw new NvmlException("cannot load AMD SMI: " + what + " not found (" + e.getMessage()
                    + "). Is ROCm's amd-smi-lib installed? Without GPUs, run the agent with the fake backend"
                    + " (backend = fake)", e);
        }
        try {
            return new AmdSmiBackend(arena, lib);
        } catch (NvmlException e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new NvmlException("cannot use AMD SMI from " + what + ": " + t, t);
        }
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new NvmlException("AMD SMI library lacks " + name
                + " (library too old?)", null));
    }

    private void check(int rc, String call) {
        if (rc != AMDSMI_STATUS_SUCCESS) {
            String text;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ValueLayout.ADDRESS);
                int r = (int) statusString.invokeExact(rc, out);
                text = r == AMDSMI_STATUS_SUCCESS ? out.get(ValueLayout.ADDRESS, 0).reinterpret(256).getString(0) : "?";
            } catch (Throwable t) {
                text = "?";
            }
            throw new NvmlException(call + " failed: AMD SMI status " + Integer.toUnsignedString(rc) + " (" + text + ")",
                    null);
        }
    }

    /** {@code amdsmi_power_cap_info_t} of sensor 0: power_cap, default, dpm, min, max (µW). */
    private long[] capInfo(int gpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(64, 8);
            check((int) getCapInfo.invokeExact(devices[gpu], 0, info), "amdsmi_get_power_cap_info(GPU " + gpu + ")");
            long[] v = new long[5];
            for (int k = 0; k < 5; k++) {
                v[k] = info.getAtIndex(U64, k);
            }
            return v;
        } catch (NvmlException e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException("amdsmi_get_power_cap_info(GPU " + gpu + "): " + t, t);
        }
    }

    @Override
    public int gpuCount() {
        return devices.length;
    }

    @Override
    public double minW(int gpu) {
        return minW[gpu];
    }

    @Override
    public double maxW(int gpu) {
        return maxW[gpu];
    }

    @Override
    public double defaultW(int gpu) {
        return defaultW[gpu];
    }

    /** {@code amdsmi_power_info_t}: socket_power u64 at 0, current_socket_power u32 at 8, average u32 at 12 (W). */
    @Override
    public double powerW(int gpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(256, 8); // the struct with its reserved words, and room to spare
            check((int) getPowerInfo.invokeExact(devices[gpu], info), "amdsmi_get_power_info(GPU " + gpu + ")");
            long current = Integer.toUnsignedLong(info.get(U32, 8));
            long average = Integer.toUnsignedLong(info.get(U32, 12));
            long socket = info.get(U64, 0);
            if (current != UNSUPPORTED32 && current > 0) {
                return current;
            }
            if (average != UNSUPPORTED32 && average > 0) {
                return average;
            }
            return socket >= 0 && socket != UNSUPPORTED32 ? socket : 0;
        } catch (NvmlException e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException("amdsmi_get_power_info(GPU " + gpu + "): " + t, t);
        }
    }

    @Override
    public double limitW(int gpu) {
        return capInfo(gpu)[0] / 1e6;
    }

    @Override
    public void setLimitW(int gpu, double watts) {
        long uw = Math.round(watts * 1e6);
        try {
            check((int) setCap.invokeExact(devices[gpu], 0, uw),
                    "amdsmi_set_power_cap(GPU " + gpu + ", " + uw + " µW)");
        } catch (NvmlException e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException("amdsmi_set_power_cap(GPU " + gpu + "): " + t, t);
        }
    }

    @Override
    public GpuActivity activity(int gpu) {
        MemorySegment d = devices[gpu];
        int util = GpuActivity.UNKNOWN_PCT;
        int sm = 0;
        int mem = 0;
        int temp = GpuActivity.UNKNOWN_TEMPERATURE;
        try (Arena a = Arena.ofConfined()) {
            if (getActivity != null) {
                MemorySegment u = a.allocate(64, 4); // amdsmi_engine_usage_t: gfx, umc, mm, reserved[13]
                if ((int) getActivity.invokeExact(d, u) == AMDSMI_STATUS_SUCCESS) {
                    long g = Integer.toUnsignedLong(u.get(U32, 0));
                    util = g <= 100 ? (int) g : GpuActivity.UNKNOWN_PCT;
                }
            }
            if (getClock != null) {
                MemorySegment c = a.allocate(32, 4); // amdsmi_clk_info_t: clk (MHz) first
                if ((int) getClock.invokeExact(d, AMDSMI_CLK_TYPE_GFX, c) == AMDSMI_STATUS_SUCCESS) {
                    sm = (int) Math.min(0xFFFF, Integer.toUnsignedLong(c.get(U32, 0)));
                }
                if ((int) getClock.invokeExact(d, AMDSMI_CLK_TYPE_MEM, c) == AMDSMI_STATUS_SUCCESS) {
                    mem = (int) Math.min(0xFFFF, Integer.toUnsignedLong(c.get(U32, 0)));
                }
            }
            if (getTemp != null) {
                MemorySegment t = a.allocate(U64);
                if ((int) getTemp.invokeExact(d, AMDSMI_TEMPERATURE_TYPE_HOTSPOT, AMDSMI_TEMP_CURRENT, t)
                        == AMDSMI_STATUS_SUCCESS) {
                    temp = (int) Math.clamp(t.get(U64, 0), 0, 254);
                }
            }
        } catch (Throwable t) {
            throw new NvmlException("activity of GPU " + gpu + ": " + t, t);
        }
        double cap = limitW(gpu);
        boolean idle = util != GpuActivity.UNKNOWN_PCT && util <= 5;
        boolean held = !idle && cap > 0 && powerW(gpu) >= THROTTLE_AT * cap;
        int reasons = (held ? GpuActivity.THROTTLE_POWER_CAP : 0) | (idle ? GpuActivity.THROTTLE_IDLE : 0);
        return new GpuActivity(util, util, sm, mem, temp, reasons);
    }

    /** Shuts AMD SMI down and unloads the library. */
    @Override
    public void close() {
        try {
            int rc = (int) shutdown.invokeExact();
            if (rc != AMDSMI_STATUS_SUCCESS) {
                throw new NvmlException("amdsmi_shut_down failed: AMD SMI status " + rc, null);
            }
        } catch (NvmlException e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException("amdsmi_shut_down: " + t, t);
        } finally {
            arena.close();
        }
    }
}
