package dev.trident.train;

import dev.trident.TridentException;
import dev.trident.io.CheckedStateFile;
import dev.trident.nn.Parameters.Parameter;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to continue a run exactly: the step, a JSON description of the run, and for every parameter
 * its weights and AdamW moments. One {@link CheckedStateFile} (atomic, ending in a CRC32), so a crash mid-save
 * leaves the previous checkpoint intact and a damaged file is refused.
 */
public final class TrainerState {
    public static final String FILE = "trainer-state.bin";
    private static final CheckedStateFile.Kind KIND = new CheckedStateFile.Kind(0x5452444E54434B50L /* "TRDNTCKP" */, 1,
            "trainer state", "; resume needs the --out folder of an earlier 'trident train'", "checkpoint");

    private TrainerState() {}

    public static void save(Path file, int step, Map<String, Object> run, List<Parameter> params, AdamW opt) {
        CheckedStateFile.write(file, KIND, step, run, out -> {
            out.data().writeInt(params.size());
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
                out.data().writeShort(name.length);
                out.data().write(name);
                out.data().writeInt(p.tensor().size());
                out.floats(p.tensor().data, p.tensor().size());
                // bf16 moments are written as the floats they decode to (exact), so the file format is one.
                out.floats(opt.firstMoment(i), p.tensor().size());
                out.floats(opt.secondMoment(i), p.tensor().size());
            }
        });
    }

    /** The step and run description stored in the file, after restoring weights and moments into params/opt. */
    public record Loaded(int step, Map<String, Object> run) {}

    /**
     * Only the run description of a checkpoint (how it was trained), read before the model is built so a resumed
     * run rebuilds the same model. The whole file is verified later by {@link #load}.
     */
    public static Map<String, Object> readRun(Path file) {
        return CheckedStateFile.readHeader(file, KIND).run();
    }

    public static Loaded load(Path file, List<Parameter> params, AdamW opt) {
        return CheckedStateFile.read(file, KIND, (in, h) -> {
            int count = in.data().readInt();
            if (count != params.size()) throw mismatch(file, count + " tensors, the model has " + params.size());
            for (int i = 0; i < count; i++) {
                Parameter p = params.get(i);
                int nameLen = in.data().readUnsignedShort();
                String name = new String(in.data().readNBytes(nameLen), StandardCharsets.UTF_8);
                int n = in.data().readInt();
                if (!name.equals(p.name()) || n != p.tensor().size())
                    throw mismatch(file, "tensor " + name + " [" + n + "] where the model has " + p.name() + " [" + p.tensor().size() + "]");
                in.floats(p.tensor().data, n);
                float[] first = new float[n], second = new float[n];
                in.floats(first, n);
                in.floats(second, n);
                opt.setMoments(i, first, second);
            }
            opt.t = h.counter();
            return new Loaded(h.counter(), h.run());
        });
    }

    private static TridentException mismatch(Path file, String what) {
        return new TridentException(file + ": checkpoint does not match this model (" + what + "); use a fresh --out folder");
    }
}
