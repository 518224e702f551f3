package io.headroom.drivers.waveform.sv;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Replays the Ethernet frames of a capture file as a {@link RawFrameChannel}: the classic libpcap format (either
 * byte order, microsecond or nanosecond timestamps) and pcapng (Section Header, Interface Description, Enhanced
 * and Simple Packet blocks; other blocks skipped), as tcpdump, dumpcap, tshark and text2pcap write them. Only
 * Ethernet links (LINKTYPE 1) are read; a frame of another link type is skipped. The file is read whole.
 * At its end {@link #receive} returns -1. A file that does not parse throws {@link IOException} naming the byte
 * offset, when opened or at the frame that is broken.
 */
public final class PcapFrameChannel implements RawFrameChannel {

    private final ByteBuffer file;
    private final boolean pcapng;
    private final int[] ifLinkType = new int[64];
    private int interfaces;
    private int classicLinkType;
    private int classicFracNanos = 1000; // 1 for the nanosecond magic
    private long lastTimestamp;
    private volatile boolean closed;

    private PcapFrameChannel(byte[] data) throws IOException {
        file = ByteBuffer.wrap(data);
        if (data.length < 24) {
            throw new IOException("byte 0: not a capture file (" + data.length + " bytes)");
        }
        int magicLe = file.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (magicLe == 0x0A0D0D0A) {
            pcapng = true;
        } else {
            pcapng = false;
            if (magicLe == 0xa1b23c4d || Integer.reverseBytes(magicLe) == 0xa1b23c4d) {
                classicFracNanos = 1;
            }
            if (magicLe == 0xa1b2c3d4 || magicLe == 0xa1b23c4d) {
                file.order(ByteOrder.LITTLE_ENDIAN);
            } else if (Integer.reverseBytes(magicLe) == 0xa1b2c3d4 || Integer.reverseBytes(magicLe) == 0xa1b23c4d) {
                file.order(ByteOrder.BIG_ENDIAN);
            } else {
                throw new IOException(String.format("byte 0: not a pcap or pcapng file (magic 0x%08x)", magicLe));
            }
            classicLinkType = file.getInt(20) & 0x0fff_ffff;
            file.position(24);
        }
    }

    public static PcapFrameChannel open(Path path) throws IOException {
        return new PcapFrameChannel(Files.readAllBytes(path));
    }

    public static PcapFrameChannel of(byte[] data) throws IOException {
        return new PcapFrameChannel(data);
    }

    /** The last frame's timestamp: classic pcap, ns since the epoch; pcapng, as stored (its interface's units). */
    public long lastTimestamp() {
        return lastTimestamp;
    }

    @Override
    public int receive(byte[] buf) throws IOException {
        while (!closed) {
            int n = pcapng ? nextPcapng(buf) : nextClassic(buf);
            if (n != -2) {
                return n;
            }
        }
        return -1;
    }

    private int nextClassic(byte[] buf) throws IOException {
        int at = file.position();
        if (file.remaining() == 0) {
            return -1;
        }
        if (file.remaining() < 16) {
            throw new IOException("byte " + at + ": truncated record header");
        }
        long sec = file.getInt() & 0xffff_ffffL;
        long frac = file.getInt() & 0xffff_ffffL;
        int caplen = file.getInt();
        file.getInt();
        if (caplen < 0 || caplen > file.remaining()) {
            throw new IOException("byte " + (at + 8) + ": record length " + caplen + " past the end of the file");
        }
        lastTimestamp = sec * 1_000_000_000L + frac * classicFracNanos;
        return copy(buf, caplen, classicLinkType);
    }

    private int copy(byte[] buf, int caplen, int linkType) {
        int n = Math.min(caplen, buf.length);
        file.get(file.position(), buf, 0, n);
        file.position(file.position() + caplen);
        return linkType == PcapWriter.LINKTYPE_ETHERNET ? n : -2;
    }

    /** The next Ethernet frame of a pcapng file: its length, -1 at the end, -2 for a block to skip. */
    private int nextPcapng(byte[] buf) throws IOException {
        int at = file.position();
        if (file.remaining() == 0) {
            return -1;
        }
        if (file.remaining() < 12) {
            throw new IOException("byte " + at + ": truncated block header");
        }
        int type = file.getInt(at);
        if (type == 0x0A0D0D0A) {
            int bom = file.getInt(at + 8);
            if (bom == 0x1A2B3C4D) {
                // already in this order
            } else if (Integer.reverseBytes(bom) == 0x1A2B3C4D) {
                file.order(file.order() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            } else {
                throw new IOException(String.format("byte %d: bad byte-order magic 0x%08x", at + 8, bom));
            }
            interfaces = 0;
        }
        int length = file.getInt(at + 4);
        if (length < 12 || (length & 3) != 0 || length > file.remaining()) {
            throw new IOException("byte " + (at + 4) + ": block length " + length + " invalid");
        }
        int next = at + length;
        int result = -2;
        switch (type) {
            case 1 -> { // Interface Description
                if (interfaces < ifLinkType.length) {
                    ifLinkType[interfaces] = file.getShort(at + 8) & 0xffff;
                }
                interfaces++;
            }
            case 6 -> { // Enhanced Packet
                int ifc = file.getInt(at + 8);
                lastTimestamp = ((file.getInt(at + 12) & 0xffff_ffffL) << 32) | (file.getInt(at + 16) & 0xffff_ffffL);
                int caplen = file.getInt(at + 20);
                if (caplen < 0 || 28 + caplen > length) {
                    throw new IOException("byte " + (at + 20) + ": captured length " + caplen + " past its block");
                }
                file.position(at + 28);
                int link = ifc >= 0 && ifc < Math.min(interfaces, ifLinkType.length) ? ifLinkType[ifc] : -1;
                result = copy(buf, caplen, link);
            }
            case 3 -> { // Simple Packet: interface 0, the block holds the frame
                int orig = file.getInt(at + 8);
                int caplen = Math.min(orig, length - 16);
                file.position(at + 12);
                result = copy(buf, caplen, interfaces > 0 ? ifLinkType[0] : -1);
            }
            default -> {
            }
        }
        file.position(next);
        return result;
    }

    @Override
    public void close() {
        closed = true;
    }
}
