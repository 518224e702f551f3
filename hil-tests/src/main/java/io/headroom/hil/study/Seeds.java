package io.headroom.hil.study;

/** Stable seed derivation: one 64-bit stream per (seed, kind, key), independent of iteration order. */
final class Seeds {

    private Seeds() {
    }

    static long mix(long seed, long kind, long key) {
        return mix64(mix64(seed ^ mix64(kind)) + key * 0x9E3779B97F4A7C15L);
    }

    /** SplitMix64's finaliser. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
