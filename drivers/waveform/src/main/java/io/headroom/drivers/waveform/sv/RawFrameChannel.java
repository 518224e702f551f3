package io.headroom.drivers.waveform.sv;

import java.io.IOException;

/**
 * Where raw Ethernet frames come from: an {@link AfPacketChannel AF_PACKET socket} on the appliance, frames from
 * memory in tests and benchmarks ({@link ReplayFrameChannel}). One reader thread; {@link #close()} from any thread
 * makes a blocked or later {@link #receive} return -1.
 */
public interface RawFrameChannel extends AutoCloseable {

    /**
     * Copies the next frame (Ethernet header first, no FCS) into {@code buf} and returns its length (a longer frame
     * is truncated to {@code buf.length}); 0 when none arrived within the channel's receive timeout, -1 once closed.
     * Allocates nothing.
     */
    int receive(byte[] buf) throws IOException;

    @Override
    void close();
}
