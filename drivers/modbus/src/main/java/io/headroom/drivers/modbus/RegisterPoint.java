package io.headroom.drivers.modbus;

/**
 * One declared value in a device's register map.
 *
 * @param name    the datum's name, e.g. {@code current-L1}
 * @param unit    engineering unit after scaling ("" for dimensionless)
 * @param address zero-based holding-register address
 * @param type    encoding of the raw words
 * @param scale   engineering value = raw × scale
 */
public record RegisterPoint(String name, String unit, int address, PointType type, double scale) {
}
