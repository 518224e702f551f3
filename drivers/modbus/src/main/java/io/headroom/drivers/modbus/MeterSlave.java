package io.headroom.drivers.modbus;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A Modbus TCP server that serves one register map for one unit id: the simulator's meters, and a
 * server that external clients such as {@code mbpoll} can read. Values are written with {@link #set}; a
 * reader always sees each 32-bit value whole, because a block is published under the image's lock.
 */
public final class MeterSlave implements AutoCloseable {

    private final RegisterMap map;
    private final ModbusSlave slave;
    private final SimpleRegister[] registers;
    private final SimpleProcessImage image;

    /** Hands out copies taken under the image's lock, so a block read never mixes two updates. */
    private static final class ConsistentImage extends SimpleProcessImage {
        ConsistentImage(int unitId) {
            super(unitId);
        }

        @Override
        public Register[] getRegisterRange(int offset, int count) {
            synchronized (this) {
                Register[] live = super.getRegisterRange(offset, count);
                Register[] copy = new Register[live.length];
                for (int i = 0; i < live.length; i++) {
                    copy[i] = new SimpleRegister(live[i].getValue());
                }
                return copy;
            }
        }
    }

    public MeterSlave(String bindHost, int port, int unitId, RegisterMap map) throws ModbusException {
        this.map = map;
        this.registers = new SimpleRegister[map.firstAddress() + map.length()];
        this.image = new ConsistentImage(unitId);
        for (int i = 0; i < registers.length; i++) {
            registers[i] = new SimpleRegister(0);
            image.addRegister(registers[i]);
        }
        try {
            this.slave = ModbusSlaveFactory.createTCPSlave(InetAddress.getByName(bindHost), port, 4, false, 0);
        } catch (UnknownHostException e) {
            throw new ModbusException("cannot resolve " + bindHost);
        }
        slave.addProcessImage(unitId, image);
        slave.open();
    }

    public int port() {
        return slave.getPort();
    }

    public RegisterMap map() {
        return map;
    }

    /** Sets several points at once; unknown names are rejected. */
    public void set(String[] names, double[] values) {
        synchronized (image) {
            for (int k = 0; k < names.length; k++) {
                int i = map.indexOf(names[k]);
                if (i < 0) {
                    throw new IllegalArgumentException("profile " + map.profile() + " has no point " + names[k]);
                }
                int[] block = new int[map.length()];
                map.encode(i, values[k], block);
                RegisterPoint p = map.points().get(i);
                int rel = p.address() - map.firstAddress();
                for (int w = 0; w < p.type().words(); w++) {
                    registers[p.address() + w].setValue(block[rel + w]);
                }
            }
        }
    }

    @Override
    public void close() {
        ModbusSlaveFactory.close(slave);
    }
}
