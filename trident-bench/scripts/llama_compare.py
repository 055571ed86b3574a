#!/usr/bin/env python3
"""Trident vs llama.cpp (node-llama-cpp 3.21.1, tools/llama-ref/bench.mjs) on the same GGUF files, same thread count,
in one run: prefill and decode tokens/s, medians of interleaved repetitions, and their ratios.

usage: trident-bench/scripts/llama_compare.py [--threads 2] [--prompt 512] [--gen 128] [--reps 3] [--models DIR]
       [--only llama-q8_0,llama-q4_k,moe-q8_0]
The GGUF files are written first if missing (dev.trident.bench.BenchModels: random weights, Trident's exporter)."""
import argparse, json, os, re, statistics, subprocess, sys, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JAVA = os.environ.get("JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
MODELS = ["llama-q8_0", "llama-q4_k", "moe-q8_0"]


def run(cmd, env=None):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return p.stdout


def trident(model, a):
    env = dict(os.environ, JAVA_OPTS=os.environ.get("JAVA_OPTS", "-Xmx2g"))
    out = run(["./trident", "bench", model, "--threads", str(a.threads), "--prompt", str(a.prompt), "--gen", str(a.gen),
               "--reps", "1", "--stream-mb", "512"], env)
    last = out.strip().splitlines()[-1]
    m = re.fullmatch(r"prefill_tok_s=([\d.]+) decode_tok_s=([\d.]+)", last)
    if not m:
        sys.exit("unexpected trident bench output:\n" + out)
    bw = re.search(r"memory read bandwidth .*: ([\d.]+) GB/s", out)
    weights = re.search(r"bytes read per decoded token: ([\d.]+) MB of weights \+ ([\d.]+) MB", out)
    return {"prefill": float(m.group(1)), "decode": float(m.group(2)), "bandwidth": float(bw.group(1)),
            "mb_per_token": float(weights.group(1)) + float(weights.group(2))}


def llama(model, a):
    out = run(["node", "tools/llama-ref/bench.mjs", "--model", model, "--threads", str(a.threads), "--prompt", str(a.prompt),
               "--gen", str(a.gen)])
    j = json.loads(out.strip().splitlines()[-1])
    return {"prefill": j["prefillTokensPerSecond"], "decode": j["decodeTokensPerSecond"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--gen", type=int, default=128)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--models", default=os.path.join(ROOT, "bench-models"))
    ap.add_argument("--only", default=",".join(MODELS))
    a = ap.parse_args()
    names = a.only.split(",")
    if not os.path.exists(os.path.join(ROOT, "trident-bench/target/benchmarks.jar")):
        run(["./mvnw", "-q", "-o", "install", "-DskipTests"])
    run([JAVA, "--add-modules=jdk.incubator.vector", "-Xmx3g", "-cp", "trident-bench/target/benchmarks.jar",
         "dev.trident.bench.BenchModels", a.models] + names)
    if not os.path.isdir(os.path.join(ROOT, "tools/llama-ref/node_modules")):
        run(["npm", "ci", "--omit=optional", "--no-audit", "--no-fund", "--prefix", "tools/llama-ref"])
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} threads={a.threads} prompt={a.prompt} gen={a.gen} reps={a.reps} "
          f"(medians of interleaved runs; load average before: {os.getloadavg()[0]:.1f})", flush=True)
    rows = []
    for name in names:
        path = os.path.join(a.models, name + ".gguf")
        t, l = [], []
        for r in range(a.reps):  # interleaved, so a noisy neighbour hurts both alike
            t.append(trident(path, a))
            l.append(llama(path, a))
            print(f"  {name} rep {r + 1}: trident {t[-1]['prefill']:.1f}/{t[-1]['decode']:.2f}  "
                  f"llama.cpp {l[-1]['prefill']:.1f}/{l[-1]['decode']:.2f} tok/s (prefill/decode)", flush=True)
        med = lambda xs, k: statistics.median(x[k] for x in xs)
        tp, td, lp, ld = med(t, "prefill"), med(t, "decode"), med(l, "prefill"), med(l, "decode")
        bw, mb = med(t, "bandwidth"), med(t, "mb_per_token")
        rows.append((name, tp, lp, tp / lp, td, ld, td / ld, mb * td / 1000, 100 * mb * td / 1000 / bw, bw))
    print()
    print("| model | Trident prefill tok/s | llama.cpp prefill tok/s | ratio | Trident decode tok/s | llama.cpp decode tok/s "
          "| ratio | Trident decode GB/s | of read bandwidth | read bandwidth GB/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:.1f} | {r[2]:.1f} | {r[3]:.2f}x | {r[4]:.2f} | {r[5]:.2f} | {r[6]:.2f}x | {r[7]:.2f} | {r[8]:.0f}% | {r[9]:.1f} |")


if __name__ == "__main__":
    main()
