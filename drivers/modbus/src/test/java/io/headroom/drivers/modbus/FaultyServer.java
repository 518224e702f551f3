package io.headroom.drivers.modbus;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A raw Modbus TCP gateway for fault tests: per unit id it answers well (registers = address & 0xFFFF), stays
 * silent, answers an exception code, a short response, or garbage. Written from the MBAP/PDU layout, not j2mod.
 */
final class FaultyServer implements AutoCloseable {

    enum Behaviour { OK, SILENT, EXCEPTION_2, EXCEPTION_4, SHORT, GARBAGE, BAD_BYTE_COUNT }

    private final ServerSocket server;
    private final Map<Integer, Behaviour> units = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> requests = new ConcurrentHashMap<>();
    private final Random random = new Random(7);
    private volatile boolean open = true;

    FaultyServer() throws IOException {
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "faulty-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    FaultyServer unit(int unit, Behaviour b) {
        units.put(unit, b);
        return this;
    }

    long requests(int unit) {
        return requests.computeIfAbsent(unit, k -> new AtomicLong()).get();
    }

    private void accept() {
        while (open) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "faulty-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            while (open) {
                int tid = in.readUnsignedShort();
                in.readUnsignedShort(); // protocol
                int len = in.readUnsignedShort();
                byte[] pdu = new byte[len];
                in.readFully(pdu);
                int unit = pdu[0] & 0xFF;
                int fc = pdu[1] & 0xFF;
                int address = ((pdu[2] & 0xFF) << 8) | (pdu[3] & 0xFF);
                int count = ((pdu[4] & 0xFF) << 8) | (pdu[5] & 0xFF);
                requests.computeIfAbsent(unit, k -> new AtomicLong()).incrementAndGet();
                Behaviour b = units.getOrDefault(unit, Behaviour.SILENT);
                byte[] body;
                switch (b) {
                    case SILENT -> {
                        continue;
                    }
                    case EXCEPTION_2, EXCEPTION_4 -> body = new byte[]{(byte) (fc | 0x80), (byte) (b == Behaviour.EXCEPTION_2 ? 2 : 4)};
                    case GARBAGE -> {
                        byte[] junk = new byte[9];
                        random.nextBytes(junk);
                        out.write(junk);
                        out.flush();
                        continue;
                    }
                    default -> {
                        int n = b == Behaviour.SHORT ? Math.max(1, count / 2) : count;
                        body = new byte[2 + 2 * n];
                        body[0] = (byte) fc;
                        body[1] = (byte) (b == Behaviour.BAD_BYTE_COUNT ? 2 * n + 4 : 2 * n); // claims more than it sends
                        for (int i = 0; i < n; i++) {
                            int v = (address + i) & 0xFFFF;
                            body[2 + 2 * i] = (byte) (v >> 8);
                            body[3 + 2 * i] = (byte) v;
                        }
                    }
                }
                byte[] frame = new byte[7 + body.length];
                frame[0] = (byte) (tid >> 8);
                frame[1] = (byte) tid;
                frame[4] = (byte) ((body.length + 1) >> 8);
                frame[5] = (byte) (body.length + 1);
                frame[6] = (byte) unit;
                System.arraycopy(body, 0, frame, 7, body.length);
                out.write(frame);
                out.flush();
            }
        } catch (IOException e) {
            // client went away
        }
    }

    @Override
    public void close() throws IOException {
        open = false;
        server.close();
    }
}
