package io.headroom.drivers.waveform.sv;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Raw Ethernet frames from a Linux {@code AF_PACKET}/{@code SOCK_RAW} socket bound to one interface (by index),
 * through the JDK's foreign function API ({@code java.lang.foreign}): no JNI, no capture library. By default the
 * socket takes only frames of EtherType 0x88BA (Sampled Values; the kernel removes an 802.1Q tag before such a
 * socket sees the frame, so a tagged stream arrives untagged), or every frame ({@link #ETH_P_ALL}); the
 * destination multicast address is joined ({@code PACKET_ADD_MEMBERSHIP}) so the NIC passes it up.
 *
 * <p>Needs {@code CAP_NET_RAW} (the appliance's systemd unit then grants it and nothing more, and lets the
 * service open {@code AF_PACKET} sockets), and {@code --enable-native-access=ALL-UNNAMED} on the JVM. A socket
 * that cannot be opened throws {@link IOException} with libc's reason (e.g. {@code Operation not permitted}).
 *
 * <p>{@link #receive} waits at most the receive timeout ({@code SO_RCVTIMEO}) and copies the frame from one native
 * buffer allocated at open: no allocation per frame. {@link #close()} from another thread takes effect within
 * the timeout. {@link #send} is for publishers (the bench's merging unit, tests).
 */
public final class AfPacketChannel implements RawFrameChannel {

    public static final int ETH_P_ALL = 0x0003;
    public static final int ETH_P_SV = SvFrames.ETHERTYPE_SV;

    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUF = 8;
    private static final int SO_RCVTIMEO = 20;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_ADD_MEMBERSHIP = 1;
    private static final int PACKET_MR_MULTICAST = 0;
    private static final int MSG_TRUNC = 0x20;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int SOCKADDR_LL_SIZE = 20;
    private static final int MAX_FRAME = 9018;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO_HANDLE = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfLong SIZE = ValueLayout.JAVA_LONG;
    private static final MemoryLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(INT, INT, INT, INT, PTR, INT));
    private static final MethodHandle RECV = downcall("recv", FunctionDescriptor.of(LONG, INT, PTR, SIZE, INT));
    private static final MethodHandle SEND = downcall("send", FunctionDescriptor.of(LONG, INT, PTR, SIZE, INT));
    private static final MethodHandle IF_NAMETOINDEX = downcall("if_nametoindex",
            FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(INT, INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, INT));

    private final int fd;
    private final String interfaceName;
    private final int ifIndex;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rxBuf;
    private final java.nio.ByteBuffer rxView; // absolute bulk copies: MemorySegment.copy to an array wraps it (40 B)
    private final java.nio.ByteBuffer txView;
    private final MemorySegment rxErrno;
    private final MemorySegment txBuf;
    private final MemorySegment txErrno;
    private volatile boolean closed;
    private volatile boolean reading;
    private volatile boolean fdClosed;
    private final Object closeLock = new Object();

    private AfPacketChannel(int fd, String interfaceName, int ifIndex) {
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.ifIndex = ifIndex;
        rxBuf = arena.allocate(MAX_FRAME);
        rxErrno = arena.allocate(Linker.Option.captureStateLayout());
        txBuf = arena.allocate(MAX_FRAME);
        txErrno = arena.allocate(Linker.Option.captureStateLayout());
        rxView = rxBuf.asByteBuffer();
        txView = txBuf.asByteBuffer();
    }

    /**
     * Opens a raw socket on {@code interfaceName}.
     *
     * @param etherType        {@link #ETH_P_SV} (0x88BA) or {@link #ETH_P_ALL}
     * @param multicast        a destination multicast MAC to join (6 bytes), or null
     * @param receiveTimeoutMs how long {@link #receive} waits before returning 0 (≥ 1)
     */
    public static AfPacketChannel open(String interfaceName, int etherType, byte[] multicast, int receiveTimeoutMs)
            throws IOException {
        if (receiveTimeoutMs < 1) {
            throw new IllegalArgumentException("receive timeout must be >= 1 ms");
        }
        if (multicast != null && multicast.length != 6) {
            throw new IllegalArgumentException("a MAC address is 6 bytes");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = a.allocate(Linker.Option.captureStateLayout());
            int index = (int) IF_NAMETOINDEX.invokeExact(errno, a.allocateFrom(interfaceName));
            if (index == 0) {
                throw new IOException("AF_PACKET: no interface '" + interfaceName + "': " + strerror(errno));
            }
            int proto = htons(etherType);
            int fd = (int) SOCKET.invokeExact(errno, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, proto);
            if (fd < 0) {
                throw new IOException("AF_PACKET: socket(AF_PACKET, SOCK_RAW) failed: " + strerror(errno)
                        + " (needs CAP_NET_RAW)");
            }
            boolean ok = false;
            try {
                MemorySegment ll = a.allocate(SOCKADDR_LL_SIZE);
                ll.fill((byte) 0);
                ll.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
                ll.set(ValueLayout.JAVA_SHORT, 2, (short) proto);
                ll.set(INT, 4, index);
                check((int) BIND.invokeExact(errno, fd, ll, SOCKADDR_LL_SIZE), errno, "bind to " + interfaceName);
                MemorySegment tv = a.allocate(16);
                tv.set(LONG, 0, receiveTimeoutMs / 1000L);
                tv.set(LONG, 8, (receiveTimeoutMs % 1000) * 1000L);
                check((int) SETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16), errno,
                        "SO_RCVTIMEO");
                MemorySegment rcvbuf = a.allocateFrom(INT, 4 << 20);
                int ignored = (int) SETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, 4);
                if (multicast != null) {
                    MemorySegment mreq = a.allocate(16); // packet_mreq: ifindex, type, alen, address[8]
                    mreq.fill((byte) 0);
                    mreq.set(INT, 0, index);
                    mreq.set(ValueLayout.JAVA_SHORT, 4, (short) PACKET_MR_MULTICAST);
                    mreq.set(ValueLayout.JAVA_SHORT, 6, (short) 6);
                    MemorySegment.copy(multicast, 0, mreq, ValueLayout.JAVA_BYTE, 8, 6);
                    check((int) SETSOCKOPT.invokeExact(errno, fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, 16), errno,
                            "PACKET_ADD_MEMBERSHIP " + SvFrames.formatMac(multicast, 0));
                }
                ok = true;
                return new AfPacketChannel(fd, interfaceName, index);
            } finally {
                if (!ok) {
                    int ignored = (int) CLOSE.invokeExact(fd);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("AF_PACKET: native call failed: " + t, t);
        }
    }

    private static void check(int rc, MemorySegment errno, String what) throws IOException {
        if (rc < 0) {
            throw new IOException("AF_PACKET: " + what + " failed: " + strerror(errno));
        }
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int interfaceIndex() {
        return ifIndex;
    }

    @Override
    public int receive(byte[] buf) throws IOException {
        reading = true;
        try {
            while (!closed) {
                long n;
                try {
                    n = (long) RECV.invokeExact(rxErrno, fd, rxBuf, (long) MAX_FRAME, MSG_TRUNC);
                } catch (Throwable t) {
                    throw new IOException("AF_PACKET: recv failed: " + t, t);
                }
                if (n >= 0) {
                    int len = (int) Math.min(Math.min(n, MAX_FRAME), buf.length);
                    rxView.get(0, buf, 0, len);
                    return len;
                }
                int errno = (int) ERRNO_HANDLE.get(rxErrno, 0L);
                if (errno == EAGAIN) {
                    return closed ? -1 : 0;
                }
                if (errno != EINTR) {
                    if (closed) {
                        return -1;
                    }
                    throw new IOException("AF_PACKET: recv on " + interfaceName + " failed: " + strerror(rxErrno));
                }
            }
            return -1;
        } finally {
            reading = false;
            if (closed) {
                closeFd();
            }
        }
    }

    /** Sends one frame ({@code frame[0, len)}, Ethernet header first) on the interface. One sending thread. */
    public void send(byte[] frame, int len) throws IOException {
        if (len > MAX_FRAME || len < 14) {
            throw new IllegalArgumentException("frame of " + len + " bytes");
        }
        if (closed) {
            throw new IOException("AF_PACKET: closed");
        }
        txView.put(0, frame, 0, len);
        long n;
        try {
            n = (long) SEND.invokeExact(txErrno, fd, txBuf, (long) len, 0);
        } catch (Throwable t) {
            throw new IOException("AF_PACKET: send failed: " + t, t);
        }
        if (n != len) {
            throw new IOException("AF_PACKET: send on " + interfaceName + " failed: "
                    + (n < 0 ? strerror(txErrno) : "sent " + n + " of " + len + " bytes"));
        }
    }

    @Override
    public void close() {
        closed = true;
        if (!reading) {
            closeFd();
        }
    }

    private void closeFd() {
        synchronized (closeLock) {
            if (fdClosed) {
                return;
            }
            fdClosed = true;
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable ignored) {
                // nothing more to do
            }
            try {
                arena.close();
            } catch (IllegalStateException inUse) {
                // a send still running on another thread: its buffers go with the arena's owner (the GC)
            }
        }
    }

    private static int htons(int v) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Short.toUnsignedInt(Short.reverseBytes((short) v))
                : v & 0xffff;
    }

    private static String strerror(MemorySegment callState) {
        int errno = (int) ERRNO_HANDLE.get(callState, 0L);
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd, ERRNO);
    }
}
