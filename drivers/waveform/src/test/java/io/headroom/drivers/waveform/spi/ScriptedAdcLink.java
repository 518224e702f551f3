package io.headroom.drivers.waveform.spi;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** A scripted converter: each DRDY edge has a time and the frame the ADC sends after it. No threads. */
final class ScriptedAdcLink implements AdcLink {

    private record Step(long edgeNanos, byte[] frame) {
    }

    private final ArrayDeque<Step> script = new ArrayDeque<>();
    private byte[] nextFrame;
    final List<byte[]> sent = new ArrayList<>();
    boolean closed;

    ScriptedAdcLink edge(long nanos, byte[] frame) {
        script.add(new Step(nanos, frame.clone()));
        return this;
    }

    int remaining() {
        return script.size();
    }

    @Override
    public long awaitDataReady(long timeoutNanos) {
        Step s = script.poll();
        if (s == null || closed) {
            return NO_EDGE; // the script has run out: a DRDY timeout
        }
        nextFrame = s.frame();
        return s.edgeNanos();
    }

    @Override
    public void transfer(byte[] tx, byte[] rx, int len) {
        sent.add(java.util.Arrays.copyOf(tx, len));
        System.arraycopy(nextFrame, 0, rx, 0, len);
    }

    @Override
    public void close() {
        closed = true;
    }
}
