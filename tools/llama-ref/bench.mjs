#!/usr/bin/env node
// llama.cpp's CPU speed on a GGUF model, for Trident's "measure against a reference in the same run":
// prefill (prompt evaluation) and greedy decode tokens per second. See docs/gguf.md.
import {fail, intArg, loadModel, parseArgs, vocabSize} from "./common.mjs";

const USAGE = `usage: node bench.mjs --model FILE.gguf [--prompt 128] [--gen 32] [--threads 1] [--seed 1]
  Evaluates a prompt of N pseudo-random ordinary tokens, then decodes M tokens greedily, and prints one JSON object:
  {"model", "threads", "promptTokens", "generatedTokens", "prefillSeconds", "prefillTokensPerSecond",
   "decodeSeconds", "decodeTokensPerSecond"}
`;

const args = parseArgs(process.argv.slice(2), USAGE);
if (typeof args.model !== "string") fail(`--model is required\n${USAGE}`);
const promptTokens = intArg(args, "prompt", 128);
const genTokens = intArg(args, "gen", 32);
const threads = intArg(args, "threads", 1);
let seed = intArg(args, "seed", 1) || 1;
if (promptTokens < 1 || genTokens < 1) fail("--prompt and --gen must be at least 1");

const {llama, model} = await loadModel(args.model, threads);
try {
    const vocab = vocabSize(model);
    if (vocab === null) fail("cannot tell the vocabulary size (no token_embd.weight)");
    // A reproducible prompt of ordinary tokens (xorshift32), skipping control tokens such as BOS and EOS.
    const prompt = [];
    while (prompt.length < promptTokens) {
        seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
        const t = (seed >>> 0) % vocab;
        if (!model.isSpecialToken(t)) prompt.push(t);
    }
    const contextSize = promptTokens + genTokens + 1;
    if (contextSize > model.trainContextSize) {
        fail(`prompt + gen (${contextSize - 1}) exceeds the model's context length ${model.trainContextSize}`);
    }
    const context = await model.createContext({contextSize, batchSize: Math.min(promptTokens, 512), threads,
        flashAttention: false});
    try {
        const sequence = context.getSequence();
        // Prefill all but the last prompt token; the decode loop starts by evaluating that one (a 1-token step).
        let t0 = process.hrtime.bigint();
        await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
        const prefillSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

        t0 = process.hrtime.bigint();
        let generated = 0;
        for await (const token of sequence.evaluate(prompt.slice(-1), {temperature: 0})) {
            if (++generated >= genTokens) break;
        }
        const decodeSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const prefilled = promptTokens - 1;
        process.stdout.write(JSON.stringify({
            model: args.model, threads, promptTokens, generatedTokens: generated,
            prefillSeconds, prefillTokensPerSecond: prefilled > 0 ? prefilled / prefillSeconds : null,
            decodeSeconds, decodeTokensPerSecond: generated / decodeSeconds
        }) + "\n");
    } finally {
        await context.dispose();
    }
} finally {
    await model.dispose();
    await llama.dispose();
}
