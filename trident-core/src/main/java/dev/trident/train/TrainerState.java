package dev.trident.train;

import dev.trident.TridentException;
import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;
import dev.trident.nn.Parameters.Parameter;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Everything needed to continue a run exactly: the step, a JSON description of the run, and for every parameter
 * its weights and AdamW moments. One file, written atomically and ending in a CRC32 of all that precedes it, so a
 * crash mid-save leaves the previous checkpoint intact and a damaged file is refused.
 */
public final class TrainerState {
    public static final String FILE = "trainer-state.bin";
    private static final long MAGIC = 0x5452444E54434B50L; // "TRDNTCKP"
    private static final int VERSION = 1;

    private TrainerState() {}

    public static void save(Path file, int step, Map<String, Object> run, List<Parameter> params, AdamW opt) {
        byte[] json = Json.write(run).getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, raw -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(raw, crc));
            out.writeLong(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(step);
            out.writeInt(json.length);
            out.write(json);
            out.writeInt(params.size());
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
                out.writeShort(name.length);
                out.write(name);
                out.writeInt(p.tensor().size());
                writeFloats(out, buf, p.tensor().data, p.tensor().size());
                writeFloats(out, buf, opt.m[i], p.tensor().size());
                writeFloats(out, buf, opt.v[i], p.tensor().size());
            }
            out.flush();
            raw.write(ByteBuffer.allocate(8).putLong(crc.getValue()).array());
        });
    }

    /** The step and run description stored in the file, after restoring weights and moments into params/opt. */
    public record Loaded(int step, Map<String, Object> run) {}

    /**
     * Only the run description of a checkpoint (how it was trained), read before the model is built so a resumed
     * run rebuilds the same model. The whole file is verified later by {@link #load}.
     */
    public static Map<String, Object> readRun(Path file) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            long size = Files.size(file);
            if (size < 32 || in.readLong() != MAGIC) throw new TridentException(file + ": not a Trident trainer state (bad magic); resume needs the --out folder of an earlier 'trident train'");
            in.readInt();
            in.readInt();
            int jsonLen = in.readInt();
            if (jsonLen < 0 || jsonLen > Math.min(size, 1 << 20)) throw damaged(file, "bad header length " + jsonLen);
            return Json.asObject(Json.parse(new String(in.readNBytes(jsonLen), StandardCharsets.UTF_8)), "run");
        } catch (EOFException e) {
            throw damaged(file, "truncated");
        } catch (IOException e) {
            throw new TridentException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (TridentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw damaged(file, "unreadable run description");
        }
    }

    public static Loaded load(Path file, List<Parameter> params, AdamW opt) {
        try {
            long size = Files.size(file);
            if (size < 32) throw damaged(file, "only " + size + " bytes");
            CRC32 crc = new CRC32();
            try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
                DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
                if (in.readLong() != MAGIC) throw new TridentException(file + ": not a Trident trainer state (bad magic); resume needs the --out folder of an earlier 'trident train'");
                int version = in.readInt();
                if (version != VERSION) throw new TridentException(file + ": trainer state version " + version + " is not supported (expected " + VERSION + ")");
                int step = in.readInt();
                int jsonLen = in.readInt();
                if (jsonLen < 0 || jsonLen > Math.min(size, 1 << 20)) throw damaged(file, "bad header length " + jsonLen);
                Map<String, Object> run = Json.asObject(Json.parse(new String(in.readNBytes(jsonLen), StandardCharsets.UTF_8)), "run");
                int count = in.readInt();
                if (count != params.size()) throw mismatch(file, count + " tensors, the model has " + params.size());
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) {
                    Parameter p = params.get(i);
                    int nameLen = in.readUnsignedShort();
                    String name = new String(in.readNBytes(nameLen), StandardCharsets.UTF_8);
                    int n = in.readInt();
                    if (!name.equals(p.name()) || n != p.tensor().size())
                        throw mismatch(file, "tensor " + name + " [" + n + "] where the model has " + p.name() + " [" + p.tensor().size() + "]");
                    readFloats(in, buf, p.tensor().data, n);
                    readFloats(in, buf, opt.m[i], n);
                    readFloats(in, buf, opt.v[i], n);
                }
                long expected = crc.getValue();
                byte[] tail = raw.readNBytes(8);
                if (tail.length != 8) throw damaged(file, "truncated before its checksum");
                if (ByteBuffer.wrap(tail).getLong() != expected) throw damaged(file, "checksum mismatch");
                if (raw.read() != -1) throw damaged(file, "trailing bytes after the checksum");
                opt.t = step;
                return new Loaded(step, run);
            }
        } catch (EOFException e) {
            throw damaged(file, "truncated");
        } catch (IOException e) {
            throw new TridentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static void writeFloats(DataOutputStream out, ByteBuffer buf, float[] v, int n) throws IOException {
        for (int i = 0; i < n; ) {
            buf.clear();
            int k = Math.min(n - i, buf.capacity() / 4);
            buf.asFloatBuffer().put(v, i, k);
            out.write(buf.array(), 0, 4 * k);
            i += k;
        }
    }

    private static void readFloats(DataInputStream in, ByteBuffer buf, float[] v, int n) throws IOException {
        for (int i = 0; i < n; ) {
            int k = Math.min(n - i, buf.capacity() / 4);
            in.readFully(buf.array(), 0, 4 * k);
            buf.clear();
            buf.asFloatBuffer().get(v, i, k);
            i += k;
        }
    }

    private static TridentException damaged(Path file, String what) {
        return new TridentException(file + ": damaged checkpoint (" + what + "); delete it to start over or restore a good copy");
    }

    private static TridentException mismatch(Path file, String what) {
        return new TridentException(file + ": checkpoint does not match this model (" + what + "); use a fresh --out folder");
    }
}
