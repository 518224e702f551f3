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
import java.util.Optional;

/**
 * The GPUs through NVML ({@code libnvidia-ml.so.1}), called through Java's foreign function and
 * memory API: no JNI, nothing compiled. Power values in NVML are milliwatts; this class speaks W.
 *
 * <p>Calls: {@code nvmlInit_v2}, {@code nvmlDeviceGetCount_v2}, {@code nvmlDeviceGetHandleByIndex_v2},
 * {@code nvmlDeviceGetPowerManagementLimitConstraints}, {@code nvmlDeviceGetPowerManagementDefaultLimit}
 * (if present; else the maximum is the default), {@code nvmlDeviceGetPowerUsage},
 * {@code nvmlDeviceGetEnforcedPowerLimit}, {@code nvmlDeviceSetPowerManagementLimit} (needs root),
 * {@code nvmlErrorString}, {@code nvmlShutdown}. Ranges are read once at {@link #load}. Thread-safe
 * (NVML is; each call uses its own confined arena).
 *
 * <p>Activity ({@link #activity}), each call optional (a library without it, or a GPU that answers
 * {@code NOT_SUPPORTED}, leaves that field unknown): {@code nvmlDeviceGetUtilizationRates} (utilization.gpu),
 * {@code nvmlDeviceGetClockInfo} (SM and memory clocks), {@code nvmlDeviceGetTemperature} (GPU sensor),
 * {@code nvmlDeviceGetCurrentClocksEventReasons} or, in drivers before 535, the same call's former name
 * {@code nvmlDeviceGetCurrentClocksThrottleReasons}. SM activity (GPM metrics) and MIG instances are not read.
 *
 * <p>Power smoothing (Blackwell and newer; the symbols are looked up, absent on older drivers):
 * {@code nvmlDevicePowerSmoothingSetState}, {@code nvmlDevicePowerSmoothingUpdatePresetProfileParam} and
 * {@code nvmlDevicePowerSmoothingActivatePresetProfile} set a GPU's power floor and ramp rates
 * ({@link #applyPowerSmoothing}), for the band controller's floors and ramp limits (issue #25). Structures as in
 * {@code nvml.h}: {@code nvmlPowerSmoothingState_v1_t {unsigned version; nvmlEnableState_t state}} and
 * {@code nvmlPowerSmoothingProfile_v1_t {unsigned version, profileId, paramId; double value}}, each version
 * {@code sizeof | 1 << 24}.
 */
public final class NvmlBackend implements GpuBackend, AutoCloseable {

    /** The library name the NVIDIA driver installs. */
    public static final String LIBRARY = "libnvidia-ml.so.1";

    private static final int NVML_SUCCESS = 0;
    private static final ValueLayout.OfInt UINT = ValueLayout.JAVA_INT;

    private final Arena arena;
    private final MethodHandle errorString;
    private final MethodHandle getPowerUsage;
    private final MethodHandle getEnforcedLimit;
    private final MethodHandle setLimit;
    private final MethodHandle shutdown;
    /** Activity calls, each null where the library lacks it. */
    private final MethodHandle getUtilization;
    private final MethodHandle getClock;
    private final MethodHandle getTemperature;
    private final MethodHandle getReasons;
    private final MethodHandle smoothingSetState;
    private final MethodHandle smoothingUpdateParam;
    private final MethodHandle smoothingActivate;
    private final MemorySegment[] devices;
    private final double[] minW;
    private final double[] maxW;
    private final double[] defaultW;

