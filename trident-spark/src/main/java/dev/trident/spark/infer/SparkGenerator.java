package dev.trident.spark.infer;

import dev.trident.TridentException;
import dev.trident.infer.GenerationResult;
import dev.trident.infer.BatchGenerator;
import dev.trident.infer.Generator;
import dev.trident.model.Model;
import dev.trident.spark.ExecutorModels;
import dev.trident.spark.TaskThreads;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Iterator;

/**
 * Text generation over a Dataset: every row's prompt through the same engine as `trident generate`, with the same
 * seed giving the same text. Each task takes the executor's copy of the model ({@link ExecutorModels}) and streams
 * its partition through one {@link BatchGenerator}: up to 8 rows decode together, each in its own KV cache with its
 * own seeded sampler, and a finished row's place goes to the next one (continuous batching). Every row's text is
 * bit-for-bit what {@link Generator} gives it alone.
 *
 * <p>Output: the input columns, then {@code generated} (text without the prompt), {@code prompt_tokens},
 * {@code generated_tokens} and {@code stop_reason} ("eos", "length", or "error: ..." for a row the engine refused,
 * e.g. a prompt longer than the model's context; such a row does not fail the job). A null prompt gives nulls.
 */
public final class SparkGenerator {
    public static final String GENERATED = "generated", PROMPT_TOKENS = "prompt_tokens",
            GENERATED_TOKENS = "generated_tokens", STOP_REASON = "stop_reason";

    private SparkGenerator() {}

    public static Dataset<Row> generate(Dataset<Row> input, GenerationSpec spec) {
        StructType in = input.schema();
        int promptIndex = column(in, spec.promptColumn(), DataTypes.StringType);
        int seedIndex = spec.seedColumn() == null ? -1 : column(in, spec.seedColumn(), null);
        if (seedIndex >= 0 && !isInteger(in.fields()[seedIndex].dataType()))
            throw new TridentException("seed column '" + spec.seedColumn() + "' is " + in.fields()[seedIndex].dataType().simpleString() + ", not an integer type");
        StructType out = in.add(GENERATED, DataTypes.StringType, true)
                .add(PROMPT_TOKENS, DataTypes.IntegerType, true)
                .add(GENERATED_TOKENS, DataTypes.IntegerType, true)
                .add(STOP_REASON, DataTypes.StringType, true);
        return input.mapPartitions(new Task(spec, promptIndex, seedIndex), Encoders.row(out));
    }

    /** The index of a column, or a one-line error naming the columns there are. */
    static int column(StructType schema, String name, DataType type) {
        String[] names = schema.fieldNames();
        for (int i = 0; i < names.length; i++) {
            if (!names[i].equals(name)) continue;
            DataType t = schema.fields()[i].dataType();
            if (type != null && !t.equals(type))
                throw new TridentException("column '" + name + "' is " + t.simpleString() + ", not " + type.simpleString());
            return i;
        }
        throw new TridentException("no column '" + name + "' in the input; it has " + String.join(", ", names));
    }

    private static boolean isInteger(DataType t) {
        return t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType) || t.equals(DataTypes.ByteType);
    }

    /**
     * One task: the partition's rows through one {@link BatchGenerator}, lazily (it pulls a row when a place in its
     * batch frees up, so a partition is never held in memory), the rows out in their input order.
     */
    private record Task(GenerationSpec spec, int promptIndex, int seedIndex) implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            TaskThreads.configure(spec.threadsPerTask());
            Model model = ExecutorModels.get(spec.modelDir());
            Iterator<BatchGenerator.Request<Row>> requests = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public BatchGenerator.Request<Row> next() {
                    Row row = rows.next();
                    String prompt = row.isNullAt(promptIndex) ? null : row.getString(promptIndex);
                    long seed = seedIndex < 0 || row.isNullAt(seedIndex) ? spec.seed() : ((Number) row.get(seedIndex)).longValue();
                    return new BatchGenerator.Request<>(prompt, spec.sampling(seed), row);
                }
            };
            Iterator<BatchGenerator.Outcome<Row>> outcomes = new BatchGenerator(model).generate(requests);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return outcomes.hasNext();
                }

                @Override
                public Row next() {
                    BatchGenerator.Outcome<Row> o = outcomes.next();
                    Row row = o.tag();
                    int n = row.length();
                    Object[] values = new Object[n + 4];
                    for (int i = 0; i < n; i++) values[i] = row.get(i);
                    GenerationResult r = o.result();
                    if (r != null) {
                        values[n] = r.text();
                        values[n + 1] = r.promptTokens();
                        values[n + 2] = r.tokens().length;
                        values[n + 3] = r.stopReason();
                    } else if (o.error() != null) {
                        values[n + 3] = "error: " + o.error();
                    }
                    return RowFactory.create(values);
                }
            };
        }
    }
}
