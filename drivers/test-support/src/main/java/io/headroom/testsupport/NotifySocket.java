package io.headroom.testsupport;

import io.headroom.common.SdNotify;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/** The systemd side, for tests: a bound AF_UNIX datagram socket, read without blocking. */
public final class NotifySocket implements AutoCloseable {

    private static final Linker L = Linker.nativeLinker();
    private static final MethodHandle SOCKET = h("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = h("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = h("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = h("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final int MSG_DONTWAIT = 0x40;

    private final int fd;

    public NotifySocket(String name) throws Throwable {
        fd = (int) SOCKET.invokeExact(1, 2, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SdNotify.SOCKADDR_UN_SIZE);
            int len = SdNotify.sockaddr(addr, name);
            int rc = (int) BIND.invokeExact(fd, addr, len);
            if (rc != 0) {
                throw new IllegalStateException("bind " + name + " failed");
            }
        }
    }

    /** The next queued datagram, or null if none is queued. */
    public String poll() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long n = (long) RECV.invokeExact(fd, buf, 4096L, MSG_DONTWAIT);
            return n < 0 ? null : new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new Exception(t);
        }
    }

    private static MethodHandle h(String name, FunctionDescriptor fd) {
        return L.downcallHandle(L.defaultLookup().find(name).orElseThrow(), fd);
    }
}
