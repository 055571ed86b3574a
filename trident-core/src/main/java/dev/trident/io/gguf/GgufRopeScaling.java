package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.kernels.RopeScaling;
import dev.trident.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * RoPE scaling in GGUF, as llama.cpp stores and runs it:
 *
 * <ul>
 *   <li>linear: {@code <arch>.rope.scaling.type = "linear"} and {@code rope.scaling.factor} (llama.cpp divides every
 *       frequency by the factor; an absent type with a factor means linear too);</li>
 *   <li>YaRN: type "yarn", factor, {@code rope.scaling.original_context_length} and optionally
 *       {@code rope.scaling.attn_factor}, by which llama.cpp multiplies cos and sin on top of YaRN's
 *       0.1 ln(factor) + 1. llama.cpp does not read beta_fast / beta_slow (it uses 32 and 1), so only those are
 *       written or read;</li>
 *   <li>Llama 3 (Llama 3.1+): no keys but a {@code rope_freqs.weight} tensor of d/2 per-pair divisors (llama.cpp's
 *       convert script computes them from factor, low/high_freq_factor and original_max_position_embeddings). On
 *       import Trident recovers llama3 parameters that give exactly these divisors; the parameters are only known up
 *       to a common scale of original context, low and high factor (the frequencies depend on their ratios), so
 *       low_freq_factor is taken as 1, as every Llama 3 model has it.</li>
 * </ul>
 * Anything else (any scaling in deepseek2, whose graph scales the softmax for YaRN with its yarn_log_multiplier
 * whatever the type; LongRoPE; an attention factor without YaRN) is refused with one line rather than run
 * differently from llama.cpp.
 */
final class GgufRopeScaling {
    /** The tensor llama.cpp reads Llama 3's per-pair frequency divisors from. */
    static final String ROPE_FREQS = "rope_freqs.weight";

    /** Relative agreement required between the file's divisors and the recovered parameters' (F32 storage). */
    private static final double TOLERANCE = 2e-6;

    private GgufRopeScaling() {}

    /** Writes c's scaling for arch: keys, and the divisors tensor for llama3 (refused where llama.cpp lacks it). */
    static void write(GgufWriter w, GgufArchitecture arch, ModelConfig c) {
        RopeScaling s = c.ropeScaling();
        if (s == null) return;
        switch (s.kind()) {
            case LINEAR -> {
                w.putString(arch.key("rope.scaling.type"), "linear");
                w.putFloat32(arch.key("rope.scaling.factor"), (float) s.factor());
            }
            case YARN -> {
                w.putString(arch.key("rope.scaling.type"), "yarn");
                w.putFloat32(arch.key("rope.scaling.factor"), (float) s.factor());
                w.putUInt32(arch.key("rope.scaling.original_context_length"), s.originalContext());
                double attn = s.cosSinFactor() / defaultYarnMagnitude(s.factor());
                if (attn != 1) w.putFloat32(arch.key("rope.scaling.attn_factor"), (float) attn);
            }
            case LLAMA3 -> w.addF32(ROPE_FREQS, new long[] {c.ropeDim() / 2}, divisors(s, c.ropeDim(), c.ropeTheta()));
        }
    }

    /** Why llama.cpp's arch would run c's scaling differently, or null if it runs it as Trident does. */
    static String inexpressible(GgufArchitecture arch, ModelConfig c) {
        RopeScaling s = c.ropeScaling();
        if (s == null) return null;
        if (c.mla() != null) return "RoPE scaling with multi-head latent attention is not written yet (llama.cpp's deepseek2 "
                + "scales its softmax by (0.1 ln(factor) + 1)^2 for any scaling, as YaRN needs)";
        return switch (s.kind()) {
            case LINEAR -> null;
            case LLAMA3 -> arch == GgufArchitecture.LLAMA ? null : "Llama 3 RoPE scaling (rope_freqs) is read by llama.cpp's llama architecture only";
            case YARN -> s.betaFast() != 32 || s.betaSlow() != 1 ? "llama.cpp's YaRN uses beta_fast 32 and beta_slow 1, this model "
                    + s.betaFast() + " and " + s.betaSlow() : null;
        };
    }

