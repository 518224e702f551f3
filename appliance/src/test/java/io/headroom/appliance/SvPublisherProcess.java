package io.headroom.appliance;

import io.headroom.drivers.waveform.sv.AfPacketChannel;
import io.headroom.drivers.waveform.sv.SvEncoder;
import io.headroom.drivers.waveform.sv.SvFrames;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A merging unit in its own OS process, for {@link ApplianceSvStreamIT}: IEC 61869-9 Sampled Values at 4800 S/s,
 * two ASDUs a frame, published through its own AF_PACKET socket on an interface, paced by a 1 ms scheduler (the
 * frames due since its start); a healthy 415 V three-phase feed with 50 A per phase.
 *
 * <p>Arguments: {@code INTERFACE DESTINATION-MAC APPID SVID}. It prints {@code ready} on stdout once its socket is
 * open (or {@code unavailable REASON} and exits 2 where it may not open one), then reads commands on stdin, one a
 * line: {@code drop} sets the voltages (and currents) to zero from the next frame and answers
 * {@code dropped SAMPLE} (the first zero sample); {@code sent} answers {@code sent SAMPLES}. It exits when its stdin
 * closes, so a test that fails, or dies, leaves no publisher behind. A send that fails is printed on stderr and
 * ends it with status 1.
 */
public final class SvPublisherProcess {

    static final int RATE = 4800;
    static final int ASDUS = 2;
    static final double VOLTS_PER_COUNT = 0.01;
    static final double AMPS_PER_COUNT = 0.001;

    private volatile boolean up = true;
    private volatile long samplesSent;
    private volatile long firstDeadSample = -1;

    private SvPublisherProcess() {
    }

    /** The command line that runs this class's {@code main} in a new JVM: this JVM's java and class path. */
    public static List<String> command(String iface, String mac, int appId, String svId) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Djava.net.preferIPv4Stack=true",
                "-cp", System.getProperty("java.class.path"), SvPublisherProcess.class.getName(),
                iface, mac, Integer.toString(appId), svId));
        return cmd;
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (args.length != 4) {
            System.err.println("usage: SvPublisherProcess INTERFACE DESTINATION-MAC APPID SVID");
            System.exit(64);
        }
        AfPacketChannel tx;
        try {
            tx = AfPacketChannel.open(args[0], AfPacketChannel.ETH_P_SV, null, 100);
        } catch (IOException e) {
            out.println("unavailable " + e.getMessage());
            System.exit(2);
            return;
        }
        SvPublisherProcess p = new SvPublisherProcess();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sv-publisher");
            t.setDaemon(true);
            return t;
        });
        SvEncoder enc = new SvEncoder(SvFrames.parseMac(args[1]), SvFrames.parseMac("02-00-00-00-48-52"), -1,
                Integer.parseInt(args[2]), args[3], 1, 2, RATE);
        byte[] frame = new byte[1500];
        int[] values = new int[ASDUS * SvFrames.CHANNELS];
        int[] quality = new int[ASDUS * SvFrames.CHANNELS];
        double vPeak = 415 / Math.sqrt(3) * Math.sqrt(2);
        double iPeak = 50 * Math.sqrt(2);
        long t0 = System.nanoTime();
        timer.scheduleAtFixedRate(() -> {
            try {
                long due = (System.nanoTime() - t0) * RATE / 1_000_000_000L;
                long n = p.samplesSent;
                boolean live = p.up;
                if (!live && p.firstDeadSample < 0) {
                    p.firstDeadSample = n;
                }
                for (; n + ASDUS <= due; n += ASDUS) {
                    for (int a = 0; a < ASDUS; a++) {
                        double angle = 2 * Math.PI * 60 * (n + a) / RATE;
                        for (int ph = 0; ph < 3; ph++) {
                            double shift = ph * 2 * Math.PI / 3;
                            values[a * 8 + 4 + ph] = live ? (int) Math.round(vPeak * Math.sin(angle - shift)
                                    / VOLTS_PER_COUNT) : 0;
                            values[a * 8 + ph] = live ? (int) Math.round(iPeak * Math.sin(angle - shift - 0.2)
                                    / AMPS_PER_COUNT) : 0;
                        }
                    }
                    int len = enc.encode(frame, 0, ASDUS, (int) (n % RATE), false, values, quality);
                    tx.send(frame, len);
                }
                p.samplesSent = n;
            } catch (Throwable t) {
                t.printStackTrace();
                System.exit(1);
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            switch (line.strip()) {
                case "drop" -> {
                    p.up = false;
                    while (p.firstDeadSample < 0) {
                        Thread.onSpinWait(); // the scheduler's next run, within a millisecond
                    }
                    out.println("dropped " + p.firstDeadSample);
                }
                case "sent" -> out.println("sent " + p.samplesSent);
                case "" -> { }
                default -> out.println("unknown " + line);
            }
        }
        timer.shutdownNow();
        tx.close();
        System.exit(0);
    }
}