    private NvmlBackend(Arena arena, SymbolLookup lib) throws Throwable {
        this.arena = arena;
        Linker linker = Linker.nativeLinker();
        errorString = linker.downcallHandle(find(lib, "nvmlErrorString"),
                FunctionDescriptor.of(ValueLayout.ADDRESS, UINT));
        MethodHandle init = linker.downcallHandle(find(lib, "nvmlInit_v2"), FunctionDescriptor.of(UINT));
        MethodHandle count = linker.downcallHandle(find(lib, "nvmlDeviceGetCount_v2"),
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS));
        MethodHandle handle = linker.downcallHandle(find(lib, "nvmlDeviceGetHandleByIndex_v2"),
                FunctionDescriptor.of(UINT, UINT, ValueLayout.ADDRESS));
        MethodHandle constraints = linker.downcallHandle(find(lib, "nvmlDeviceGetPowerManagementLimitConstraints"),
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        Optional<MemorySegment> defaultSym = lib.find("nvmlDeviceGetPowerManagementDefaultLimit");
        MethodHandle getDefault = defaultSym.map(s -> linker.downcallHandle(s,
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS))).orElse(null);
        getPowerUsage = linker.downcallHandle(find(lib, "nvmlDeviceGetPowerUsage"),
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        getEnforcedLimit = linker.downcallHandle(find(lib, "nvmlDeviceGetEnforcedPowerLimit"),
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        setLimit = linker.downcallHandle(find(lib, "nvmlDeviceSetPowerManagementLimit"),
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, UINT));
        shutdown = linker.downcallHandle(find(lib, "nvmlShutdown"), FunctionDescriptor.of(UINT));
        FunctionDescriptor devicePtr = FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
        getUtilization = optional(linker, lib, devicePtr, "nvmlDeviceGetUtilizationRates");
        getClock = optional(linker, lib, FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, UINT, ValueLayout.ADDRESS),
                "nvmlDeviceGetClockInfo");
        getTemperature = optional(linker, lib,
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, UINT, ValueLayout.ADDRESS), "nvmlDeviceGetTemperature");
        MethodHandle events = optional(linker, lib, devicePtr, "nvmlDeviceGetCurrentClocksEventReasons");
        getReasons = events != null ? events
                : optional(linker, lib, devicePtr, "nvmlDeviceGetCurrentClocksThrottleReasons");
        FunctionDescriptor devAndStruct = FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
        smoothingSetState = lib.find("nvmlDevicePowerSmoothingSetState")
                .map(sym -> linker.downcallHandle(sym, devAndStruct)).orElse(null);
        smoothingUpdateParam = lib.find("nvmlDevicePowerSmoothingUpdatePresetProfileParam")
                .map(sym -> linker.downcallHandle(sym, devAndStruct)).orElse(null);
        smoothingActivate = lib.find("nvmlDevicePowerSmoothingActivatePresetProfile")
                .map(sym -> linker.downcallHandle(sym, devAndStruct)).orElse(null);

        check((int) init.invokeExact(), "nvmlInit_v2");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(UINT);
            check((int) count.invokeExact(n), "nvmlDeviceGetCount_v2");
            int gpus = n.get(UINT, 0);
            devices = new MemorySegment[gpus];
            minW = new double[gpus];
            maxW = new double[gpus];
            defaultW = new double[gpus];
            for (int i = 0; i < gpus; i++) {
                MemorySegment h = a.allocate(ValueLayout.ADDRESS);
                check((int) handle.invokeExact(i, h), "nvmlDeviceGetHandleByIndex_v2(" + i + ")");
                devices[i] = h.get(ValueLayout.ADDRESS, 0);
                MemorySegment lo = a.allocate(UINT);
                MemorySegment hi = a.allocate(UINT);
                check((int) constraints.invokeExact(devices[i], lo, hi),
                        "nvmlDeviceGetPowerManagementLimitConstraints(GPU " + i + ")");
                minW[i] = Integer.toUnsignedLong(lo.get(UINT, 0)) / 1000.0;
                maxW[i] = Integer.toUnsignedLong(hi.get(UINT, 0)) / 1000.0;
                defaultW[i] = maxW[i];
                if (getDefault != null) {
                    MemorySegment d = a.allocate(UINT);
                    if ((int) getDefault.invokeExact(devices[i], d) == NVML_SUCCESS) {
                        defaultW[i] = Math.clamp(Integer.toUnsignedLong(d.get(UINT, 0)) / 1000.0, minW[i], maxW[i]);
                    }
                }
            }
        }
    }

    /** Loads {@value #LIBRARY} from the system's library path and initialises NVML. */
    public static NvmlBackend load() {
        return load(null);
    }

    /**
     * Loads NVML from {@code library} (null: {@value #LIBRARY} by the dynamic linker's search)
     * and initialises it.
     *
     * @throws NvmlException with a clear message when the library is absent or NVML fails
     */
    public static NvmlBackend load(Path library) {
        Arena arena = Arena.ofShared();
        SymbolLookup lib;
        String what = library == null ? LIBRARY : library.toString();
        try {
            lib = library == null ? SymbolLookup.libraryLookup(LIBRARY, arena) : SymbolLookup.libraryLookup(library, arena);
        } catch (IllegalArgumentException e) {
            arena.close();
            throw new NvmlException("cannot load NVML: " + what + " not found (" + e.getMessage()
                    + "). Is the NVIDIA driver installed? Without GPUs, run the agent with the fake backend"
                    + " (backend = fake)", e);
        }
        try {
            return new NvmlBackend(arena, lib);
        } catch (NvmlException e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new NvmlException("cannot use NVML from " + what + ": " + t, t);
        }
    }

    private static MethodHandle optional(Linker linker, SymbolLookup lib, FunctionDescriptor d, String name) {
        return lib.find(name).map(s -> linker.downcallHandle(s, d)).orElse(null);
    }

    // NVML constants: nvmlClockType_t, nvmlTemperatureSensors_t, nvmlClocksEventReasons bits.
    static final int NVML_CLOCK_SM = 1;
    static final int NVML_CLOCK_MEM = 2;
    static final int NVML_TEMPERATURE_GPU = 0;
    static final long REASON_GPU_IDLE = 0x1L;
    static final long REASON_APPLICATIONS_CLOCKS_SETTING = 0x2L;
    static final long REASON_SW_POWER_CAP = 0x4L;
    static final long REASON_HW_SLOWDOWN = 0x8L;
    static final long REASON_SYNC_BOOST = 0x10L;
    static final long REASON_SW_THERMAL = 0x20L;
    static final long REASON_HW_THERMAL = 0x40L;
    static final long REASON_HW_POWER_BRAKE = 0x80L;
    static final long REASON_DISPLAY_CLOCK_SETTING = 0x100L;

    /** NVML's clocks event reasons as the protocol's {@code GpuActivity.THROTTLE_*} bits. */
    static int throttleBits(long nvml) {
        int b = 0;
        if ((nvml & REASON_SW_POWER_CAP) != 0) {
            b |= GpuActivity.THROTTLE_POWER_CAP;
        }
        if ((nvml & REASON_HW_SLOWDOWN) != 0) {
            b |= GpuActivity.THROTTLE_HW_SLOWDOWN;
        }
        if ((nvml & (REASON_SW_THERMAL | REASON_HW_THERMAL)) != 0) {
            b |= GpuActivity.THROTTLE_THERMAL;
        }
        if ((nvml & REASON_HW_POWER_BRAKE) != 0) {
            b |= GpuActivity.THROTTLE_POWER_BRAKE;
        }
        if ((nvml & REASON_GPU_IDLE) != 0) {
            b |= GpuActivity.THROTTLE_IDLE;
        }
        if ((nvml & (REASON_APPLICATIONS_CLOCKS_SETTING | REASON_SYNC_BOOST | REASON_DISPLAY_CLOCK_SETTING)) != 0) {
            b |= GpuActivity.THROTTLE_CLOCK_SETTING;
        }
        if ((nvml & ~0x1FFL) != 0) {
            b |= GpuActivity.THROTTLE_OTHER;
        }
        return b;
    }

    /**
     * Utilisation, clocks, temperature and throttle reasons; a call the library lacks, or that fails for this GPU
     * (NOT_SUPPORTED on many boards for one field or another), leaves its field unknown rather than failing the report.
     */
    @Override
    public GpuActivity activity(int gpu) {
        MemorySegment d = devices[gpu];
        int util = GpuActivity.UNKNOWN_PCT;
        int sm = 0;
        int mem = 0;
        int temp = GpuActivity.UNKNOWN_TEMPERATURE;
        int reasons = 0;
        try (Arena a = Arena.ofConfined()) {
            if (getUtilization != null) {
                MemorySegment u = a.allocate(8, 4); // nvmlUtilization_t { unsigned int gpu; unsigned int memory; }
                if ((int) getUtilization.invokeExact(d, u) == NVML_SUCCESS) {
                    util = Math.clamp(Integer.toUnsignedLong(u.get(UINT, 0)), 0, 100);
                }
            }
            MemorySegment v = a.allocate(UINT);
            if (getClock != null) {
                if ((int) getClock.invokeExact(d, NVML_CLOCK_SM, v) == NVML_SUCCESS) {
                    sm = (int) Math.min(0xFFFF, Integer.toUnsignedLong(v.get(UINT, 0)));
                }
                if ((int) getClock.invokeExact(d, NVML_CLOCK_MEM, v) == NVML_SUCCESS) {
                    mem = (int) Math.min(0xFFFF, Integer.toUnsignedLong(v.get(UINT, 0)));
                }
            }
            if (getTemperature != null && (int) getTemperature.invokeExact(d, NVML_TEMPERATURE_GPU, v) == NVML_SUCCESS) {
                temp = (int) Math.min(254, Integer.toUnsignedLong(v.get(UINT, 0)));
            }
            if (getReasons != null) {
                MemorySegment r = a.allocate(ValueLayout.JAVA_LONG);
                if ((int) getReasons.invokeExact(d, r) == NVML_SUCCESS) {
                    reasons = throttleBits(r.get(ValueLayout.JAVA_LONG, 0));
                }
            }
        } catch (Throwable t) {
            throw new NvmlException("activity of GPU " + gpu + ": " + t, t);
        }
        return new GpuActivity(util, GpuActivity.UNKNOWN_PCT, sm, mem, temp, reasons);
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new NvmlException("NVML library lacks " + name
                + " (driver too old?)", null));
    }

    private void check(int rc, String call) {
        if (rc != NVML_SUCCESS) {
            String text;
            try {
                MemorySegment s = (MemorySegment) errorString.invokeExact(rc);
                text = s.reinterpret(256).getString(0);
            } catch (Throwable t) {
                text = "?";
            }
            throw new NvmlException(call + " failed: NVML error " + rc + " (" + text + ")", null);
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

    @Override
    public double powerW(int gpu) {
        return readMw(getPowerUsage, gpu, "nvmlDeviceGetPowerUsage") / 1000.0;
    }

    @Override
    public double limitW(int gpu) {
        return readMw(getEnforcedLimit, gpu, "nvmlDeviceGetEnforcedPowerLimit") / 1000.0;
    }

    @Override
    public void setLimitW(int gpu, double watts) {
        int mw = (int) Math.round(watts * 1000.0);
        try {
            check((int) setLimit.invokeExact(devices[gpu], mw),
                    "nvmlDeviceSetPowerManagementLimit(GPU " + gpu + ", " + mw + " mW)");
        } catch (NvmlException e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException("nvmlDeviceSetPowerManagementLimit(GPU " + gpu + "): " + t, t);
        }
    }

    /** NVML's power smoothing profile parameters ({@code NVML_POWER_SMOOTHING_PROFILE_PARAM_*}). */
    public static final int PARAM_RAMP_UP_RATE = 1;
    public static final int PARAM_RAMP_DOWN_RATE = 2;
    public static final int PARAM_RAMP_DOWN_HYSTERESIS = 3;
    public static final int PARAM_SECONDARY_POWER_FLOOR = 4;

    private static final int STATE_SIZE = 8;
    private static final int PROFILE_SIZE = 24;

    /** The preset profile the agent's smoothing ({@link #setSmoothing}) writes and activates. */
    public static final int SMOOTHING_PROFILE = 0;

    /** Where the driver has the power smoothing calls ({@link #powerSmoothingAvailable()}). */
    @Override
    public boolean supportsSmoothing(int gpu) {
        java.util.Objects.checkIndex(gpu, devices.length);
        return powerSmoothingAvailable();
    }

    /**
     * The agent's smoothing extension: {@link #applyPowerSmoothing} on preset profile {@value #SMOOTHING_PROFILE}
     * (an unlimited ramp, infinite, leaves the profile's rate as it is).
     *
     * @throws NvmlException when the calls are absent or NVML refuses one (the agent acknowledges it as failed)
     */
    @Override
    public void setSmoothing(int gpu, io.headroom.drivers.gpuprotocol.GpuSmoothing smoothing) {
        java.util.Objects.checkIndex(gpu, devices.length);
        if (smoothing.enabled()) {
            applyPowerSmoothing(gpu, true, SMOOTHING_PROFILE, smoothing.floorW(), smoothing.rampUpWPerS(),
                    smoothing.rampDownWPerS());
        } else {
            applyPowerSmoothing(gpu, false, SMOOTHING_PROFILE, Double.NaN, Double.NaN, Double.NaN);
        }
    }

    /** Whether the driver has NVML's power smoothing calls (it may still refuse them on a GPU without the feature). */
    public boolean powerSmoothingAvailable() {
        return smoothingSetState != null && smoothingUpdateParam != null && smoothingActivate != null;
    }

    /**
     * Sets GPU {@code gpu}'s power smoothing: preset profile {@code profileId} gets the power floor (W) and the ramp
     * rates (W/s; NaN or infinite: left as they are) and is activated, and smoothing is switched on; or, with
     * {@code enabled} false, switched off (a contingency: no floor may hold power up on the survivors).
     *
     * @throws NvmlException when the calls are absent or NVML refuses one (not supported, no permission)
     */
    public void applyPowerSmoothing(int gpu, boolean enabled, int profileId, double floorW, double rampUpWPerS,
                                    double rampDownWPerS) {
        if (!powerSmoothingAvailable()) {
            throw new NvmlException("NVML power smoothing is not available in this driver", null);
        }
        try (Arena a = Arena.ofConfined()) {
            if (enabled) {
                setParam(a, gpu, profileId, PARAM_SECONDARY_POWER_FLOOR, floorW);
                setParam(a, gpu, profileId, PARAM_RAMP_UP_RATE, rampUpWPerS);
                setParam(a, gpu, profileId, PARAM_RAMP_DOWN_RATE, rampDownWPerS);
                MemorySegment p = profile(a, profileId, 0, 0);
                check((int) smoothingActivate.invokeExact(devices[gpu], p),
                        "nvmlDevicePowerSmoothingActivatePresetProfile(GPU " + gpu + ", profile " + profileId + ")");
            }
            MemorySegment st = a.allocate(STATE_SIZE, 4);
            st.set(UINT, 0, STATE_SIZE | 1 << 24);
            st.set(UINT, 4, enabled ? 1 : 0);
            check((int) smoothingSetState.invokeExact(devices[gpu], st),
                    "nvmlDevicePowerSmoothingSetState(GPU " + gpu + ", " + (enabled ? "on" : "off") + ")");
        } catch (NvmlException e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException("power smoothing (GPU " + gpu + "): " + t, t);
        }
    }

    private void setParam(Arena a, int gpu, int profileId, int param, double value) throws Throwable {
        if (!Double.isFinite(value)) {
            return;
        }
        MemorySegment p = profile(a, profileId, param, value);
        check((int) smoothingUpdateParam.invokeExact(devices[gpu], p),
                "nvmlDevicePowerSmoothingUpdatePresetProfileParam(GPU " + gpu + ", param " + param + ")");
    }

    private static MemorySegment profile(Arena a, int profileId, int param, double value) {
        MemorySegment p = a.allocate(PROFILE_SIZE, 8);
        p.set(UINT, 0, PROFILE_SIZE | 1 << 24);
        p.set(UINT, 4, profileId);
        p.set(UINT, 8, param);
        p.set(ValueLayout.JAVA_DOUBLE, 16, value);
        return p;
    }

    private long readMw(MethodHandle h, int gpu, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(UINT);
            check((int) h.invokeExact(devices[gpu], v), call + "(GPU " + gpu + ")");
            return Integer.toUnsignedLong(v.get(UINT, 0));
        } catch (NvmlException e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException(call + "(GPU " + gpu + "): " + t, t);
        }
    }

    /** Shuts NVML down and unloads the library. */
    @Override
    public void close() {
        try {
            int rc = (int) shutdown.invokeExact();
            if (rc != NVML_SUCCESS) {
                throw new NvmlException("nvmlShutdown failed: NVML error " + rc, null);
            }
        } catch (NvmlException e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException("nvmlShutdown: " + t, t);
        } finally {
            arena.close();
        }
    }
}
