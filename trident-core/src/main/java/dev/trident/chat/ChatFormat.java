package dev.trident.chat;

import java.util.List;

/**
 * The conversation layouts that open models' chat templates produce, written out in Java. A model's Jinja
 * template is not executed; {@link ChatTemplate#detect} recognises which of these it is by marker strings, the
 * way llama.cpp's {@code llm_chat_detect_template} does. Each format renders a conversation to the prompt text
 * (special tokens written as their text) and names the strings that end an assistant turn.
 */
public enum ChatFormat {
    /** ChatML (Qwen, Yi, many fine-tunes): {@code <|im_start|>role\ncontent<|im_end|>\n}. */
    CHATML("chatml") {
        @Override
        void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out) {
            for (ChatMessage m : messages) out.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
            if (generationPrompt) out.append("<|im_start|>assistant\n");
        }

        @Override
        List<String> stops(String eos) { return List.of("<|im_end|>", eos); }
    },
    /** Llama 3: header tokens around each role, {@code <|eot_id|>} after each turn. */
    LLAMA3("llama3") {
        @Override
        void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out) {
            out.append(bos);
            for (ChatMessage m : messages)
                out.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n").append(m.content().strip()).append("<|eot_id|>");
            if (generationPrompt) out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }

        @Override
        List<String> stops(String eos) { return List.of("<|eot_id|>", eos); }
    },
    /** Llama 2 / Mistral: {@code [INST] user [/INST] assistant</s>}; the system text opens the first user turn. */
    LLAMA2("llama2") {
        @Override
        void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out) {
            String system = null;
            for (ChatMessage m : messages) {
                switch (m.role()) {
                    case "system" -> system = m.content();
                    case "user" -> {
                        out.append(bos).append("[INST] ");
                        if (system != null) out.append(system).append("\n\n");
                        system = null;
                        out.append(m.content().strip()).append(" [/INST]");
                    }
                    default -> out.append(' ').append(m.content().strip()).append(eos);
                }
            }
        }

        @Override
        List<String> stops(String eos) { return List.of(eos); }
    },
    /** Gemma: {@code <start_of_turn>user ... <end_of_turn>}, the assistant is "model"; no system role. */
    GEMMA("gemma") {
        @Override
        void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out) {
            out.append(bos);
            String system = null;
            for (ChatMessage m : messages) {
                if (m.role().equals("system")) { system = m.content(); continue; }
                String role = m.role().equals("assistant") ? "model" : m.role();
                out.append("<start_of_turn>").append(role).append('\n');
                if (system != null && role.equals("user")) { out.append(system).append("\n\n"); system = null; }
                out.append(m.content().strip()).append("<end_of_turn>\n");
            }
            if (generationPrompt) out.append("<start_of_turn>model\n");
        }

        @Override
        List<String> stops(String eos) { return List.of("<end_of_turn>", eos); }
    },
    /** Phi-3: {@code <|role|>\ncontent<|end|>\n}. */
    PHI3("phi3") {
        @Override
        void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out) {
            for (ChatMessage m : messages) out.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
            if (generationPrompt) out.append("<|assistant|>\n");
        }

        @Override
        List<String> stops(String eos) { return List.of("<|end|>", eos); }
    },
    /** DeepSeek Coder (V1): {@code ### Instruction:} / {@code ### Response:} blocks, {@code <|EOT|>} after answers. */
    DEEPSEEK("deepseek") {
        @Override
        void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out) {
            out.append(bos);
            for (ChatMessage m : messages) {
                switch (m.role()) {
                    case "system" -> out.append(m.content()).append('\n');
                    case "user" -> out.append("### Instruction:\n").append(m.content()).append('\n');
                    default -> out.append("### Response:\n").append(m.content()).append("\n<|EOT|>\n");
                }
            }
            if (generationPrompt) out.append("### Response:\n");
        }

        @Override
        List<String> stops(String eos) { return List.of("<|EOT|>", eos); }
    },
    /**
     * DeepSeek-V2 chat: plain text turns, {@code User: ...\n\nAssistant: ...<eos>}. Needs no special token beyond
     * end of text, so it is also the default Trident writes for the models it trains.
     */
    DEEPSEEK2("deepseek2") {
        @Override
        void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out) {
            out.append(bos);
            for (ChatMessage m : messages) {
                switch (m.role()) {
                    case "system" -> out.append(m.content()).append("\n\n");
                    case "user" -> out.append("User: ").append(m.content()).append("\n\n");
                    default -> out.append("Assistant: ").append(m.content()).append(eos);
                }
            }
            if (generationPrompt) out.append("Assistant:");
        }

        // A model that was never taught to end its turn starts writing the user's next one: that ends the turn too.
        @Override
        List<String> stops(String eos) { return List.of(eos, "\n\nUser:", "\nUser:"); }
    },
    /** DeepSeek-V3 / R1: {@code <｜User｜>...<｜Assistant｜>...<｜end▁of▁sentence｜>}. */
    DEEPSEEK3("deepseek3") {
        @Override
        void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out) {
            out.append(bos);
            for (ChatMessage m : messages) if (m.role().equals("system")) out.append(m.content());
            for (ChatMessage m : messages) {
                switch (m.role()) {
                    case "system" -> { }
                    case "user" -> out.append("<｜User｜>").append(m.content());
                    default -> out.append("<｜Assistant｜>").append(m.content()).append("<｜end▁of▁sentence｜>");
                }
            }
            if (generationPrompt) out.append("<｜Assistant｜>");
        }

        @Override
        List<String> stops(String eos) { return List.of("<｜end▁of▁sentence｜>", eos); }
    };

    /** The name llama.cpp uses for this format (and {@code --chat-template NAME} accepts). */
    public final String id;

    ChatFormat(String id) { this.id = id; }

    abstract void render(List<ChatMessage> messages, boolean generationPrompt, String bos, String eos, StringBuilder out);

    /** Texts that end an assistant turn (the empty string, for a missing eos, is dropped by the template). */
    abstract List<String> stops(String eos);

    /** The format named id (as in llama.cpp), or null. */
    public static ChatFormat byId(String id) {
        for (ChatFormat f : values()) if (f.id.equals(id)) return f;
        return null;
    }
}
