package io.headroom.appliance.site;

/** An RS-485 serial line for Modbus RTU: the device and its settings ({@code parity}: none, even or odd). */
public record SerialLine(String device, int baud, int dataBits, String parity, int stopBits) {
}
