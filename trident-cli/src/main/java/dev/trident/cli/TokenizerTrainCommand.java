package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.PreTokenizerType;
import dev.trident.tokenizer.Tokenizer;

import java.util.List;
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

    @Option(names = "--pre-tokenizer", paramLabel = "TYPE", defaultValue = "GPT2",
            description = "How text is split before merging, as llama.cpp does it: ${COMPLETION-CANDIDATES} "
                    + "(default: ${DEFAULT-VALUE}).")
    PreTokenizerType preTokenizer;

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
        byte[] bytes = Checks.readData(data);
        long t0 = System.nanoTime();
        Tokenizer t = BpeTrainer.train(bytes, vocab, List.of("<|endoftext|>"), preTokenizer);
        t.save(out);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int tokens = t.encode(bytes).length;
        spec.commandLine().getOut().printf(java.util.Locale.ROOT,
                "wrote %s: %d tokens (%d merges) in %.1f s; %.2f bytes/token on %s%n",
                out, t.vocabSize(), t.mergeCount(), seconds, (double) bytes.length / Math.max(1, tokens), data);
    }
}
