#!/usr/bin/env node
// The llama.cpp reference for Trident's cross-checks: next-token log-probabilities at every position of a token
// sequence, and llama.cpp's own tokenization of a text. See docs/gguf.md.
import {fail, finiteOrNull, intArg, loadModel, parseArgs, tokenArg, vocabSize} from "./common.mjs";

const USAGE = `usage: node logits.mjs --model FILE.gguf [--tokens '[ids]' | --tokens-file ids.json] [--text TEXT]
                        [--special] [--top-k 20] [--threads 1] [--context N] [--kv-cache F16|F32]
  Evaluates the tokens (or, without --tokens, the tokenization of --text) and prints one JSON object:
  {"model", "vocabSize", "bos", "eos", "trainContextSize",
   "tokenization": {"text", "special", "tokens"}      (when --text is given)
   "tokens": [...],                                    (what was evaluated)
   "positions": [{"pos", "token", "next", "nextLogprob", "top": [{"token", "logprob"}, ...]}, ...]}
  where top holds the k most likely next tokens after tokens[0..pos] (natural-log probabilities, best first),
  and nextLogprob is the log-probability of tokens[pos+1] (null at the last position, or if it underflowed).
  --special lets the text's special-token strings (e.g. <|endoftext|>) become special tokens.
  --kv-cache F32 keeps keys and values in fp32 (llama.cpp's default is F16, which costs ~1e-3 in log-probs).
`;

const args = parseArgs(process.argv.slice(2), USAGE);
if (typeof args.model !== "string") fail(`--model is required\n${USAGE}`);
const topK = intArg(args, "top-k", 20);
const threads = intArg(args, "threads", 1);
const special = args.special === true;
const kvCache = String(args["kv-cache"] ?? "F16").toUpperCase();
if (kvCache !== "F16" && kvCache !== "F32") fail(`--kv-cache must be F16 or F32, not '${args["kv-cache"]}'`);

const {llama, model} = await loadModel(args.model, threads);
try {
    const result = {
        model: args.model,
        vocabSize: vocabSize(model),
        bos: model.tokens.bos ?? null,
        eos: model.tokens.eos ?? null,
        trainContextSize: model.trainContextSize
    };
    if (typeof args.text === "string") {
        result.tokenization = {text: args.text, special, tokens: Array.from(model.tokenize(args.text, special))};
    }
    const tokens = tokenArg(args) ?? result.tokenization?.tokens;
    if (tokens === undefined) fail("give --tokens, --tokens-file or --text");
    if (tokens.length === 0) fail("there are no tokens to evaluate");
    const vocab = result.vocabSize ?? Infinity;
    for (const t of tokens) if (t >= vocab) fail(`token id ${t} is outside the vocabulary (${vocab} tokens)`);
    result.tokens = tokens;

    const contextSize = intArg(args, "context", Math.max(32, tokens.length));
    const context = await model.createContext({contextSize, batchSize: contextSize, threads, flashAttention: false,
        experimentalKvCacheKeyType: kvCache, experimentalKvCacheValueType: kvCache});
    try {
        const sequence = context.getSequence();
        // Temperature 0 selects the greedy sampler, which leaves the logits untouched, so the "probabilities" that
        // node-llama-cpp returns are the softmax of llama.cpp's raw logits over the whole vocabulary.
        const input = tokens.map(t => [t, {generateNext: {probabilities: true, options: {temperature: 0}}}]);
        const outputs = await sequence.controlledEvaluate(input);
        result.positions = tokens.map((token, pos) => {
            const probs = outputs[pos]?.next?.probabilities;
            if (probs === undefined) fail(`llama.cpp returned no probabilities for position ${pos}`);
            const top = [];
            for (const [id, p] of probs) {
                if (top.length >= topK) break;
                top.push({token: id, logprob: finiteOrNull(Math.log(p))});
            }
            const next = pos + 1 < tokens.length ? tokens[pos + 1] : null;
            const nextLogprob = next === null ? null : finiteOrNull(Math.log(probs.get(next) ?? 0));
            return {pos, token, next, nextLogprob, top};
        });
    } finally {
        await context.dispose();
    }
    process.stdout.write(JSON.stringify(result) + "\n");
} finally {
    await model.dispose();
    await llama.dispose();
}
