package io.headroom.drivers.gpio;

/** Which Pi4J provider drives the pins. */
public enum GpioProvider {
    /** gpiod when a GPIO character device is present and its library loads, else linuxfs (sysfs). */
    AUTO,
    /** The GPIO character device ({@code /dev/gpiochipN}) through libgpiod. */
    GPIOD,
    /** The legacy sysfs interface ({@code /sys/class/gpio}). */
    LINUXFS,
    /** Pi4J's in-memory mock platform (tests, bench). */
    MOCK
}
