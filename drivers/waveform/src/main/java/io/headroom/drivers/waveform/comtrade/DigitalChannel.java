package io.headroom.drivers.waveform.comtrade;

/** A status channel of a COMTRADE record ({@code Dn,ch_id,ph,ccbm,y}); {@code normalState} 0 or 1. */
public record DigitalChannel(String id, String phase, String circuit, int normalState) {
}
