package dev.trident.server;

import dev.trident.engine.Completion;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The OpenAI API's response objects: completions, chat completions, their stream chunks, usage and errors. */
final class OpenAiJson {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private OpenAiJson() {}

    static ObjectNode error(ApiError e) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type);
        if (e.param == null) err.putNull("param");
        else err.put("param", e.param);
        if (e.code == null) err.putNull("code");
        else err.put("code", e.code);
        return root;
    }

    /** The envelope every response and chunk shares. */
    static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model);
        o.put("system_fingerprint", "trident");
        return o;
    }

    static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode u = MAPPER.createObjectNode();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", promptTokens + completionTokens);
        return u;
    }

    static ObjectNode completion(String id, long created, String model, Completion c) {
        ObjectNode o = head(id, "text_completion", created, model);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", c.text());
        choice.putNull("logprobs");
        choice.put("finish_reason", c.finishReason().openAiName);
        o.set("usage", usage(c.promptTokens(), c.completionTokens()));
        return o;
    }

    static ObjectNode chatCompletion(String id, long created, String model, Completion c) {
        ObjectNode o = head(id, "chat.completion", created, model);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", c.text());
        choice.putNull("logprobs");
        choice.put("finish_reason", c.finishReason().openAiName);
        o.set("usage", usage(c.promptTokens(), c.completionTokens()));
        return o;
    }

    /** A stream chunk carrying text (finishReason null) or the end (text null, finishReason set). */
    static ObjectNode chunk(boolean chat, String id, long created, String model, String text, String finishReason, boolean first) {
        ObjectNode o = head(id, chat ? "chat.completion.chunk" : "text_completion", created, model);
        ArrayNode choices = o.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (first) delta.put("role", "assistant");
            if (text != null) delta.put("content", text);
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        return o;
    }

    /** The last chunk when the client asked for stream_options.include_usage: no choices, the usage. */
    static ObjectNode usageChunk(boolean chat, String id, long created, String model, Completion c) {
        ObjectNode o = head(id, chat ? "chat.completion.chunk" : "text_completion", created, model);
        o.putArray("choices");
        o.set("usage", usage(c.promptTokens(), c.completionTokens()));
        return o;
    }
}
