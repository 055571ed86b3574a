package dev.trident.spark.diloco;

import dev.trident.TridentException;
import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;

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
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The driver's state after a DiLoCo round: rounds done, a JSON description of the run, the parameters theta and the
 * outer momentum b. Nothing else is needed to continue exactly (the workers keep no state between rounds). Written
 * atomically and ending in a CRC32, like the single-process trainer's state: a crash mid-save keeps the previous
 * round's file, and a damaged file is refused.
 */
final class DilocoCheckpoint {
    static final String FILE = "diloco-state.bin";
    private static final long MAGIC = 0x5452444E444C4350L; // "TRDNDLCP"
    private static final int VERSION = 1;

    record Loaded(int roundsDone, Map<String, Object> run) {}

    private DilocoCheckpoint() {}

    static void save(Path file, int roundsDone, Map<String, Object> run, float[] theta, float[] momentum) {
        byte[] json = Json.write(run).getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, raw -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(raw, crc));
            out.writeLong(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(roundsDone);
            out.writeInt(json.length);
            out.write(json);
            out.writeInt(theta.length);
            writeFloats(out, theta);
            writeFloats(out, momentum);
            out.flush();
            raw.write(ByteBuffer.allocate(8).putLong(crc.getValue()).array());
        });
    }

    /** Restores theta and momentum (which must have the model's size) and returns the rounds done and the run. */
    static Loaded load(Path file, float[] theta, float[] momentum) {
        try {
            long size = Files.size(file);
            if (size < 32) throw damaged(file, "only " + size + " bytes");
            CRC32 crc = new CRC32();
            try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
                DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
                if (in.readLong() != MAGIC) throw new TridentException(file + ": not a Trident DiLoCo state (bad magic)");
                int version = in.readInt();
                if (version != VERSION) throw new TridentException(file + ": DiLoCo state version " + version + " is not supported (expected " + VERSION + ")");
                int rounds = in.readInt();
                int jsonLen = in.readInt();
                if (rounds < 0 || jsonLen < 0 || jsonLen > Math.min(size, 1 << 20)) throw damaged(file, "bad header");
                Map<String, Object> run = Json.asObject(Json.parse(new String(in.readNBytes(jsonLen), StandardCharsets.UTF_8)), "run");
                int n = in.readInt();
                if (n != theta.length) throw new TridentException(file + ": holds " + n + " parameters, the model has " + theta.length + "; use a fresh --out folder");
                readFloats(in, theta);
                readFloats(in, momentum);
                long expected = crc.getValue();
                byte[] tail = raw.readNBytes(8);
                if (tail.length != 8) throw damaged(file, "truncated before its checksum");
                if (ByteBuffer.wrap(tail).getLong() != expected) throw damaged(file, "checksum mismatch");
                if (raw.read() != -1) throw damaged(file, "trailing bytes after the checksum");
                return new Loaded(rounds, run);
            }
        } catch (EOFException e) {
            throw damaged(file, "truncated");
        } catch (IOException e) {
            throw new TridentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; ) {
            buf.clear();
            int k = Math.min(v.length - i, buf.capacity() / 4);
            buf.asFloatBuffer().put(v, i, k);
            out.write(buf.array(), 0, 4 * k);
            i += k;
        }
    }

    private static void readFloats(DataInputStream in, float[] v) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; ) {
            int k = Math.min(v.length - i, buf.capacity() / 4);
            in.readFully(buf.array(), 0, 4 * k);
            buf.clear();
            buf.asFloatBuffer().get(v, i, k);
            i += k;
        }
    }

    private static TridentException damaged(Path file, String what) {
        return new TridentException(file + ": damaged DiLoCo state (" + what + "); delete it to start over or restore a good copy");
    }
}
