package io.headroom.drivers.modbus;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.procimg.IllegalAddressException;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntBinaryOperator;

/**
 * A Modbus server (j2mod) serving register maps, one per unit id, over TCP or RTU: the simulator's meters and
 * banks, and a server external clients such as {@code mbpoll} can read. Only the registers a map declares
 * (points and gaps) or that were seeded with {@link Unit#setWords} are served; any other address is answered
 * with exception 2 (illegal data address), as real devices do. Values are written with {@link Unit#set};
 * a read always sees a block whole (never half of an update), because ranges are copied under the unit's lock.
 * Writes from clients (function 6 and 16) land in the registers, through an optional filter that can model a
 * device that clamps or ignores them.
 */
public final class MeterSlave implements AutoCloseable {

    private final ModbusSlave slave;
    private final Map<Integer, Unit> units = new ConcurrentHashMap<>();

    /** Serves {@code map} for {@code unitId} on a new TCP server at {@code bindHost:port}. */
    public MeterSlave(String bindHost, int port, int unitId, RegisterMap map) throws ModbusException {
        this(tcpSlave(bindHost, port));
        serve(unitId, map);
    }

    private MeterSlave(ModbusSlave slave) throws ModbusException {
        this.slave = slave;
        slave.open();
    }

    /** An empty TCP server: add units with {@link #serve} (a gateway in front of several devices). */
    public static MeterSlave tcp(String bindHost, int port) throws ModbusException {
        return new MeterSlave(tcpSlave(bindHost, port));
    }

    /** An empty RTU server on a serial port. */
    public static MeterSlave rtu(Transport.Rtu line) throws ModbusException {
        return new MeterSlave(ModbusSlaveFactory.createSerialSlave(SerialLine.parameters(line)));
    }

    private static ModbusSlave tcpSlave(String bindHost, int port) throws ModbusException {
        try {
            return ModbusSlaveFactory.createTCPSlave(InetAddress.getByName(bindHost), port, 4, false, 0);
        } catch (UnknownHostException e) {
            throw new ModbusException("cannot resolve " + bindHost);
        }
    }

    /** Serves a map (or, with null, only words seeded later) for a unit id. */
    public Unit serve(int unitId, RegisterMap map) {
        Unit u = new Unit(unitId, map);
        if (units.putIfAbsent(unitId, u) != null) {
            throw new IllegalArgumentException("unit " + unitId + " is already served");
        }
        slave.addProcessImage(unitId, u);
        return u;
    }

    /** The unit served for {@code unitId}. */
    public Unit unit(int unitId) {
        Unit u = units.get(unitId);
        if (u == null) {
            throw new IllegalArgumentException("unit " + unitId + " is not served; served: " + units.keySet());
        }
        return u;
    }

    public int port() {
        return slave.getPort();
    }

    /** The map of the only unit. */
    public RegisterMap map() {
        return only().map;
    }

    /** Sets points of the only unit (see {@link Unit#set}). */
    public void set(String[] names, double[] values) {
        only().set(names, values);
    }

    private Unit only() {
        if (units.size() != 1) {
            throw new IllegalStateException("this server has " + units.size() + " units; use unit(id)");
        }
        return units.values().iterator().next();
    }

    @Override
    public void close() {
        ModbusSlaveFactory.close(slave);
    }

    /** One served unit id: its registers, sparse over the whole 16-bit address space. */
    public static final class Unit extends SimpleProcessImage {
        private final RegisterMap map;
        private final int[] holding = new int[65536];
        private final int[] input = new int[65536];
        private final BitSet servedHolding = new BitSet(65536);
        private final BitSet servedInput = new BitSet(65536);
        private volatile IntBinaryOperator writeFilter = (address, value) -> value;
        private volatile long writes;
        private volatile boolean failing;

        Unit(int unitId, RegisterMap map) {
            super(unitId);
            this.map = map;
            if (map != null) {
                for (RegisterPoint p : map.points()) {
                    served(p.function()).set(p.address(), p.end());
                }
                for (RegisterMap.Gap g : map.gaps()) {
                    served(g.function()).set(g.address(), g.address() + g.count());
                }
            }
        }

        private BitSet served(int fc) {
            return fc == 4 ? servedInput : servedHolding;
        }

        private int[] words(int fc) {
            return fc == 4 ? input : holding;
        }

        public RegisterMap map() {
            return map;
        }

        /** Writes received from clients. */
        public long writes() {
            return writes;
        }

        /**
         * What a client's write of {@code value} to {@code address} stores ({@code (address, value) -> stored});
         * models a device that clamps or ignores a setpoint.
         */
        public void onWrite(IntBinaryOperator filter) {
            this.writeFilter = filter;
        }

