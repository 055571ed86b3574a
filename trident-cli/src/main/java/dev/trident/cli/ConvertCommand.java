package dev.trident.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** trident convert: a model from one format to another (GGUF file or model folder), optionally re-typed. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a model between formats. IN is a model folder (from `trident train` or `trident convert`, or a",
                "Hugging Face checkpoint: Llama, Qwen3, Qwen3-MoE, DeepSeek-V3) or a GGUF file. OUT ending in .gguf is written",
                "as GGUF for llama.cpp (dense models as llama, DeepSeekMoE with grouped-query attention as glm4moe, multi-head",
                "latent attention as deepseek2); any other OUT is a Hugging Face checkpoint folder (config.json, safetensors,",
                "tokenizer.json) in the layout that fits the model (Llama, Qwen3, Qwen3-MoE, DeepSeek-V3), else Trident's.",
                "Prints one line on stdout: what was written, its parameters and size."})
final class ConvertCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "A model folder or a .gguf file.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "OUT.gguf, or a folder.")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "f32",
            description = "Weight type: f32 (default), f16, bf16, q8_0, q6_k, q5_k, q4_0, q4_k (GGUF); f32, f16, bf16 or fp8 (DeepSeek-V3's 128x128 FP8 blocks) for folders.")
    String type;

    @Option(names = "--name", paramLabel = "NAME", description = "general.name of a GGUF OUT (default: the input's, or trident).")
    String name;

    @Option(names = "--chat-template", paramLabel = "FILE", description = "A Jinja chat template to store in a GGUF OUT.")
    Path chatTemplate;

    @Override
    public Integer call() {
        ModelConversion.run(in, out, ModelConversion.parseType(type), name, chatTemplate,
                spec.commandLine().getOut(), spec.commandLine().getErr());
        return ExitCodes.OK;
    }
}
