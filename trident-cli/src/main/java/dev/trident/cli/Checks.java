package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.model.Presets;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Input checks the CLI does before calling the core, so a typo costs a second, not a model load. */
final class Checks {
    private Checks() {}

    /** A readable, non-empty regular file of training or evaluation text. */
    static Path dataFile(Path file) {
        if (!Files.exists(file)) throw new TridentException("data file " + file + ": does not exist");
        if (!Files.isRegularFile(file)) throw new TridentException("data file " + file + ": is not a regular file");
        if (!Files.isReadable(file)) throw new TridentException("data file " + file + ": is not readable");
        try {
            if (Files.size(file) == 0) throw new TridentException("data file " + file + ": is empty");
        } catch (IOException e) {
            throw new TridentException("data file " + file + ": cannot read its size (" + e.getMessage() + ")", e);
        }
        return file;
    }

    /** All bytes of a data file already checked by {@link #dataFile}. */
    static byte[] readData(Path file) {
        try {
            return Files.readAllBytes(dataFile(file));
        } catch (IOException e) {
            throw new TridentException("data file " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    /** A model: a folder written by `trident train` / `trident convert`, or a GGUF file. */
    static Path model(Path path) {
        if (!Files.exists(path)) {
            throw new TridentException("model " + path + ": does not exist (train one with 'trident train', or give a .gguf file)");
        }
        if (!Files.isDirectory(path) && !dev.trident.io.gguf.GgufFile.isGguf(path))
            throw new TridentException("model " + path + ": is neither a model folder nor a GGUF file");
        return path;
    }

    /** An output directory: may not exist yet, but must not be a file. */
    static Path outDir(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new TridentException("output directory " + dir + ": is a file; pick another --out");
        }
        return dir;
    }

    /** A preset the core knows; the message lists the known ones. */
    static String preset(String name) {
        List<String> known = Presets.names();
        if (!known.contains(name)) {
            throw new TridentException("unknown preset '" + name + "'; known presets: " + String.join(", ", known));
        }
        return name;
    }

    static void positive(CommandSpec spec, String option, Number value) {
        if (value != null && !(value.doubleValue() > 0)) {
            throw new ParameterException(spec.commandLine(), option + " must be > 0, got " + value);
        }
    }

    static void nonNegative(CommandSpec spec, String option, Number value) {
        if (value != null && !(value.doubleValue() >= 0)) {
            throw new ParameterException(spec.commandLine(), option + " must be >= 0, got " + value);
        }
    }
}
