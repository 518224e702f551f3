package io.headroom.hil.perf;

import ch.qos.logback.classic.Level;
import io.headroom.drivers.gpuprotocol.CoapExecutors;
import io.headroom.drivers.gpuprotocol.ContingencyTable;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import io.headroom.drivers.gpuprotocol.TriggerKey;
import io.headroom.drivers.gpuprotocol.TriggerListener;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A load generator's agent host: one OS process running {@code N} real {@link NodeAgent}s (simulated GPUs), the
 * way a hall's servers each run one, so that the appliance's side of the fast path can be measured against agents
 * that do not share its JVM ({@link AgentFleet} starts several and stops them).
 *
 * <p>Process {@code p} binds its agents to its own loopback addresses {@code 127.0.(20+p).(1+s)}: {@code L}
 * trigger sockets ({@link TriggerListener}s, each with its thread, each hosting every {@code L}-th agent), and with
 * {@code dtls} each agent's own CoAP/DTLS endpoint (PSK {@code agent-nSLOT}, derived from the run's secret) on its
 * trigger socket's address, so the appliance arms it through the real {@code POST /contingency} path. Without
 * {@code dtls} the agents have no CoAP endpoint and are armed in this process on the command {@code arm} (keys
 * derived from the same secret by both sides): a hall of 10,000 DTLS endpoints needs two threads each, more than a
 * small shared machine's process table holds.
 *
 * <p>Talks on stdin/stdout, one line each: it prints {@code agent SLOT COAP TRIGGER} per agent and {@code ready};
 * then {@code arm EPOCH CONTINGENCIES} (answers {@code armed EPOCH}), {@code loss FRACTION SEED} (answers
 * {@code loss FRACTION}, see {@link TriggerListener#simulateLoss}), {@code quit}. End of stdin (the parent died) is
 * a quit too: a host never outlives its benchmark.
 *
 * <p>Arguments: {@code PROCESS FIRST_SLOT AGENTS SOCKETS SECRET_HEX dtls|inproc GROUP_PORT}.
 */
public final class AgentHost {

    static final int GPUS = 8;
    /** The benchmark's multicast group (administratively scoped; the datagrams stay on the loopback). */
    static final String GROUP_ADDRESS = "239.255.72.101";

    private AgentHost() {
    }

    /** Process {@code p}'s loopback address for its socket {@code s}. */
    static InetAddress address(int process, int socket) {
        try {
            return InetAddress.getByAddress(new byte[]{127, 0, (byte) (20 + process), (byte) (1 + socket)});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 32 bytes from the run's secret and a label: PSKs and trigger keys both sides derive alike. */
    static byte[] derive(byte[] secret, String label) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(secret);
            d.update(label.getBytes(StandardCharsets.UTF_8));
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Dtls.Psk psk(byte[] secret, int slot) {
        return new Dtls.Psk("agent-n" + slot, derive(secret, "psk/" + slot));
    }

    static TriggerKey triggerKey(byte[] secret, int slot, long epoch) {
        return TriggerKey.of(derive(secret, "trigger/" + slot + "/" + epoch));
    }

    static TriggerKey groupKey(byte[] secret, long epoch) {
        return TriggerKey.of(derive(secret, "group/" + epoch));
    }

    static long session(byte[] secret) {
        return java.nio.ByteBuffer.wrap(derive(secret, "session")).getLong();
    }

    /** The table slot {@code slot} is armed with at {@code epoch}: {@code contingencies} ids, each its own caps. */
    static ContingencyTable table(byte[] secret, int slot, long epoch, int contingencies, int groupPort) {
        List<ContingencyTable.Contingency> cs = new ArrayList<>();
        for (int id = 0; id < contingencies; id++) {
            double cap = 300 + ((epoch * contingencies + id) % 20) * 10; // consecutive fires apply different caps
            cs.add(new ContingencyTable.Contingency(id, java.util.Collections.nCopies(GPUS, cap)));
        }
        ContingencyTable.Multicast group;
        try {
            group = new ContingencyTable.Multicast(0, groupKey(secret, epoch), InetAddress.getByName(GROUP_ADDRESS),
                    groupPort);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        return new ContingencyTable(session(secret), epoch, slot, triggerKey(secret, slot, epoch), 600_000, cs, group);
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.eclipse.californium")).setLevel(Level.ERROR);
        int process = Integer.parseInt(args[0]);
        int first = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        int socketCount = Integer.parseInt(args[3]);
        byte[] secret = HexFormat.of().parseHex(args[4]);
        boolean dtls = args[5].equals("dtls");
        int groupPort = Integer.parseInt(args[6]);
        List<AutoCloseable> closeables = new ArrayList<>();
        int status = 0;
        ExecutorService handshakes = Executors.newFixedThreadPool(1);
        CoapExecutors executors = CoapExecutors.create("host" + process, 1);
        try {
            List<TriggerListener> sockets = new ArrayList<>();
            for (int s = 0; s < socketCount; s++) {
                TriggerListener l = TriggerListener.open(new InetSocketAddress(address(process, s), 0),
                        "host" + process + "-" + s);
                sockets.add(l);
                closeables.add(l);
            }
            NodeAgent[] agents = new NodeAgent[n];
            for (int i = 0; i < n; i++) {
                int slot = first + i;
                TriggerListener l = sockets.get(i % socketCount);
                SimulatedGpus gpus = new SimulatedGpus(GPUS, 200, 700, 700);
                gpus.setDemandW(650);
                NodeAgent.Builder b = NodeAgent.builder(gpus).name("n" + slot).sharedExecutors(executors)
                        .triggerListener(l).powerPublishInterval(Duration.ZERO).safeCapW(500)
                        .maxLease(Duration.ofMinutes(10));
                if (dtls) {
                    b.endpoint(Dtls.agentEndpoint(new InetSocketAddress(l.address().getAddress(), 0),
                            psk(secret, slot), "n" + slot, handshakes));
                } else {
                    b.serve(false);
                }
                agents[i] = b.build().start();
                closeables.add(agents[i]);
                InetSocketAddress coap = dtls ? agents[i].address() : l.address();
                out.println("agent " + slot + " " + text(coap) + " " + text(l.address()));
            }
            out.println("ready");
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] w = line.trim().split("\\s+");
                switch (w[0]) {
                    case "arm" -> {
                        long epoch = Long.parseLong(w[1]);
                        int contingencies = Integer.parseInt(w[2]);
                        for (int i = 0; i < n; i++) {
                            agents[i].armInProcess(table(secret, first + i, epoch, contingencies, groupPort));
                        }
                        out.println("armed " + epoch);
                    }
                    case "loss" -> {
                        double f = Double.parseDouble(w[1]);
                        long seed = Long.parseLong(w[2]);
                        for (int s = 0; s < sockets.size(); s++) {
                            sockets.get(s).simulateLoss(f, seed * 1_000 + s);
                        }
                        out.println("loss " + f);
                    }
                    case "quit" -> {
                        return;
                    }
                    default -> out.println("error unknown command " + w[0]);
                }
                out.flush();
            }
        } catch (Throwable t) {
            status = 1;
            t.printStackTrace(); // to the host's log (AgentFleet names it)
        } finally {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                try {
                    closeables.get(i).close();
                } catch (Exception e) {
                    // best effort: the process ends next
                }
            }
            executors.close();
            handshakes.shutdownNow();
            out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status); // no non-daemon thread of a library keeps a host alive
        }
    }

    static String text(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    static InetSocketAddress parse(String hostPort) throws IOException {
        int c = hostPort.lastIndexOf(':');
        return new InetSocketAddress(InetAddress.getByName(hostPort.substring(0, c)),
                Integer.parseInt(hostPort.substring(c + 1)));
    }
}
