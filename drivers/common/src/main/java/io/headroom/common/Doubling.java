package io.headroom.common;

/** Exponential back-off: each wait twice the last, from a first one, up to a cap. */
public final class Doubling {

    private Doubling() {
    }

    /**
     * The wait after {@code current}: {@code first} if there was none yet ({@code current <= 0}), else twice
     * {@code current}, never above {@code cap} (nor overflowing). Any unit, as long as all three share it.
     */
    public static long next(long current, long first, long cap) {
        if (current <= 0) {
            return first;
        }
        return current > cap / 2 ? cap : Math.min(cap, current * 2);
    }
}
