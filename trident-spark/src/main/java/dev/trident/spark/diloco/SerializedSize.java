package dev.trident.spark.diloco;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;

/** Bytes of an object under Java serialization (Spark's default for task results and closures): what goes on the wire. */
final class SerializedSize {
    private SerializedSize() {}

    static long of(Serializable o) {
        long[] n = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                n[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                n[0] += len;
            }
        };
        try (ObjectOutputStream out = new ObjectOutputStream(counter)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n[0];
    }
}
