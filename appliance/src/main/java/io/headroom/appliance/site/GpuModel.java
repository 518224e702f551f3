package io.headroom.appliance.site;

/** A GPU type's power-limit range, per GPU. */
public record GpuModel(String name, double minW, double maxW, double defaultW) {
}
