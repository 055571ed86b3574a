package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.blt.BltFiles;
import dev.trident.blt.entropy.EntropyModel;
import dev.trident.blt.patch.PatchStats;
import dev.trident.blt.patch.Patcher;
import dev.trident.blt.patch.PatcherSpec;
import dev.trident.blt.patch.PatchingMode;
import dev.trident.model.ModelFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** trident patch: where a BLT entropy model cuts a text into patches, in the terminal and as a PNG. */
@Command(name = "patch", mixinStandardHelpOptions = true,
        description = {"Show where the Byte Latent Transformer's entropy patching cuts a text.",
                "Prints the text with patches in alternating colours (or separated by | when not on a terminal) and "
                        + "writes a PNG of the entropy of every byte with the patch starts and the threshold."})
final class PatchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "An entropy model (`trident train --preset blt-entropy`) or a BLT model folder (its entropy model and calibrated patcher).")
    Path model;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text to patch.") String text;
        @Option(names = "--file", paramLabel = "FILE", description = "A file to patch (its first --max-bytes bytes).") Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Input input;

    @Option(names = "--patching", paramLabel = "MODE", description = "entropy (global threshold) or monotonic (default: the BLT model's, else entropy).")
    String patching;

    @Option(names = "--threshold", paramLabel = "NATS", description = "The threshold theta (default: the BLT model's, else calibrated to --patch-size on the text).")
    Double threshold;

    @Option(names = "--patch-size", paramLabel = "BYTES", defaultValue = "4.5",
            description = "Mean bytes per patch to calibrate the threshold to when there is none (default: ${DEFAULT-VALUE}).")
    double patchSize;

    @Option(names = "--reset-at-newline", description = "Restart the entropy model's context at every newline.")
    boolean resetAtNewline;

    @Option(names = "--max-bytes", paramLabel = "N", defaultValue = "4096", description = "Patch at most the first N bytes (default: ${DEFAULT-VALUE}).")
    int maxBytes;

    @Option(names = "--out", paramLabel = "PNG", defaultValue = "entropy.png", description = "The figure to write (default: ${DEFAULT-VALUE}).")
    Path png;

    @Option(names = "--plain", description = "Separate patches with | even on a terminal.")
    boolean plain;

    @Override
    public Integer call() {
        threads.apply();
        Checks.positive(spec, "--max-bytes", maxBytes);
        if (!(patchSize >= 1)) throw new ParameterException(spec.commandLine(), "--patch-size must be >= 1, got " + patchSize);
        Checks.model(model);
        byte[] text = input.text != null ? input.text.getBytes(StandardCharsets.UTF_8) : Checks.readData(input.file);
        if (text.length == 0) throw new TridentException("--text is empty");
        if (text.length > maxBytes) text = utf8Prefix(text, maxBytes);

        PatcherSpec spec;
        EntropyModel em;
        boolean calibrate;
        if (BltFiles.isBltModel(model)) {
            spec = BltFiles.parseConfig(model.resolve(BltFiles.CONFIG)).patcher();
            if (!spec.mode().usesEntropy()) throw new TridentException(model + ": this BLT model patches by " + spec.mode().cliName() + ", not by entropy");
            em = EntropyModel.load(model.resolve(BltFiles.ENTROPY_DIR));
            calibrate = false;
        } else if (ModelFiles.looksLikeModelDir(model)) {
            spec = new PatcherSpec(PatchingMode.ENTROPY, 0, patchSize, 0, false);
            em = EntropyModel.load(model);
            calibrate = true;
        } else {
            throw new TridentException(model + ": neither an entropy model nor a BLT model folder");
        }
        if (patching != null) {
            PatchingMode m = PatchingMode.parse(patching);
            if (!m.usesEntropy()) throw new TridentException("--patching " + patching + ": trident patch shows entropy patching (entropy or monotonic)");
            if (m != spec.mode()) calibrate = true;
            spec = spec.withMode(m);
        }
        if (resetAtNewline) spec = spec.withResetAtNewline(true);
        float[] h = em.entropies(text, spec.resetAtNewline(), null);
        if (threshold != null) spec = spec.withThreshold(threshold);
        else if (calibrate) spec = calibrateOn(spec.withTarget(patchSize), text, h);
        boolean[] starts = new Patcher(spec).flags(text, h);

        PrintWriter out = spec().commandLine().getOut(), err = spec().commandLine().getErr();
        int patches = 0;
        for (boolean s : starts) if (s) patches++;
        out.println(render(text, starts, !plain && Progress.interactive()));
        out.flush();
        err.printf(Locale.ROOT, "%d bytes in %d patches (%.2f bytes per patch), %s threshold %.4f nats%n", text.length, patches,
                (double) text.length / patches, spec.mode().cliName(), spec.threshold());
        try {
            EntropyPlot.write(png, String.format(Locale.ROOT, "Entropy patching (%s, threshold %.3f): %d bytes, %d patches",
                    spec.mode().cliName(), spec.threshold(), text.length, patches), text, h, starts,
                    spec.mode() == PatchingMode.ENTROPY ? spec.threshold() : Double.NaN);
            err.println("wrote " + png);
        } catch (Exception | LinkageError e) {
            err.println("trident: warning: could not write " + png + ": " + Errors.oneLine(e.toString()));
        }
        err.flush();
        return ExitCodes.OK;
    }

    private CommandSpec spec() {
        return spec;
    }

    /** A threshold for this text alone: whole-text patches, bisected to the target mean size. */
    private static PatcherSpec calibrateOn(PatcherSpec s, byte[] text, float[] h) {
        double lo = -20, hi = 20;
        for (int it = 0; it < 50; it++) {
            double mid = 0.5 * (lo + hi);
            int patches = 0;
            for (boolean b : new Patcher(s.withThreshold(mid)).flags(text, h)) if (b) patches++;
            if ((double) text.length / patches < s.targetPatchSize()) lo = mid;
            else hi = mid;
        }
        return s.withThreshold(hi);
    }

    /** The text with patch boundaries: alternating background colours on a terminal, else | between patches. */
    static String render(byte[] text, boolean[] starts, boolean colour) {
        StringBuilder sb = new StringBuilder();
        String[] bg = {"\u001b[48;5;153m", "\u001b[48;5;223m"};
        int patch = -1, from = 0;
        for (int i = 0; i <= text.length; i++) {
            if (i < text.length && !starts[i]) continue;
            if (i > from) {
                String piece = new String(text, from, i - from, StandardCharsets.UTF_8);
                if (colour) sb.append(bg[patch & 1]).append("\u001b[30m").append(piece.replace("\n", "\u001b[0m\n" + bg[patch & 1] + "\u001b[30m")).append("\u001b[0m");
                else sb.append(piece);
            }
            if (i < text.length) {
                patch++;
                if (!colour && i > 0) sb.append('|');
                from = i;
            }
        }
        return sb.toString();
    }

    /** The longest prefix of at most n bytes that does not cut a UTF-8 character. */
    private static byte[] utf8Prefix(byte[] t, int n) {
        int end = n;
        while (end > 0 && end < t.length && (t[end] & 0xC0) == 0x80) end--;
        return java.util.Arrays.copyOf(t, end);
    }
}
