package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.quant.WeightFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** trident quantize: convert with fewer bits per weight. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Write a model with its weight matrices in fewer bits: q8_0, q6_k, q5_k, q4_0 or q4_k to OUT.gguf (llama.cpp's",
                "block formats, byte for byte), bf16 to OUT.gguf, fp8 (DeepSeek-V3's E4M3 with 128x128 block scales) to a folder.",
                "Matrices whose rows do not fit the format's blocks fall back as llama.cpp's quantizer does; norms and routers stay f32.",
                "Prints one line on stdout: what was written, its parameters and size."})
final class QuantizeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "A model folder or a .gguf file.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "OUT.gguf, or a folder for fp8.")
    Path out;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "q8_0, q6_k, q5_k, q4_0, q4_k, bf16 or fp8.")
    String type;

    @Option(names = "--name", paramLabel = "NAME", description = "general.name of a GGUF OUT (default: the input's, or trident).")
    String name;

    @Override
    public Integer call() {
        WeightFormat f = ModelConversion.parseType(type);
        if (f == WeightFormat.F32 || f == WeightFormat.F16)
            throw new TridentException("--type " + type + " is not a quantized type; use `trident convert` for it, or q8_0, q6_k, q5_k, q4_0, q4_k, bf16, fp8");
        ModelConversion.run(in, out, f, name, null, spec.commandLine().getOut(), spec.commandLine().getErr());
        return ExitCodes.OK;
    }
}
