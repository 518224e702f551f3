package io.headroom.drivers.waveform.spi;

/**
 * The ADS131M word size (MODE register WLENGTH[1:0], echoed in STATUS bits 9:8). Commands, responses and the
 * CRC always carry 16 bits, MSB-aligned and zero-padded; conversion data carry 24 bits (truncated to 16 in the
 * 16-bit mode, zero-padded or sign-extended to 32 in the 32-bit modes).
 */
public enum WordLength {
    /** 16-bit words: conversion data truncated to their 16 MSBs. */
    BITS_16(0, 2),
    /** 24-bit words, the device's default. */
    BITS_24(1, 3),
    /** 32-bit words, 24-bit data followed by 8 zero bits. */
    BITS_32_ZERO_PAD(2, 4),
    /** 32-bit words, 24-bit data preceded by 8 sign-extension bits. */
    BITS_32_SIGN_EXTEND(3, 4);

    private final int code;
    private final int bytes;

    WordLength(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** WLENGTH[1:0] as the MODE and STATUS registers hold it. */
    public int code() {
        return code;
    }

    public int bytes() {
        return bytes;
    }
}
