package dev.trident.lab;

import dev.trident.infer.GenerationResult;
import dev.trident.infer.ModelWeights;
import dev.trident.infer.QuantPolicy;
import dev.trident.infer.Generator;
import dev.trident.infer.SamplingOptions;
import dev.trident.infer.SpeculativeGenerator;
import dev.trident.model.Model;
import dev.trident.quant.WeightFormat;

/**
 * How the lab decodes a model whose weights are stored in a format: the one seam where quantized inference weights
 * plug in. fp32 runs the {@link Generator} and {@link SpeculativeGenerator} on the model's own arrays; any other
 * format quantizes the model into a {@link ModelWeights} store with llama.cpp-style {@link QuantPolicy#of} choices
 * and decodes straight from its bytes.
 */
public final class Serving {
    private Serving() {}

    /** Plain and self-speculative (MTP-drafted) greedy generation of one model. */
    public interface Engine {
        GenerationResult plain(String prompt, SamplingOptions options);

        /** With depth drafts per round; only for a model with MTP modules. */
        GenerationResult speculative(String prompt, SamplingOptions options, int depth);
    }

    /** An engine decoding model with its matrices stored in format (null if this build could not). */
    public static Engine engine(Model model, WeightFormat format) {
        if (format == WeightFormat.F32) return engine(model, (ModelWeights) null);
        return engine(model, ModelWeights.quantize(model.transformer(), QuantPolicy.of(format)));
    }

    /** Whether this build decodes from weights stored in format. */
    public static boolean canDecode(WeightFormat format) {
        return true;
    }

    /** Why {@link #engine} returned null, for the report. */
    public static String pendingReason(WeightFormat format) {
        return "decoding from " + format.name() + " bytes is not available in this build";
    }

    private static Engine engine(Model model, ModelWeights weights) {
        Generator plain = weights == null ? new Generator(model) : new Generator(model, weights);
        SpeculativeGenerator[] byDepth = new SpeculativeGenerator[model.config().mtpDepth() + 1];
        return new Engine() {
            @Override
            public GenerationResult plain(String prompt, SamplingOptions options) {
                return plain.generate(prompt, options, null);
            }

            @Override
            public GenerationResult speculative(String prompt, SamplingOptions options, int depth) {
                if (byDepth[depth] == null)
                    byDepth[depth] = weights == null ? new SpeculativeGenerator(model, depth) : new SpeculativeGenerator(model, weights, depth);
                return byDepth[depth].generate(prompt, options, null);
            }
        };
    }
}
