package io.headroom.drivers.waveform;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may send a {@link UdpSampleSource} its frames: the front-end's address (any port of it) or its address and
 * port. There is no default: a caller says {@link #only} with the front-ends it expects, or {@link #any()} where
 * anyone on the network may (a test, a front-end on a point-to-point link), so that an open socket is never an
 * accident. A UDP source address can be forged by a host on the same segment: this keeps out everyone else, not
 * an attacker who can spoof the front-end.
 */
public sealed interface Senders {

    /** Whether a datagram from {@code address}:{@code port} may be read. */
    boolean allows(InetAddress address, int port);

    /** Anyone: every datagram is read (the behaviour before sources had to be named). */
    static Senders any() {
        return Any.INSTANCE;
    }

    /** Only these senders; port 0 allows every port of that address. */
    static Senders only(List<InetSocketAddress> allowed) {
        return new Only(allowed);
    }

    static Senders only(InetSocketAddress... allowed) {
        return new Only(List.of(allowed));
    }

    /**
     * From {@code HOST} or {@code HOST:PORT} (an IPv6 address in brackets: {@code [::1]:5000}); the host must be
     * an IP address, not a name (no lookup at start, no answer an attacker could forge).
     *
     * @throws IllegalArgumentException naming the entry and what is wrong with it
     */
    static Senders parse(List<String> entries) {
        List<InetSocketAddress> list = new ArrayList<>();
        for (String e : entries) {
            list.add(address(e));
        }
        return only(list);
    }

    private static InetSocketAddress address(String entry) {
        String s = entry == null ? "" : entry.strip();
        String host = s;
        int port = 0;
        int colon = s.lastIndexOf(':');
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("sender '" + entry + "': missing ']' after the IPv6 address");
            }
            host = s.substring(1, close);
            if (close + 1 < s.length()) {
                if (s.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("sender '" + entry + "': expected ':PORT' after ']'");
                }
                port = port(entry, s.substring(close + 2));
            }
        } else if (colon >= 0 && s.indexOf(':') == colon) {
            host = s.substring(0, colon);
            port = port(entry, s.substring(colon + 1));
        }
        boolean literal = host.matches("\\d{1,3}(\\.\\d{1,3}){3}")
                || (host.contains(":") && host.matches("[0-9a-fA-F:.]+(%[\\w.]+)?"));
        if (!literal) {
            throw new IllegalArgumentException("sender '" + entry + "': an IP address is needed (HOST or HOST:PORT), not a name");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException ex) {
            throw new IllegalArgumentException("sender '" + entry + "': not an IP address: " + ex.getMessage(), ex);
        }
    }

    private static int port(String entry, String text) {
        try {
            int p = Integer.parseInt(text);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("sender '" + entry + "': port must be 1..65535, was '" + text + "'");
        }
    }

    /** Every sender. */
    enum Any implements Senders {
        INSTANCE;

        @Override
        public boolean allows(InetAddress address, int port) {
            return true;
        }

        @Override
        public String toString() {
            return "any sender";
        }
    }

    /**
     * The listed senders.
     *
     * @param addresses at least one; port 0: any port of that address
     */
    record Only(List<InetSocketAddress> addresses) implements Senders {
        public Only {
            addresses = List.copyOf(addresses);
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("no allowed sender: name the front-ends, or say Senders.any()");
            }
            for (InetSocketAddress a : addresses) {
                if (a.isUnresolved()) {
                    throw new IllegalArgumentException("sender " + a + " is not an IP address");
                }
            }
        }

        @Override
        public boolean allows(InetAddress address, int port) {
            for (int i = 0; i < addresses.size(); i++) {
                InetSocketAddress a = addresses.get(i);
                if (a.getAddress().equals(address) && (a.getPort() == 0 || a.getPort() == port)) {
                    return true;
                }
            }
            return false;
        }
    }
}