        /** Sets several points at once (engineering values, Headroom's sign convention); unknown names are rejected. */
        public void set(String[] names, double[] values) {
            synchronized (this) {
                for (int k = 0; k < names.length; k++) {
                    int i = index(names[k]);
                    RegisterPoint p = map.points().get(i);
                    int sfi = map.scaleFactorOf(i);
                    double sf = sfi < 0 ? 0 : (short) words(3)[map.points().get(sfi).address()];
                    int[] w = map.encode(i, values[k], sf);
                    System.arraycopy(w, 0, words(p.function()), p.address(), w.length);
                }
            }
        }

        /** Sets a string point. */
        public void setText(String name, String text) {
            synchronized (this) {
                int i = index(name);
                RegisterPoint p = map.points().get(i);
                int[] w = map.encodeText(i, text);
                System.arraycopy(w, 0, words(p.function()), p.address(), w.length);
            }
        }

        private int index(String name) {
            int i = map == null ? -1 : map.indexOf(name);
            if (i < 0) {
                throw new IllegalArgumentException("unit " + getUnitID() + ": profile "
                        + (map == null ? "(none)" : map.profile()) + " has no point " + name);
            }
            return i;
        }

        /** Seeds raw words from {@code address} (function 3 or 4) and serves them. */
        public void setWords(int fc, int address, int... w) {
            synchronized (this) {
                System.arraycopy(w, 0, words(fc), address, w.length);
                served(fc).set(address, address + w.length);
            }
        }

        /** The raw words at {@code address}. */
        public int[] words(int fc, int address, int count) {
            synchronized (this) {
                int[] out = new int[count];
                System.arraycopy(words(fc), address, out, 0, count);
                return out;
            }
        }

        /** The current engineering value of a point (the device side). */
        public double value(String name) {
            synchronized (this) {
                int i = index(name);
                RegisterPoint p = map.points().get(i);
                int[] w = words(p.function(), p.address(), p.words());
                int sfi = map.scaleFactorOf(i);
                double sf = sfi < 0 ? 0 : (short) holding[map.points().get(sfi).address()];
                return RegisterMap.decode(p, w, 0, sf, sfi >= 0);
            }
        }

        /**
         * A failed device (simulators' fault drills): while set, every read and write is answered with a Modbus
         * exception, as a meter whose measuring board died answers its gateway.
         */
        public void failing(boolean f) {
            this.failing = f;
        }

        private void check(int fc, int offset, int count) {
            if (failing) {
                throw new IllegalAddressException("unit " + getUnitID() + " is failed (simulated)");
            }
            BitSet s = served(fc);
            if (count <= 0 || offset < 0 || offset + count > 65536 || s.nextClearBit(offset) < offset + count) {
                throw new IllegalAddressException();
            }
        }

        @Override
        public Register[] getRegisterRange(int offset, int count) {
            synchronized (this) {
                check(3, offset, count);
                Register[] out = new Register[count];
                for (int i = 0; i < count; i++) {
                    out[i] = new Cell(offset + i, holding[offset + i]);
                }
                return out;
            }
        }

        @Override
        public Register getRegister(int ref) {
            return getRegisterRange(ref, 1)[0];
        }

        @Override
        public InputRegister[] getInputRegisterRange(int offset, int count) {
            synchronized (this) {
                check(4, offset, count);
                InputRegister[] out = new InputRegister[count];
                for (int i = 0; i < count; i++) {
                    out[i] = new SimpleInputRegister(input[offset + i]);
                }
                return out;
            }
        }

        @Override
        public InputRegister getInputRegister(int ref) {
            return getInputRegisterRange(ref, 1)[0];
        }

        @Override
        public int getRegisterCount() {
            return 65536;
        }

        @Override
        public int getInputRegisterCount() {
            return 65536;
        }

        /** A snapshot of one holding register for reading; a client's write goes through to the unit. */
        private final class Cell implements Register {
            private final int address;
            private int value;

            Cell(int address, int value) {
                this.address = address;
                this.value = value & 0xFFFF;
            }

            @Override
            public int getValue() {
                return value;
            }

            @Override
            public int toUnsignedShort() {
                return value;
            }

            @Override
            public short toShort() {
                return (short) value;
            }

            @Override
            public byte[] toBytes() {
                return new byte[]{(byte) (value >> 8), (byte) value};
            }

            @Override
            public void setValue(int v) {
                synchronized (Unit.this) {
                    value = writeFilter.applyAsInt(address, v & 0xFFFF) & 0xFFFF;
                    holding[address] = value;
                    writes++;
                }
            }

            @Override
            public void setValue(short s) {
                setValue(s & 0xFFFF);
            }

            @Override
            public void setValue(byte[] bytes) {
                setValue(((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF));
            }
        }
    }
}
