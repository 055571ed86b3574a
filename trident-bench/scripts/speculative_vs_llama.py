#!/usr/bin/env python3
"""Self-speculative decoding in Trident against llama.cpp's plain decoding of the same GGUF file (issue 10, third row).

    python3 trident-bench/scripts/speculative_vs_llama.py MODEL_DIR DATA [--threads 2] [--reps 3] [--type f32]

MODEL_DIR is a trained model with MTP modules (e.g. `trident train --preset small-v3`); it is converted to
MODEL_DIR.<type>.gguf (an MLA + MoE model becomes `deepseek2` with its nextn layer). Then, --reps times, alternating:
llama.cpp's plain greedy decode of the file (tools/llama-ref/bench.mjs: a 32-token prompt, --gen tokens), Trident's
plain decode of the file (`trident bench`, the same prompt and length), and Trident plain against speculative greedy
decoding of the file on prompts cut from the validation text (dev.trident.bench.SpeculativeCompare, which also checks
that both outputs are identical). Prints a markdown table of medians.
"""
import argparse, json, os, re, statistics, subprocess, sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JAVA = next((os.path.join("/usr/lib/jvm", d, "bin", "java") for d in sorted(os.listdir("/usr/lib/jvm")) if "25" in d),
            "java") if os.path.isdir("/usr/lib/jvm") else "java"


def run(cmd, env=None):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("data")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--type", default="f32")
    ap.add_argument("--prompts", type=int, default=20)
    ap.add_argument("--gen", type=int, default=88)
    a = ap.parse_args()
    model, data = os.path.abspath(a.model), os.path.abspath(a.data)
    gguf = model.rstrip("/") + "." + a.type + ".gguf"
    env = dict(os.environ, JAVA_OPTS=os.environ.get("JAVA_OPTS", "-Xmx3g"))
    if not os.path.exists(gguf):
        print(run(["./trident", "convert", model, gguf, "--type", a.type], env).strip().splitlines()[-1])
    run(["./mvnw", "-q", "-o", "-DskipTests", "package", "-pl", "trident-bench", "-am"])
    size_mb = os.path.getsize(gguf) / 1e6
    llama, plain, spec_plain, spec, acc, tpf = [], [], [], [], [], []
    for r in range(a.reps):
        j = json.loads(run(["node", "tools/llama-ref/bench.mjs", "--model", gguf, "--threads", str(a.threads),
                            "--prompt", "32", "--gen", str(a.gen)]).strip().splitlines()[-1])
        llama.append(j["decodeTokensPerSecond"])
        out = run(["./trident", "bench", gguf, "--threads", str(a.threads), "--prompt", "32", "--gen", str(a.gen),
                   "--reps", "1"], env)
        plain.append(float(re.search(r"decode_tok_s=([\d.]+)", out.strip().splitlines()[-1]).group(1)))
        out = run([JAVA, "--add-modules=jdk.incubator.vector", "-Xmx3g", "-cp", "trident-bench/target/benchmarks.jar",
                   "dev.trident.bench.SpeculativeCompare", gguf, data, str(a.prompts), str(a.gen), str(a.threads)])
        row = next(l for l in out.splitlines() if l.startswith("| 1 |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        acc.append(float(cells[1].split(",")[0]))
        tpf.append(float(cells[2]))
        spec_plain.append(float(cells[3]))
        spec.append(float(cells[4]))
        print(f"  rep {r + 1}: llama.cpp plain {llama[-1]:.1f}, trident plain {plain[-1]:.1f} (bench) / {spec_plain[-1]:.1f} "
              f"(validation prompts), trident speculative {spec[-1]:.1f} tok/s, acceptance {acc[-1]:.3f}", flush=True)
    m = statistics.median
    print(f"\nfile {os.path.basename(gguf)} ({size_mb:.1f} MB), {a.threads} threads, medians of {a.reps}")
    print("| llama.cpp plain tok/s | Trident plain tok/s (bench / validation prompts) | Trident speculative tok/s "
          "| acceptance | tokens / forward | speculative vs llama.cpp plain | speculative vs Trident plain |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {m(llama):.1f} | {m(plain):.1f} / {m(spec_plain):.1f} | {m(spec):.1f} | {m(acc):.3f} | {m(tpf):.2f} "
          f"| **{m(spec) / m(llama):.2f}x** | {m(spec) / m(spec_plain):.2f}x |")


if __name__ == "__main__":
    main()
