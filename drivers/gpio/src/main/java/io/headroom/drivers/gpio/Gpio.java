package io.headroom.drivers.gpio;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalInputConfig;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalOutputConfig;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.PullResistance;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalInputProvider;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalOutputProvider;
import com.pi4j.plugin.linuxfs.provider.gpio.digital.LinuxFsDigitalInputProvider;
import com.pi4j.plugin.linuxfs.provider.gpio.digital.LinuxFsDigitalOutputProvider;
import com.pi4j.provider.Provider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The GPIO of the appliance's board through Pi4J: debounced inputs, indicator outputs and a watchdog kicker,
 * all addressed by BCM pin number.
 *
 * <p>{@link #open()} picks the provider: gpiod when a {@code /dev/gpiochipN} exists and the gpiod plugin
 * initialises, otherwise linuxfs when {@code /sys/class/gpio} exists; {@link #open(GpioProvider)} names one
 * explicitly ({@link GpioProvider#MOCK} in tests). The Pi4J context is built without plugin auto-detection, so
 * only the chosen provider is ever loaded.
 */
public final class Gpio implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Gpio.class);

    private final Context context;
    private final GpioProvider provider;
    private final String inputProviderId;
    private final String outputProviderId;
    private final GpioClock clock;
    private final boolean ownsClock;
    private final Set<Integer> usedPins = new HashSet<>();
    private final List<AutoCloseable> opened = new ArrayList<>();

    private Gpio(Context context, GpioProvider provider, String in, String out, GpioClock clock, boolean ownsClock) {
        this.context = context;
        this.provider = provider;
        this.inputProviderId = in;
        this.outputProviderId = out;
        this.clock = clock;
        this.ownsClock = ownsClock;
    }

    /** Opens the board's GPIO with the provider picked automatically (gpiod, then linuxfs). */
    public static Gpio open() {
        return open(GpioProvider.AUTO);
    }

    public static Gpio open(GpioProvider provider) {
        GpioClock clock = GpioClock.system();
        try {
            return open(provider, clock, true);
        } catch (RuntimeException e) {
            clock.close();
            throw e;
        }
    }

    /** Opens with an injected clock (which the caller keeps and closes). */
    public static Gpio open(GpioProvider provider, GpioClock clock) {
        return open(provider, clock, false);
    }

    private static Gpio open(GpioProvider provider, GpioClock clock, boolean ownsClock) {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(clock, "clock");
        return switch (provider) {
            case MOCK -> build(GpioProvider.MOCK, clock, ownsClock);
            case GPIOD -> build(GpioProvider.GPIOD, clock, ownsClock);
            case LINUXFS -> build(GpioProvider.LINUXFS, clock, ownsClock);
            case AUTO -> {
                List<GpioProvider> candidates = candidates(Path.of("/"));
                if (candidates.isEmpty()) {
                    throw new GpioException("no GPIO on this machine: neither /dev/gpiochip* nor /sys/class/gpio "
                            + "exists (use GpioProvider.MOCK off a board)");
                }
                RuntimeException first = null;
                for (GpioProvider p : candidates) {
                    try {
                        yield build(p, clock, ownsClock);
                    } catch (RuntimeException | LinkageError e) {
                        LOG.warn("GPIO provider {} unavailable: {}", p, e.toString());
                        if (first == null) {
                            first = e instanceof RuntimeException re ? re : new GpioException(e.toString(), e);
                        }
                    }
                }
                throw new GpioException("no GPIO provider could be opened (tried " + candidates + ")", first);
            }
        };
    }

    /**
     * The providers worth trying on the machine whose root is {@code root}, in order: gpiod if a GPIO
     * character device exists, then linuxfs if the sysfs GPIO class exists.
     */
    static List<GpioProvider> candidates(Path root) {
        List<GpioProvider> out = new ArrayList<>();
        Path dev = root.resolve("dev");
        if (Files.isDirectory(dev)) {
            try (Stream<Path> s = Files.list(dev)) {
                if (s.anyMatch(p -> p.getFileName().toString().startsWith("gpiochip"))) {
                    out.add(GpioProvider.GPIOD);
                }
            } catch (IOException | SecurityException e) {
                LOG.debug("cannot list {}: {}", dev, e.toString());
            }
        }
        if (Files.isDirectory(root.resolve("sys/class/gpio"))) {
            out.add(GpioProvider.LINUXFS);
        }
        return out;
    }

    private static Gpio build(GpioProvider p, GpioClock clock, boolean ownsClock) {
        Provider<?, ?, ?> in;
        Provider<?, ?, ?> out;
        switch (p) {
            case MOCK -> {
                in = mockProvider("MockDigitalInputProvider");
                out = mockProvider("MockDigitalOutputProvider");
            }
            case GPIOD -> {
                in = GpioDDigitalInputProvider.newInstance();
                out = GpioDDigitalOutputProvider.newInstance();
            }
            case LINUXFS -> {
                in = LinuxFsDigitalInputProvider.newInstance();
                out = LinuxFsDigitalOutputProvider.newInstance();
            }
            default -> throw new IllegalArgumentException(p.toString());
        }
        Context ctx = Pi4J.newContextBuilder()
                .noAutoDetect()
                .disableShutdownHook()
                .add(in, out)
                .build();
        LOG.info("GPIO opened with provider {}", p);
        return new Gpio(ctx, p, in.id(), out.id(), clock, ownsClock);
    }

    /**
     * A provider of Pi4J's mock plugin, looked up by name: the plugin is a test and bench dependency (drivers/gpio's
     * tests, hil-tests), never on the appliance's class path, where {@link GpioProvider#MOCK} fails with this message.
     */
    private static Provider<?, ?, ?> mockProvider(String simpleName) {
        String name = "com.pi4j.plugin.mock.provider.gpio.digital." + simpleName;
        try {
            return (Provider<?, ?, ?>) Class.forName(name, true, Gpio.class.getClassLoader()).getMethod("newInstance").invoke(null);
        } catch (ClassNotFoundException e) {
            throw new GpioException("GPIO provider MOCK needs Pi4J's mock plugin (com.pi4j:pi4j-plugin-mock) on the class path: "
                    + "it is a test and bench dependency, not part of the appliance", e);
        } catch (ReflectiveOperationException e) {
            throw new GpioException("cannot instantiate " + name + ": " + e, e);
        }
    }

    static void checkBcm(int bcm) {
        if (bcm < 0 || bcm > 53) {
            throw new IllegalArgumentException("BCM pin out of range 0..53: " + bcm);
        }
    }

    public GpioProvider provider() {
        return provider;
    }

    public GpioClock clock() {
        return clock;
    }

    /** The Pi4J context (tests reach the mock pins through it). */
    public Context context() {
        return context;
    }

    /** Opens a debounced input. */
    public synchronized DebouncedInput input(InputSpec spec) {
        claim(spec.bcm(), spec.name());
        DigitalInputConfig config = DigitalInputConfig.newBuilder(context)
                .id(pinId(spec.bcm()))
                .name(spec.name())
                .address(spec.bcm())
                .pull(switch (spec.pull()) {
                    case NONE -> PullResistance.OFF;
                    case UP -> PullResistance.PULL_UP;
                    case DOWN -> PullResistance.PULL_DOWN;
                })
                .provider(inputProviderId)
                .build();
        DigitalInput pin = context.create(config);
        return remember(new DebouncedInput(spec, pin, clock));
    }

    /** Opens an on/off/blink output (alarm relay, status lamp), initially off. */
    public synchronized IndicatorOutput indicator(OutputSpec spec) {
        DigitalOutput pin = output(spec, spec.activeHigh() ? DigitalState.LOW : DigitalState.HIGH);
        return remember(new IndicatorOutput(spec, pin, clock));
    }

    /** Opens a watchdog kick line toggled every {@code period} once started. */
    public synchronized WatchdogKicker watchdog(int bcm, Duration period) {
        OutputSpec spec = OutputSpec.activeHigh("watchdog", bcm);
        DigitalOutput pin = output(spec, DigitalState.LOW);
        return remember(new WatchdogKicker(spec, pin, clock, period));
    }

    private DigitalOutput output(OutputSpec spec, DigitalState offLevel) {
        claim(spec.bcm(), spec.name());
        DigitalOutputConfig config = DigitalOutputConfig.newBuilder(context)
                .id(pinId(spec.bcm()))
                .name(spec.name())
                .address(spec.bcm())
                .initial(offLevel)
                .shutdown(offLevel)
                .provider(outputProviderId)
                .build();
        return context.create(config);
    }

    private void claim(int bcm, String name) {
        checkBcm(bcm);
        if (!usedPins.add(bcm)) {
            throw new GpioException("BCM " + bcm + " is already in use (wanted for " + name + ")");
        }
    }

    private <T extends AutoCloseable> T remember(T t) {
        opened.add(t);
        return t;
    }

    /** The Pi4J id of a BCM pin (for reaching the mock platform's pins in tests). */
    public static String pinId(int bcm) {
        return "bcm-" + bcm;
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable c : opened.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", c, e);
            }
        }
        opened.clear();
        try {
            context.shutdown();
        } catch (RuntimeException e) {
            LOG.warn("Pi4J shutdown failed", e);
        }
        if (ownsClock) {
            clock.close();
        }
    }
}
