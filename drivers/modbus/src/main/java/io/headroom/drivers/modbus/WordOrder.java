package io.headroom.drivers.modbus;

/** Order of the 16-bit words of a multi-word value. */
public enum WordOrder {
    /** High word first (ABCD): the Modbus convention and most meters (Schneider, Janitza, Eastron, SunSpec). */
    HIGH_FIRST,
    /** Low word first (CDAB): some meters and PLCs ("word swap"). */
    LOW_FIRST
}
