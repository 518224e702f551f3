package io.headroom.appliance.api;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.site.SiteLoader;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The appliance in a JVM of its own for {@link ApiFloodIT}: {@code SITE DATA}; prints {@code FLOOD PORT n} once the
 * API is up, runs until its stdin closes, then prints {@code FLOOD HEAP_PEAK bytes} (the heap pools' peak use) and
 * exits.
 */
public final class ApiFloodChild {

    public static void main(String[] args) throws Exception {
        Appliance appliance = Appliance.start(SiteLoader.load(Path.of(args[0])),
                Appliance.Options.of("127.0.0.1", 0, Path.of(args[1])));
        System.out.println("FLOOD PORT " + appliance.httpPort());
        System.out.flush();
        // the largest heap left after a collection (the live set), sampled: the figure that says how close it came
        long[] live = {0};
        Thread sampler = Thread.ofPlatform().daemon().name("heap-sampler").start(() -> {
            while (true) {
                long used = 0;
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null) {
                        used += p.getCollectionUsage().getUsed();
                    }
                }
                synchronized (live) {
                    live[0] = Math.max(live[0], used);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // the test closes stdin when it is done
        }
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        sampler.interrupt();
        System.out.println("FLOOD HEAP_PEAK " + peak);
        synchronized (live) {
            System.out.println("FLOOD HEAP_LIVE " + live[0]);
        }
        System.out.println("FLOOD HEAP_MAX " + Runtime.getRuntime().maxMemory());
        System.out.flush();
        appliance.close();
        System.exit(0);
    }
}
