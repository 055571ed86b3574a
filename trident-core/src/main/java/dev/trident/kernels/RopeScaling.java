package dev.trident.kernels;

/**
 * How a model stretches RoPE beyond the context it was pre-trained on (config.json "rope_scaling"), as transformers
 * computes it. Each kind replaces the frequencies theta^(-2i/d) of pair i:
 *
 * <ul>
 * <li>{@link Kind#LINEAR}: every frequency divided by factor (position interpolation).
 * <li>{@link Kind#LLAMA3} (Llama 3.1+): wavelengths 2 pi / f shorter than original / high_freq_factor keep f, longer
 * than original / low_freq_factor get f / factor, and in between f is blended by
 * s = (original / wavelength - low) / (high - low): (1 - s) f / factor + s f.
 * <li>{@link Kind#YARN} (DeepSeek-V3, Qwen long context): pairs below dimension index low keep f (extrapolation),
 * pairs above high get f / factor (interpolation), with a linear ramp between; low and high are where a pair turns
 * beta_fast and beta_slow times over the original context, d ln(original / (2 pi beta)) / (2 ln theta), rounded out.
 * cos and sin are multiplied by the attention factor m = get(factor, mscale) / get(factor, mscale_all_dim) (or
 * get(factor), or the config's attention_factor), get(s, m) = 0.1 m ln s + 1; and multi-head latent attention scales
 * its softmax by get(factor, mscale_all_dim)^2 (DeepSeek-V3's mscale).
 * </ul>
 *
 * @param originalContext original_max_position_embeddings (LLAMA3, YARN)
 * @param attentionFactor YARN's explicit attention_factor, or 0 to derive it from mscale / mscale_all_dim
 */
public record RopeScaling(Kind kind, double factor, int originalContext, double lowFreqFactor, double highFreqFactor,
                          double betaFast, double betaSlow, double mscale, double mscaleAllDim, double attentionFactor) {
    public enum Kind { LINEAR, LLAMA3, YARN }

    public RopeScaling {
        if (kind == null || !(factor > 0) || Double.isInfinite(factor)) throw new IllegalArgumentException("rope scaling needs a kind and a positive factor");
        if (kind != Kind.LINEAR && originalContext < 1) throw new IllegalArgumentException("rope scaling needs original_max_position_embeddings");
        if (kind == Kind.LLAMA3 && !(highFreqFactor > lowFreqFactor && lowFreqFactor > 0))
            throw new IllegalArgumentException("llama3 rope scaling needs 0 < low_freq_factor < high_freq_factor");
        if (kind == Kind.YARN && !(betaFast > 0 && betaSlow > 0)) throw new IllegalArgumentException("yarn rope scaling needs positive beta_fast and beta_slow");
    }

    public static RopeScaling linear(double factor) {
        return new RopeScaling(Kind.LINEAR, factor, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalContext) {
        return new RopeScaling(Kind.LLAMA3, factor, originalContext, lowFreqFactor, highFreqFactor, 0, 0, 0, 0, 0);
    }

    public static RopeScaling yarn(double factor, int originalContext, double betaFast, double betaSlow, double mscale,
                                   double mscaleAllDim, double attentionFactor) {
        return new RopeScaling(Kind.YARN, factor, originalContext, 0, 0, betaFast, betaSlow, mscale, mscaleAllDim, attentionFactor);
    }

    /** The frequency of each of the d/2 pairs of a d-wide rotation with base theta, scaled. */
    public double[] frequencies(int d, double theta) {
        int pairs = d / 2;
        double[] f = new double[pairs];
        for (int i = 0; i < pairs; i++) f[i] = Math.pow(theta, -2.0 * i / d);
        switch (kind) {
            case LINEAR -> {
                for (int i = 0; i < pairs; i++) f[i] /= factor;
            }
            case LLAMA3 -> {
                double lowWavelength = originalContext / lowFreqFactor, highWavelength = originalContext / highFreqFactor;
                for (int i = 0; i < pairs; i++) {
                    double wavelength = 2 * Math.PI / f[i];
                    if (wavelength > lowWavelength) {
                        f[i] /= factor;
                    } else if (wavelength >= highWavelength) {
                        double s = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                        f[i] = (1 - s) * f[i] / factor + s * f[i];
                    }
                }
            }
            case YARN -> {
                double low = Math.max(Math.floor(correctionDim(betaFast, d, theta)), 0);
                double high = Math.min(Math.ceil(correctionDim(betaSlow, d, theta)), d - 1);
                if (low == high) high += 0.001;
                for (int i = 0; i < pairs; i++) {
                    double ramp = Math.clamp((i - low) / (high - low), 0, 1);
                    double extrapolation = 1 - ramp;
                    f[i] = f[i] / factor * (1 - extrapolation) + f[i] * extrapolation;
                }
            }
        }
        return f;
    }

    /** The dimension at which a pair turns `rotations` times over the original context. */
    private double correctionDim(double rotations, int d, double theta) {
        return d * Math.log(originalContext / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
    }

    /** What cos and sin are multiplied by (YaRN's attention factor; 1 otherwise). */
    public double cosSinFactor() {
        if (kind != Kind.YARN) return 1;
        if (attentionFactor > 0) return attentionFactor;
        if (mscale > 0 && mscaleAllDim > 0) return yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
        return yarnMscale(factor, 1);
    }

    /** What multi-head latent attention multiplies its softmax scale by: get(factor, mscale_all_dim)^2 (YaRN), else 1. */
    public double softmaxFactor() {
        if (kind != Kind.YARN || !(mscaleAllDim > 0)) return 1;
        double m = yarnMscale(factor, mscaleAllDim);
        return m * m;
    }

    private static double yarnMscale(double scale, double m) {
        return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
    }
}
