package dev.trident.quant;

/**
 * The definition of "round to the nearest representable value, ties to even, saturating", written the slow and
 * obvious way (binary search over the table of representable magnitudes) so it shares nothing with the bit tricks
 * in {@link Minifloat}. Used by the codec tests.
 */
final class MinifloatReference {
    private final double[] magnitudes; // value of magnitude code k, k = 0..maxFinite, increasing
    private final int maxFinite;
    private final int signBit;
    private final int nanCode;

    MinifloatReference(Minifloat f) {
        this.maxFinite = f.maxFinite;
        this.signBit = f.signBit;
        this.nanCode = f.nanCode;
        this.magnitudes = new double[maxFinite + 1];
        for (int k = 0; k <= maxFinite; k++) {
            int e = k >> f.manBits, m = k & ((1 << f.manBits) - 1);
            magnitudes[k] = e == 0
                    ? Math.scalb((double) m, 1 - f.bias - f.manBits)
                    : Math.scalb(1.0 + Math.scalb((double) m, -f.manBits), e - f.bias);
        }
    }

    double value(int magCode) {
        return magnitudes[magCode];
    }

    /** Saturating encode: the expected code for x. */
    int encode(float x) {
        if (Float.isNaN(x)) return nanCode;
        int sign = Float.floatToRawIntBits(x) < 0 ? signBit : 0;
        double a = Math.abs((double) x);
        if (a >= magnitudes[maxFinite]) return sign | maxFinite;
        int lo = 0, hi = maxFinite; // invariant: magnitudes[lo] <= a < magnitudes[hi]
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (magnitudes[mid] <= a) lo = mid;
            else hi = mid;
        }
        double dLo = a - magnitudes[lo], dHi = magnitudes[hi] - a;
        int k = dLo < dHi ? lo : dHi < dLo ? hi : ((lo & 1) == 0 ? lo : hi);
        return sign | k;
    }
}
