package dev.trident.spark.infer;

import dev.trident.eval.EvalResult;
import dev.trident.eval.Evaluator;
import dev.trident.model.Model;
import dev.trident.spark.ExecutorModels;
import dev.trident.spark.TaskThreads;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * Bits per byte of every document of a Dataset, by the engine's own measure ({@link Evaluator#evaluate}, what
 * `trident eval` prints): the document's tokens in context windows of the model's length, several windows per
 * forward pass; a document's score depends on it alone, so it is the same whichever partition it lands in.
 *
 * <p>Output: the input columns, then {@code tokens} (predicted tokens), {@code bytes} (UTF-8 bytes of the text),
 * {@code nats_per_token} and {@code bpb}. A null text gives nulls; a text of fewer than two tokens scores 0.
 */
public final class SparkScorer {
    public static final String TOKENS = "tokens", BYTES = "bytes", NATS_PER_TOKEN = "nats_per_token", BPB = "bpb";

    private SparkScorer() {}

    public static Dataset<Row> score(Dataset<Row> input, ScoreSpec spec) {
        StructType in = input.schema();
        int textIndex = SparkGenerator.column(in, spec.textColumn(), DataTypes.StringType);
        StructType out = in.add(TOKENS, DataTypes.LongType, true)
                .add(BYTES, DataTypes.LongType, true)
                .add(NATS_PER_TOKEN, DataTypes.DoubleType, true)
                .add(BPB, DataTypes.DoubleType, true);
        return input.mapPartitions(new Task(spec, textIndex), Encoders.row(out));
    }

    /** Bits per byte of the whole scored corpus: sum(bpb x bytes) / sum(bytes), i.e. total bits over total bytes. */
    public static double corpusBitsPerByte(Dataset<Row> scored) {
        Row r = scored.agg(functions.sum(functions.col(BPB).multiply(functions.col(BYTES))), functions.sum(BYTES)).first();
        if (r.isNullAt(0) || r.isNullAt(1) || r.getLong(1) == 0) return 0;
        return r.getDouble(0) / r.getLong(1);
    }

    private record Task(ScoreSpec spec, int textIndex) implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            TaskThreads.configure(spec.threadsPerTask());
            Model model = ExecutorModels.get(spec.modelDir());
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row row = rows.next();
                    int n = row.length();
                    Object[] values = new Object[n + 4];
                    for (int i = 0; i < n; i++) values[i] = row.get(i);
                    if (!row.isNullAt(textIndex)) {
                        EvalResult r = Evaluator.evaluate(model, row.getString(textIndex).getBytes(StandardCharsets.UTF_8));
                        values[n] = r.tokens();
                        values[n + 1] = r.bytes();
                        values[n + 2] = r.natsPerToken();
                        values[n + 3] = r.bitsPerByte();
                    }
                    return RowFactory.create(values);
                }
            };
        }
    }
}
