package dev.trident.cli;

import dev.trident.TridentException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** trident tokenizer train: learn a byte-level BPE vocabulary from a text file. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a byte-level BPE tokenizer on a text file and write it as tokenizer.json.")
final class TokenizerTrainCommand implements Callable<Integer> {
    /** 256 byte tokens come first; a vocabulary needs at least one merge beyond them. */
    static final int MIN_VOCAB = 257;

    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Text to learn merges from.")
    Path data;

    @Option(names = "--vocab", required = true, paramLabel = "N",
            description = "Vocabulary size, including the 256 byte tokens.")
    int vocab;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the tokenizer.")
    Path out;

    @Override
    public Integer call() {
        if (vocab < MIN_VOCAB) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--vocab must be at least " + MIN_VOCAB + " (256 byte tokens + merges), got " + vocab);
        }
        Checks.dataFile(data);
        if (Files.isDirectory(out)) throw new TridentException("output file " + out + ": is a directory");
        trainTokenizer();
        return ExitCodes.OK;
    }

    private void trainTokenizer() {
        // TODO(lead): wire BpeTrainer once dev.trident.tokenizer is in this branch (main has it):
        //   Tokenizer t = BpeTrainer.train(data, vocab, List.of("<|endoftext|>"));  // specials as Trainer uses
        //   t.save(out);  then print vocab size and bytes/token (data length / t.encode(bytes).length) on stdout.
        //   BpeTrainer has no progress hook; an elapsed-time bar (Progress.bar(task, -1, 0, err)) as in EvalCommand.
        throw new TridentException("tokenizer training is not wired yet");
    }
}
