package io.headroom.drivers.waveform.comtrade;

/**
 * The .dat file type ({@code ft} in the .cfg). The writer writes ASCII and BINARY (int16 analog); the reader
 * also reads the 2013 BINARY32 (int32) and FLOAT32 files.
 */
public enum DataFormat { ASCII, BINARY, BINARY32, FLOAT32 }
