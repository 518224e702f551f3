package io.headroom.drivers.waveform.sv;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the classic libpcap file format (little-endian, microsecond timestamps, version 2.4, LINKTYPE_ETHERNET):
 * a 24-byte header, then per frame a 16-byte record header (seconds, microseconds, captured and original
 * length) and the frame. What tcpdump, Wireshark/tshark and tcpreplay read.
 */
public final class PcapWriter implements AutoCloseable {

    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int SNAPLEN = 65_535;

    private final OutputStream out;
    private final byte[] header = new byte[16];

    public PcapWriter(OutputStream out) throws IOException {
        this.out = out;
        byte[] h = new byte[24];
        le32(h, 0, MAGIC_MICROS);
        le16(h, 4, 2);
        le16(h, 6, 4);
        // thiszone 0, sigfigs 0
        le32(h, 16, SNAPLEN);
        le32(h, 20, LINKTYPE_ETHERNET);
        out.write(h);
    }

    public static PcapWriter create(Path file) throws IOException {
        return new PcapWriter(new BufferedOutputStream(Files.newOutputStream(file)));
    }

    /** Appends one Ethernet frame ({@code frame[off, off + len)}, no FCS) stamped {@code epochNanos}. */
    public void write(byte[] frame, int off, int len, long epochNanos) throws IOException {
        int captured = Math.min(len, SNAPLEN);
        le32(header, 0, (int) Math.floorDiv(epochNanos, 1_000_000_000L));
        le32(header, 4, (int) (Math.floorMod(epochNanos, 1_000_000_000L) / 1000));
        le32(header, 8, captured);
        le32(header, 12, len);
        out.write(header);
        out.write(frame, off, captured);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private static void le16(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >>> 8);
    }

    private static void le32(byte[] b, int p, int v) {
        le16(b, p, v);
        le16(b, p + 2, v >>> 16);
    }
}
