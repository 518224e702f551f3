package io.headroom.common;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * {@code sd_notify(3)} in Java, for both services (the node agent and the appliance): one datagram to the {@code AF_UNIX}/{@code SOCK_DGRAM} socket named by
 * {@code $NOTIFY_SOCKET} ({@code READY=1}, {@code WATCHDOG=1}, {@code STATUS=...}, {@code STOPPING=1}).
 *
 * <p>Why the foreign function API: {@code java.nio} speaks {@code AF_UNIX} only through {@code SocketChannel}
 * and {@code ServerSocketChannel} (stream sockets); {@code DatagramChannel} refuses
 * {@code StandardProtocolFamily.UNIX}, and systemd's notification socket is a datagram socket (a stream
 * connect to it fails with {@code EPROTOTYPE}). So the three libc calls ({@code socket}, {@code sendto},
 * {@code close}) are made through {@link Linker}: no JNI, nothing compiled, only
 * {@code --enable-native-access=ALL-UNNAMED} on the JVM. Both path names and Linux abstract names
 * ({@code @name}) are supported, as systemd hands out either.
 */
public final class SdNotify {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** {@code struct sockaddr_un}: a 2-byte family and 108 bytes of path. */
    public static final int SOCKADDR_UN_SIZE = 110;
    private static final int SUN_PATH_MAX = 108;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO_HANDLE = Linker.Option.captureStateLayout()
            .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SOCKET = downcall("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SENDTO = downcall("sendto",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private final String socketName;

    private SdNotify(String socketName) {
        this.socketName = socketName;
    }

    /** The notifier for {@code $NOTIFY_SOCKET}; one that does nothing when the variable is unset (not under systemd). */
    public static SdNotify fromEnvironment() {
        String name = System.getenv("NOTIFY_SOCKET");
        return new SdNotify(name == null || name.isEmpty() ? null : name);
    }

    /** A notifier for an explicit socket name (a path, or {@code @name} for an abstract socket). */
    public static SdNotify to(String socketName) {
        return new SdNotify(socketName);
    }

    /** Whether notifications go anywhere (systemd started us with {@code Type=notify} or a watchdog). */
    public boolean enabled() {
        return socketName != null;
    }

    /**
     * Sends one notification ({@code KEY=VALUE} lines). Returns false when disabled; throws
     * {@link NotifyException} with libc's reason when the socket cannot be reached.
     */
    public boolean send(String state) {
        if (socketName == null) {
            return false;
        }
        byte[] payload = state.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE);
            int addrLen = sockaddr(addr, socketName);
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            int fd = (int) SOCKET.invokeExact(errno, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new NotifyException("sd_notify: socket(AF_UNIX, SOCK_DGRAM) failed: " + strerror(errno));
            }
            try {
                MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, payload);
                long sent = (long) SENDTO.invokeExact(errno, fd, buf, (long) payload.length, MSG_NOSIGNAL, addr, addrLen);
                if (sent < 0) {
                    throw new NotifyException("sd_notify: cannot send to NOTIFY_SOCKET " + socketName + ": " + strerror(errno));
                }
                return true;
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (NotifyException | IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw new NotifyException("sd_notify: native call failed: " + t, t);
        }
    }

    /** Fills a {@code sockaddr_un} and returns its length ({@code @name}: abstract, no terminating NUL). */
    public static int sockaddr(MemorySegment addr, String name) {
        boolean abstractName = name.startsWith("@");
        byte[] path = name.getBytes(StandardCharsets.UTF_8);
        if (path.length == 0 || path.length > SUN_PATH_MAX - (abstractName ? 0 : 1)) {
            throw new IllegalArgumentException("sd_notify: socket name must be 1.." + (SUN_PATH_MAX - 1)
                    + " bytes: " + name);
        }
        addr.fill((byte) 0);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, 2, path.length);
        if (abstractName) {
            addr.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
            return 2 + path.length;
        }
        return 2 + path.length + 1;
    }

    static String strerror(MemorySegment callState) {
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

    /** The notification socket could not be reached. */
    public static final class NotifyException extends RuntimeException {
        NotifyException(String message) {
            super(message);
        }

        NotifyException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