    /** llama.cpp's cos/sin magnitude for YaRN with no attn_factor key: 0.1 ln(factor) + 1 (1 for factor <= 1). */
    private static double defaultYarnMagnitude(double factor) {
        return factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1;
    }

    /** Each pair's frequency divisor: unscaled over scaled frequency. */
    static float[] divisors(RopeScaling s, int d, double theta) {
        double[] f = s.frequencies(d, theta);
        float[] out = new float[d / 2];
        for (int i = 0; i < out.length; i++) out[i] = (float) (Math.pow(theta, -2.0 * i / d) / f[i]);
        return out;
    }

    /**
     * The scaling a file's keys and rope_freqs tensor describe (null for none). ropeDim is the rotated width, ctx
     * the context length (YaRN's default original context). Throws a one-line TridentException naming the file.
     */
    static RopeScaling read(GgufFile g, GgufArchitecture arch, int ropeDim, int ctx, double theta) {
        String name = g.name();
        String typeKey = arch.key("rope.scaling.type");
        String type = g.has(typeKey) ? g.getString(typeKey) : "linear"; // llama.cpp's default
        double factor = g.has(arch.key("rope.scaling.factor")) ? g.getDouble(arch.key("rope.scaling.factor")) : 0;
        double attn = g.has(arch.key("rope.scaling.attn_factor")) ? g.getDouble(arch.key("rope.scaling.attn_factor")) : 1;
        if (!Double.isFinite(factor) || factor < 0 || factor > 1e6 || !(attn > 0 && attn < 1e6))
            throw new TridentException(name + ": rope.scaling.factor " + factor + " or attn_factor " + attn + " is out of range");
        if (type.equals("none") || factor == 0 || factor == 1) {
            if (type.equals("yarn") && attn != 1 || !type.equals("yarn") && !type.equals("linear") && !type.equals("none"))
                throw unsupported(name, "RoPE scaling '" + GgufReader.printable(type) + "' (factor " + factor + ", attn_factor " + attn + ")");
            factor = 0;
        }
        if (attn != 1 && !type.equals("yarn")) throw unsupported(name, "rope.scaling.attn_factor " + attn + " without YaRN");
        RopeScaling keys = null;
        if (factor != 0 && arch == GgufArchitecture.DEEPSEEK2)
            throw unsupported(name, "RoPE scaling in deepseek2 (llama.cpp's YaRN softmax scaling with yarn_log_multiplier)");
        if (factor != 0) {
            keys = switch (type) {
                case "linear" -> RopeScaling.linear(factor);
                case "yarn" -> {
                    if (g.has(arch.key("rope.scaling.yarn_log_multiplier")))
                        throw unsupported(name, "YaRN with yarn_log_multiplier");
                    long orig = g.has(arch.key("rope.scaling.original_context_length"))
                            ? g.getLong(arch.key("rope.scaling.original_context_length")) : ctx;
                    if (orig < 1 || orig > 1 << 24)
                        throw new TridentException(name + ": rope.scaling.original_context_length " + orig + " is out of range");
                    yield RopeScaling.yarn(factor, (int) orig, 32, 1, 0, 0, attn == 1 ? 0 : attn * defaultYarnMagnitude(factor));
                }
                default -> throw unsupported(name, "RoPE scaling '" + GgufReader.printable(type) + "'");
            };
        }
        GgufTensor freqs = g.findTensor(ROPE_FREQS).orElse(null);
        if (freqs == null || arch != GgufArchitecture.LLAMA) return keys; // elsewhere it is a tensor left over: refused
        if (keys != null) throw unsupported(name, "rope_freqs.weight together with RoPE scaling '" + type + "'");
        if (freqs.type() != GgmlType.F32 || freqs.rank() != 1 || freqs.dim(0) != ropeDim / 2)
            throw new TridentException(name + ": tensor '" + ROPE_FREQS + "' is " + freqs.type() + " " + java.util.Arrays.toString(freqs.shape())
                    + ", expected F32 [" + ropeDim / 2 + "] (one divisor per rotated pair)");
        float[] div = GgufTensorData.read(freqs, 0, 1);
        RopeScaling s = llama3(div, ropeDim, theta);
        if (s == NO_SCALING) return null;
        if (s == null) throw unsupported(name, "a rope_freqs.weight that is not Llama 3's RoPE scaling");
        return s;
    }

