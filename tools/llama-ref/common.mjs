// Shared by logits.mjs and bench.mjs: argument parsing and loading a GGUF model into llama.cpp on the CPU.
import {existsSync, readFileSync} from "node:fs";
import {getLlama} from "node-llama-cpp";

/** Parses --name value pairs (and bare --flags) into an object; exits with a one-line error on a stray word. */
export function parseArgs(argv, usage) {
    const args = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") {
            process.stdout.write(usage);
            process.exit(0);
        }
        if (!a.startsWith("--")) fail(`unexpected argument '${a}'\n${usage}`);
        const key = a.slice(2);
        const next = argv[i + 1];
        if (next === undefined || next.startsWith("--")) args[key] = true;
        else args[key] = argv[++i];
    }
    return args;
}

// Anything unexpected is still one line on stderr and exit status 2, not a stack trace.
process.on("uncaughtException", e => fail(oneLine(e)));
process.on("unhandledRejection", e => fail(oneLine(e)));

function oneLine(e) {
    return String(e?.message ?? e).replace(/\s*\n\s*/g, "; ");
}

export function fail(message) {
    process.stderr.write(`llama-ref: ${message}\n`);
    process.exit(2);
}

export function intArg(args, key, fallback) {
    if (args[key] === undefined) return fallback;
    const v = Number(args[key]);
    if (!Number.isInteger(v) || v < 0) fail(`--${key} must be a non-negative integer, not '${args[key]}'`);
    return v;
}

/** A JSON array of token ids, given inline (--tokens '[1,2]') or in a file (--tokens-file ids.json). */
export function tokenArg(args) {
    let text = args.tokens;
    if (args["tokens-file"] !== undefined) text = readFileSync(args["tokens-file"], "utf8");
    if (text === undefined) return undefined;
    let ids;
    try {
        ids = JSON.parse(text);
    } catch (e) {
        fail(`--tokens is not JSON: ${e.message}`);
    }
    if (!Array.isArray(ids) || !ids.every(t => Number.isInteger(t) && t >= 0)) {
        fail("--tokens must be a JSON array of non-negative integer token ids");
    }
    return ids;
}

/**
 * Loads llama.cpp (the prebuilt CPU binary; never builds or downloads anything) and the model. llama.cpp's own
 * log goes to stderr so that stdout carries only the JSON result.
 */
export async function loadModel(modelPath, threads) {
    if (!existsSync(modelPath)) fail(`${modelPath}: no such file`);
    const llama = await getLlama({
        gpu: false,
        build: "never",
        usePrebuiltBinaries: true,
        skipDownload: true,
        progressLogs: false,
        logLevel: process.env.LLAMA_REF_LOG_LEVEL ?? "warn",
        logger: (level, message) => process.stderr.write(`[llama.cpp ${level}] ${message}${message.endsWith("\n") ? "" : "\n"}`),
        maxThreads: threads
    });
    try {
        const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
        return {llama, model};
    } catch (e) {
        fail(`${modelPath}: llama.cpp could not load it (${oneLine(e)}); its log above says why`);
    }
}

/** JSON has no infinities: an underflowed log-probability is written as null. */
export function finiteOrNull(x) {
    return Number.isFinite(x) ? x : null;
}

/** node-llama-cpp exposes no vocabulary size; it is the outer dim of the token embedding (ggml order: [n_embd, n_vocab]). */
export function vocabSize(model) {
    const tensors = model.fileInfo?.fullTensorInfo ?? model.fileInfo?.tensorInfo ?? [];
    const embd = tensors.find(t => t.name === "token_embd.weight") ?? tensors.find(t => t.name === "output.weight");
    return embd === undefined ? null : Number(embd.dimensions[1]);
}
