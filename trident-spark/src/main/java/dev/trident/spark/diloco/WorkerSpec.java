package dev.trident.spark.diloco;

import dev.trident.model.ModelConfig;
import dev.trident.model.Presets;
import dev.trident.train.TrainConfig;

import java.io.Serializable;

/**
 * What every DiLoCo task needs besides the round's parameters, shipped once per task in its closure (a few kB):
 * where its data is, how the model and its training are shaped (rebuilt from the preset on the executor), the
 * tokenizer (its tokenizer.json bytes), the seed, and where the workers keep their AdamW states between rounds
 * (innerStateDir, a directory every executor can read and write; null: restart them every round).
 */
record WorkerSpec(String dataPath, long trainBytes, String preset, int vocabSize, int batchSize, int seqLen,
                  double learningRate, int workers, int innerSteps, int rounds, long seed, byte[] tokenizerJson,
                  int threadsPerTask, String innerStateDir, int shardBlock) implements Serializable {

    ModelConfig modelConfig() {
        ModelConfig mc = Presets.get(preset).model().withVocabSize(vocabSize);
        return mc.maxSeqLen() == trainConfig().seqLen() ? mc : mc.withMaxSeqLen(trainConfig().seqLen());
    }

    TrainConfig trainConfig() {
        return Presets.get(preset).train().with(batchSize, seqLen, learningRate, rounds * innerSteps);
    }

    boolean keepsInnerState() {
        return innerStateDir != null;
    }

    /** Inner steps of one worker over the whole run: the length of its learning-rate schedule. */
    int totalInnerSteps() {
        return rounds * innerSteps;
    }
}
