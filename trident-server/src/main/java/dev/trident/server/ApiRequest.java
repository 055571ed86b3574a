package dev.trident.server;

import dev.trident.chat.ChatMessage;
import dev.trident.engine.Sampling;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A validated /v1/completions or /v1/chat/completions request: the prompt (or the conversation), the sampling
 * settings, and how to answer (streamed or not, usage in the stream or not). Every field is checked for type and
 * range; parameters Trident does not implement are refused when set to anything but their neutral value, never
 * silently ignored.
 */
record ApiRequest(String prompt, List<ChatMessage> messages, Sampling sampling, boolean stream, boolean streamUsage) {
    private static final int MAX_MESSAGES = 1024;

    boolean chat() { return messages != null; }

    static ApiRequest completion(JsonNode body, int context) {
        requireObject(body);
        JsonNode p = body.get("prompt");
        String prompt;
        if (p == null || p.isNull()) throw ApiError.invalid("prompt", "'prompt' is required");
        if (p.isString()) prompt = p.stringValue();
        else if (p.isArray() && p.size() == 1 && p.get(0).isString()) prompt = p.get(0).stringValue();
        else if (p.isArray() && p.size() > 1) throw ApiError.unsupported("prompt", "one prompt per request: 'prompt' has " + p.size());
        else throw ApiError.invalid("prompt", "'prompt' must be a string");
        if (bool(body, "echo", false)) throw ApiError.unsupported("echo", "'echo' is not supported");
        if (integer(body, "best_of", 1, 1, 1) != 1) throw ApiError.unsupported("best_of", "'best_of' must be 1");
        if (body.hasNonNull("logprobs")) throw ApiError.unsupported("logprobs", "'logprobs' is not supported");
        if (body.hasNonNull("suffix")) throw ApiError.unsupported("suffix", "'suffix' is not supported");
        // OpenAI's default for completions is 16 tokens.
        return common(body, prompt, null, integer(body, "max_tokens", 16, 1, Integer.MAX_VALUE));
    }

    static ApiRequest chat(JsonNode body, int context) {
        requireObject(body);
        JsonNode ms = body.get("messages");
        if (ms == null || !ms.isArray() || ms.isEmpty()) throw ApiError.invalid("messages", "'messages' must be a non-empty array");
        if (ms.size() > MAX_MESSAGES) throw ApiError.invalid("messages", "at most " + MAX_MESSAGES + " messages");
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) messages.add(message(ms.get(i), i));
        if (body.hasNonNull("tools") && !body.get("tools").isEmpty()) throw ApiError.unsupported("tools", "tools are not supported");
        if (bool(body, "logprobs", false)) throw ApiError.unsupported("logprobs", "'logprobs' is not supported");
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull() && !"text".equals(format.path("type").asString("text")))
            throw ApiError.unsupported("response_format", "only the 'text' response format is supported");
        String maxKey = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        // No max_tokens in a chat request: as much as the context leaves (OpenAI's default for chat).
        return common(body, null, messages, integer(body, maxKey, context, 1, Integer.MAX_VALUE));
    }

    private static ChatMessage message(JsonNode m, int i) {
        String where = "messages[" + i + "]";
        if (m == null || !m.isObject()) throw ApiError.invalid(where, where + " must be an object");
        JsonNode role = m.get("role");
        if (role == null || !role.isString()) throw ApiError.invalid(where + ".role", where + ".role must be a string");
        String r = role.stringValue();
        if (r.equals("developer")) r = "system"; // OpenAI's newer name for the system role
        if (!r.equals("system") && !r.equals("user") && !r.equals("assistant"))
            throw ApiError.invalid(where + ".role", where + ".role '" + r + "' is not supported; use system, user or assistant");
        JsonNode c = m.get("content");
        String text;
        if (c == null || c.isNull()) text = "";
        else if (c.isString()) text = c.stringValue();
        else if (c.isArray()) { // content parts: only text ones
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asString("")) || !part.path("text").isString())
                    throw ApiError.unsupported(where + ".content", where + ".content: only text parts are supported");
                sb.append(part.get("text").stringValue());
            }
            text = sb.toString();
        } else throw ApiError.invalid(where + ".content", where + ".content must be a string or an array of text parts");
        return new ChatMessage(r, text);
    }

    private static ApiRequest common(JsonNode body, String prompt, List<ChatMessage> messages, int maxTokens) {
        if (integer(body, "n", 1, 1, Integer.MAX_VALUE) != 1) throw ApiError.unsupported("n", "only n = 1 is supported");
        double temperature = number(body, "temperature", 1.0, 0, 2);
        double topP = number(body, "top_p", 1.0, 0, 1);
        if (topP == 0) temperature = 0; // only the likeliest token is in the nucleus
        int topK = integer(body, "top_k", 0, 0, Integer.MAX_VALUE);
        for (String penalty : new String[]{"frequency_penalty", "presence_penalty"})
            if (number(body, penalty, 0, -2, 2) != 0) throw ApiError.unsupported(penalty, "'" + penalty + "' is not supported");
        JsonNode seedNode = body.get("seed");
        long seed;
        if (seedNode == null || seedNode.isNull()) seed = ThreadLocalRandom.current().nextLong();
        else if (seedNode.isIntegralNumber() && seedNode.canConvertToLong()) seed = seedNode.longValue();
        else throw ApiError.invalid("seed", "'seed' must be an integer");
        List<String> stop = new ArrayList<>();
        JsonNode s = body.get("stop");
        if (s != null && !s.isNull()) {
            if (s.isString()) stop.add(s.stringValue());
            else if (s.isArray()) for (JsonNode e : s) {
                if (!e.isString()) throw ApiError.invalid("stop", "'stop' must be a string or an array of strings");
                stop.add(e.stringValue());
            }
            else throw ApiError.invalid("stop", "'stop' must be a string or an array of strings");
            if (stop.size() > Sampling.MAX_STOPS) throw ApiError.invalid("stop", "at most " + Sampling.MAX_STOPS + " stop texts");
            if (stop.contains("")) throw ApiError.invalid("stop", "a stop text is empty");
        }
        boolean stream = bool(body, "stream", false);
        JsonNode so = body.get("stream_options");
        boolean usage = so != null && so.isObject() && so.path("include_usage").asBoolean(false);
        boolean ignoreEos = bool(body, "ignore_eos", false); // vLLM's extension, for benchmarks
        Sampling sampling = new Sampling(maxTokens, temperature, topP == 0 ? 1 : topP, topK, seed, stop, ignoreEos);
        return new ApiRequest(prompt, messages, sampling, stream, usage);
    }

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
    }

    private static int integer(JsonNode body, String key, int fallback, int min, int max) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiError.invalid(key, "'" + key + "' must be an integer");
        long x = v.longValue();
        if (x < min || x > max) throw ApiError.invalid(key, "'" + key + "' must be at least " + min + (max < Integer.MAX_VALUE ? " and at most " + max : "") + ", got " + x);
        return (int) x;
    }

    private static double number(JsonNode body, String key, double fallback, double min, double max) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber()) throw ApiError.invalid(key, "'" + key + "' must be a number");
        double x = v.doubleValue();
        if (!(x >= min && x <= max)) throw ApiError.invalid(key, "'" + key + "' must be between " + min + " and " + max + ", got " + x);
        return x;
    }

    private static boolean bool(JsonNode body, String key, boolean fallback) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw ApiError.invalid(key, "'" + key + "' must be true or false");
        return v.booleanValue();
    }
}
