package dev.trident.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** trident tokenizer: groups the tokenizer commands. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Work with byte-level BPE tokenizers.",
        subcommands = TokenizerTrainCommand.class)
final class TokenizerCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand, e.g. 'trident tokenizer train'");
    }
}
