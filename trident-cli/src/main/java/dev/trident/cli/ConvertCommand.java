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
        description = {"Convert a model between formats. IN is a model folder (from `trident train` or `trident convert`)",
                "or a GGUF file. OUT ending in .gguf is written as GGUF for llama.cpp (dense models as llama, DeepSeekMoE",
                "with grouped-query attention as glm4moe, multi-head latent attention as deepseek2); any other OUT is a",
                "model folder (config.json, model.safetensors, tokenizer.json).",
                "Prints one line on stdout: what was written, its parameters and size."})
final class ConvertCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "A model folder or a .gguf file.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "OUT.gguf, or a folder.")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "f32",
            description = "Weight type: f32 (default), f16, bf16, q8_0, q4_0, q4_k (GGUF) or fp8 (folders). Norms and routers stay f32.")
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
