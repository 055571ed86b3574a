package dev.trident.lab;

import dev.trident.model.Model;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.quant.WeightFormat;

/**
 * The final rung's weights as a server would hold them in a format: every matrix quantized (where the format can
 * hold its rows) and read back into fp32. Running the ordinary fp32 evaluator and decoder on these values gives the
 * quality, and the speculative acceptance, of the quantized model exactly (up to the order of fp32 additions); what
 * it cannot give is the speed of kernels that read the quantized bytes, which {@link Serving} measures. Each
 * matrix goes to the format {@link WeightBytes#formatOf} says, the runtime's choice.
 */
public final class ServedWeights {
    private ServedWeights() {}

    /** A copy of model whose matrices hold format's round-tripped values (the same model for F32). */
    public static Model roundTrip(Model model, WeightFormat format) {
        if (format == WeightFormat.F32) return model;
        Transformer src = model.transformer();
        Transformer dst = new Transformer(src.config, 0);
        for (Parameter p : src.params.all()) {
            float[] from = p.tensor().data, to = dst.params.get(p.name()).tensor().data;
            WeightFormat f = p.tensor().rank() == 2 ? WeightBytes.formatOf(p.name(), p.tensor().dim(1), format) : WeightFormat.F32;
            if (f != WeightFormat.F32) {
                float[] back = f.quantize(from, p.tensor().dim(0), p.tensor().dim(1)).dequantize();
                System.arraycopy(back, 0, to, 0, to.length);
            } else {
                System.arraycopy(from, 0, to, 0, to.length);
            }
        }
        return new Model(dst, model.tokenizer());
    }
}
