package dev.trident.io;

import dev.trident.TridentException;
import dev.trident.io.json.Json;

import java.io.BufferedInputStream;
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
 * The frame of Trident's resumable state files (the trainer's state, DiLoCo's per-round state): magic, version,
 * a counter (steps or rounds done), a JSON description of the run, a body of the caller's, and a CRC32 of all that
 * precedes it. Written atomically ({@link AtomicFile}), so a crash mid-save leaves the previous file intact; on read
 * the header is bounded before anything is allocated and a damaged or foreign file is refused with one line naming it.
 */
public final class CheckedStateFile {
    /**
     * One kind of state file: its magic and version, its name in messages ("trainer state"), what to add when the
     * magic is wrong (a hint, or ""), and what a damaged one is called ("checkpoint").
     */
    public record Kind(long magic, int version, String name, String badMagicHint, String damagedName) {}

    /** The frame's header, read before the body. */
    public record Header(int counter, Map<String, Object> run) {}

    @FunctionalInterface
    public interface BodyWriter {
        void write(Body.Out out) throws IOException;
    }

    @FunctionalInterface
    public interface BodyReader<T> {
        T read(Body.In in, Header header) throws IOException;
    }

    private CheckedStateFile() {}

    public static void write(Path file, Kind kind, int counter, Map<String, Object> run, BodyWriter body) {
        byte[] json = Json.write(run).getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, raw -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(raw, crc));
            out.writeLong(kind.magic());
            out.writeInt(kind.version());
            out.writeInt(counter);
            out.writeInt(json.length);
            out.write(json);
            body.write(new Body.Out(out));
            out.flush();
            raw.write(ByteBuffer.allocate(8).putLong(crc.getValue()).array());
        });
    }

    /** Reads and verifies the whole file: the header, the caller's body, then the checksum and the end of the file. */
    public static <T> T read(Path file, Kind kind, BodyReader<T> body) {
        try {
            long size = Files.size(file);
            if (size < 32) throw damaged(file, kind, "only " + size + " bytes");
            CRC32 crc = new CRC32();
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
                DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
                Header h = header(file, kind, size, in, true);
                T result = body.read(new Body.In(in), h);
                long expected = crc.getValue();
                byte[] tail = raw.readNBytes(8);
                if (tail.length != 8) throw damaged(file, kind, "truncated before its checksum");
                if (ByteBuffer.wrap(tail).getLong() != expected) throw damaged(file, kind, "checksum mismatch");
                if (raw.read() != -1) throw damaged(file, kind, "trailing bytes after the checksum");
                return result;
            }
        } catch (EOFException e) {
            throw damaged(file, kind, "truncated");
        } catch (IOException e) {
            throw new TridentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Only the header (counter and run description), not verified against the checksum; {@link #read} checks it all. */
    public static Header readHeader(Path file, Kind kind) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            return header(file, kind, Files.size(file), in, false);
        } catch (EOFException e) {
            throw damaged(file, kind, "truncated");
        } catch (IOException e) {
            throw new TridentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static Header header(Path file, Kind kind, long size, DataInputStream in, boolean checkVersion) throws IOException {
        if (size < 32 || in.readLong() != kind.magic())
            throw new TridentException(file + ": not a Trident " + kind.name() + " (bad magic)" + kind.badMagicHint());
        int version = in.readInt();
        if (checkVersion && version != kind.version())
            throw new TridentException(file + ": " + kind.name() + " version " + version + " is not supported (expected " + kind.version() + ")");
        int counter = in.readInt();
        int jsonLen = in.readInt();
        if (counter < 0 || jsonLen < 0 || jsonLen > Math.min(size, 1 << 20)) throw damaged(file, kind, "bad header length " + jsonLen);
        try {
            return new Header(counter, Json.asObject(Json.parse(new String(in.readNBytes(jsonLen), StandardCharsets.UTF_8)), "run"));
        } catch (TridentException e) {
            throw damaged(file, kind, "unreadable run description");
        } catch (RuntimeException e) {
            throw damaged(file, kind, "unreadable run description");
        }
    }

    public static TridentException damaged(Path file, Kind kind, String what) {
        return new TridentException(file + ": damaged " + kind.damagedName() + " (" + what + "); delete it to start over or restore a good copy");
    }

    /** The body's streams, with little-endian float arrays moved through one 64 kB buffer. */
    public static final class Body {
        private Body() {}

        public static final class Out {
            private final DataOutputStream out;
            private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

            Out(DataOutputStream out) {
                this.out = out;
            }

            public DataOutputStream data() {
                return out;
            }

            public void floats(float[] v, int n) throws IOException {
                for (int i = 0; i < n; ) {
                    buf.clear();
                    int k = Math.min(n - i, buf.capacity() / 4);
                    buf.asFloatBuffer().put(v, i, k);
                    out.write(buf.array(), 0, 4 * k);
                    i += k;
                }
            }
        }

        public static final class In {
            private final DataInputStream in;
            private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

            In(DataInputStream in) {
                this.in = in;
            }

            public DataInputStream data() {
                return in;
            }

            public void floats(float[] v, int n) throws IOException {
                for (int i = 0; i < n; ) {
                    int k = Math.min(n - i, buf.capacity() / 4);
                    in.readFully(buf.array(), 0, 4 * k);
                    buf.clear();
                    buf.asFloatBuffer().get(v, i, k);
                    i += k;
                }
            }
        }
    }
}