    private static final RopeScaling NO_SCALING = RopeScaling.linear(1);

    /**
     * llama3 parameters giving exactly these divisors (NO_SCALING if all are 1), or null. The factor is the largest
     * divisor; pairs strictly between 1 and the factor are blended, s = (1/div - 1/factor) / (1 - 1/factor), which
     * is linear in 1/wavelength: s = (original / wavelength - low) / (high - low). With low = 1 a line through two
     * or more blended pairs gives high and the original context; with fewer, Llama 3's high = 4 is assumed and the
     * original context is taken from the one blended pair or the gap between kept and divided pairs.
     */
    static RopeScaling llama3(float[] div, int d, double theta) {
        double factor = 0;
        for (float v : div) {
            if (!(v >= 1 - 1e-6) || !Float.isFinite(v)) return null;
            factor = Math.max(factor, v);
        }
        if (factor <= 1 + 1e-6) return NO_SCALING;
        int pairs = div.length;
        double[] wavelength = new double[pairs];
        for (int i = 0; i < pairs; i++) wavelength[i] = 2 * Math.PI / Math.pow(theta, -2.0 * i / d);
        List<double[]> blended = new ArrayList<>(); // {1/wavelength, s}
        double minDivided = Double.POSITIVE_INFINITY, maxKept = 0;
        for (int i = 0; i < pairs; i++) {
            double v = div[i];
            if (Math.abs(v - 1) <= 1e-6) maxKept = Math.max(maxKept, wavelength[i]);
            else if (Math.abs(v - factor) <= factor * 1e-6) minDivided = Math.min(minDivided, wavelength[i]);
            else blended.add(new double[] {1 / wavelength[i], (1 / v - 1 / factor) / (1 - 1 / factor)});
        }
        List<double[]> candidates = new ArrayList<>(); // {low, high, original}
        if (blended.size() >= 2) { // least squares s = a x + b; low = 1: high - 1 = -1/b, original = a (high - 1)
            double n = blended.size(), sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (double[] p : blended) {
                sx += p[0];
                sy += p[1];
                sxx += p[0] * p[0];
                sxy += p[0] * p[1];
            }
            double a = (n * sxy - sx * sy) / (n * sxx - sx * sx), b = (sy - a * sx) / n;
            if (b < 0) candidates.add(new double[] {1, 1 - 1 / b, -a / b});
        } else if (blended.size() == 1) {
            double[] p = blended.getFirst();
            candidates.add(new double[] {1, 4, (3 * p[1] + 1) / p[0]});
        } else if (Double.isFinite(minDivided)) {
            candidates.add(new double[] {1, 4, Math.floor(minDivided)});
            candidates.add(new double[] {1, 4, Math.ceil(4 * maxKept)});
        }
        candidates.add(new double[] {1, 4, 8192}); // Llama 3.1 and 3.2
        for (double[] c : candidates) {
            long original = Math.round(c[2]);
            if (original < 1 || original > 1 << 24 || !(c[1] > c[0])) continue;
            double high = c[1];
            for (double h : new double[] {Math.round(high * 1e6) / 1e6, high}) { // the round value if it fits
                RopeScaling s;
                try {
                    s = RopeScaling.llama3(factor, 1, h, (int) original);
                } catch (IllegalArgumentException e) {
                    continue;
                }
                if (matches(divisors(s, d, theta), div)) return s;
            }
        }
        return null;
    }

    private static boolean matches(float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > TOLERANCE * Math.max(a[i], b[i])) return false;
        return true;
    }

    private static TridentException unsupported(String name, String what) {
        return new TridentException(name + ": " + what + " is not supported yet");
    }
}
