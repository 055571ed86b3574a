package dev.trident.spark.diloco;

import dev.trident.TridentException;
import dev.trident.tokenizer.Tokenizer;
import dev.trident.train.TokenData;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Worker i's share of the training data, read and tokenized once per executor JVM. The training part (the first L
 * bytes, 90%) of the data file is cut into blocks of shardBlock bytes and block j goes to worker j mod k: the shares
 * are disjoint and each spans the whole corpus, as the paper's i.i.d. shards (one contiguous slice per worker,
 * shardBlock = 0, gives worker 0 the first acts of a play and worker 1 the last, which measurably drifts them apart;
 * docs/spark.md). A worker reads only its own blocks, so k workers read the file once between them; later rounds on
 * the same executor reuse the tokens.
 */
final class WorkerShards {
    private record Key(String path, long size, long modified, long trainBytes, int workers, int worker, int block, int tokenizerHash) {}

    private static final ConcurrentHashMap<Key, TokenData> SHARDS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Integer, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private WorkerShards() {}

    static TokenData get(WorkerSpec s, int worker) {
        Path p = Path.of(s.dataPath());
        long size, modified;
        try {
            size = Files.size(p);
            modified = Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            throw new TridentException("data file " + p + ": cannot read on this executor (" + e.getMessage() + "); it must be on a path every executor can read", e);
        }
        Key key = new Key(s.dataPath(), size, modified, s.trainBytes(), s.workers(), worker, s.shardBlock(), Arrays.hashCode(s.tokenizerJson()));
        return SHARDS.computeIfAbsent(key, k -> {
            SHARDS.keySet().removeIf(old -> old.path.equals(k.path) && old.worker == k.worker && !old.equals(k));
            int[] tokens = tokenizer(s).encode(share(p, s.trainBytes(), s.workers(), worker, s.shardBlock()));
            if (tokens.length <= s.trainConfig().seqLen() + 1)
                throw new TridentException("data file " + p + ": worker " + worker + "'s share has only " + tokens.length
                        + " tokens, fewer than one training window; use fewer workers or more data");
            return new TokenData(tokens);
        });
    }

    static Tokenizer tokenizer(WorkerSpec s) {
        return TOKENIZERS.computeIfAbsent(Arrays.hashCode(s.tokenizerJson()), h -> {
            try {
                Path tmp = Files.createTempFile("trident-tokenizer", ".json");
                try {
                    Files.write(tmp, s.tokenizerJson());
                    return Tokenizer.load(tmp);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new TridentException("cannot stage the tokenizer on this executor (" + e.getMessage() + ")", e);
            }
        });
    }

    /** The byte ranges of worker's share of [0, trainBytes), in order. */
    static List<long[]> ranges(long trainBytes, int workers, int worker, int block) {
        List<long[]> r = new ArrayList<>();
        if (block <= 0) {
            r.add(new long[]{trainBytes * worker / workers, trainBytes * (worker + 1) / workers});
            return r;
        }
        for (long from = (long) worker * block; from < trainBytes; from += (long) workers * block)
            r.add(new long[]{from, Math.min(trainBytes, from + block)});
        return r;
    }

    private static byte[] share(Path p, long trainBytes, int workers, int worker, int block) {
        List<long[]> ranges = ranges(trainBytes, workers, worker, block);
        long total = 0;
        for (long[] r : ranges) total += r[1] - r[0];
        if (total > Integer.MAX_VALUE - 16) throw new TridentException("data file " + p + ": a worker's share is over 2 GB; use more workers");
        byte[] out = new byte[(int) total];
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(out);
            for (long[] r : ranges) {
                buf.limit(buf.position() + (int) (r[1] - r[0]));
                long pos = r[0];
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, pos);
                    if (n < 0) throw new TridentException("data file " + p + ": shorter than when the run started");
                    pos += n;
                }
            }
        } catch (IOException e) {
            throw new TridentException("data file " + p + ": cannot read (" + e.getMessage() + ")", e);
        }
        return out;
    }
}
