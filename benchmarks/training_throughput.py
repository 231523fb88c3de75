"""Benchmark (not a test): training-step throughput of a BERT-base-sized model, the seed's set-up against ours.

    seed:  every batch padded to 512 tokens, fp32
    ours:  each batch padded to its own longest row (DataCollatorWithPadding / DataCollatorForTokenClassification),
           bf16 autocast where the GPU supports it, fp16 on older GPUs (T4), fp32 on the CPU: what the notebooks do.
           (Trainer's train_sampling_strategy="group_by_length" would cut Yelp's padding further, but in
           transformers 5 it also reorders evaluation and prediction rows, which breaks per-row analyses such as
           notebook 4's word-level seqeval, so the notebooks do not use it.)

Lengths are synthesized (seeded log-normal, clipped to [min, 512]) to match published statistics of the real
tasks measured in bert-base-cased WordPiece tokens including [CLS]/[SEP]:
    Yelp review full   median ~ 130, mean ~ 180, ~ 5 % of reviews over 512
    MNLI pairs         premise ~ 22 + hypothesis ~ 11 words -> mean ~ 40 tokens
    CoNLL-2003         14.5 words per sentence -> mean ~ 25 sub-word tokens
The weights are random (no download): the speed of a step does not depend on their values.

It reports samples/s for both set-ups and the ratio, measured on this machine, and projects the wall time of
one notebook's training + evaluation (1,000 rows x 3 epochs + 3 evaluations of 1,000 rows) on a T4-class and
an H100-class GPU from the FLOP count at an assumed sustained throughput plus an assumed fixed cost per step
(both stated in the output; `--project-only` prints just these). On a machine with a GPU it also reports the
minutes measured on that GPU.

    python benchmarks/training_throughput.py [--steps 3] [--layers 12] [--json out.json] [--project-only]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time

import torch
from transformers import BertConfig, BertForSequenceClassification, BertForTokenClassification

TASKS = {
    # name: (head, num_labels, log-normal mu, sigma, min length)
    "yelp": ("sequence", 5, math.log(130), 0.8, 10),
    "mnli": ("sequence", 3, math.log(37), 0.4, 8),
    "conll": ("token", 9, math.log(22), 0.55, 3),
}
MAX_LEN = 512
BATCH = 8
ROWS, EPOCHS = 1000, 3
# Assumptions for projecting GPUs that are not here to measure (stated in the output):
# sustained training throughput (TFLOP/s), about a third of the data-sheet peak, typical for BERT-base
# fine-tuning in PyTorch eager mode ...
ASSUMED_TFLOPS = {
    "T4 (fp32, seed)": 8.1 / 3, "T4 (fp16, ours)": 65 / 3,
    "H100 (fp32, seed)": 67 / 3, "H100 (bf16, ours)": 989 / 3,
}
# ... plus a fixed cost per optimizer step (kernel launches, AdamW over 110 M parameters, data loading) that
# FLOPs do not show; it dominates short batches on a fast GPU.
ASSUMED_STEP_OVERHEAD_S = {"T4": 0.030, "H100": 0.012}


def lengths(task: str, n: int, seed: int = 0) -> list[int]:
    _, _, mu, sigma, low = TASKS[task]
    rng = random.Random(seed)
    return [max(low, min(MAX_LEN, round(rng.lognormvariate(mu, sigma)))) for _ in range(n)]


def shuffled_batches(lens: list[int], seed: int = 0) -> list[list[int]]:
    """One epoch of random batches of BATCH rows, as the Trainer's default sampler draws them."""
    rng = random.Random(seed)
    lens = lens[:]
    rng.shuffle(lens)
    return [lens[i:i + BATCH] for i in range(0, len(lens), BATCH)]


def build_model(task: str, layers: int):
    head, num_labels, *_ = TASKS[task]
    config = BertConfig(vocab_size=28996, hidden_size=768, num_hidden_layers=layers, num_attention_heads=12,
                        intermediate_size=3072, num_labels=num_labels)
    cls = BertForSequenceClassification if head == "sequence" else BertForTokenClassification
    return cls(config)


def make_batch(task: str, batch_lengths: list[int], pad_to: int, device):
    head, num_labels, *_ = TASKS[task]
    ids = torch.zeros(len(batch_lengths), pad_to, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, n in enumerate(batch_lengths):
        ids[i, :n] = torch.randint(1000, 28000, (n,))
        mask[i, :n] = 1
    if head == "sequence":
        labels = torch.randint(0, num_labels, (len(batch_lengths),))
    else:
        labels = torch.randint(0, num_labels, ids.shape).masked_fill(mask == 0, -100)
    return {k: v.to(device) for k, v in {"input_ids": ids, "attention_mask": mask, "labels": labels}.items()}


def autocast_dtype(device) -> torch.dtype | None:
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported(including_emulation=False) else torch.float16


def time_steps(model, batches, device, dtype) -> list[float]:
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
    scaler = torch.amp.GradScaler(enabled=dtype is torch.float16)
    times = []
    for batch in batches:
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = model(**batch).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times[1:]  # the first step warms up kernels and the allocator


def padding_changes_nothing(model, task: str, device) -> float:
    """Max |logit difference| for the same rows padded to 512 vs to their batch's longest row (eval, fp32):
    [PAD] keys are masked out of attention, so dynamic padding only removes work, not information."""
    model.eval()
    rows = lengths(task, BATCH, seed=7)
    torch.manual_seed(1)
    short = make_batch(task, rows, max(rows), device)
    long = {k: torch.nn.functional.pad(v, (0, MAX_LEN - max(rows)), value=-100 if k == "labels" else 0)
            if v.dim() == 2 else v for k, v in short.items()}
    with torch.no_grad():
        a, b = model(**short).logits, model(**long).logits
    if a.dim() == 3:  # token classification: compare the real positions only
        b = b[:, : a.shape[1]]
        a, b = a[short["attention_mask"] == 1], b[short["attention_mask"] == 1]
    model.train()
    return float((a - b).abs().max())


def train_flops(n_params: int, layers: int, tokens: int, seq: float) -> float:
    """~6 FLOPs per parameter per token (forward + backward) plus attention's 12 * L * d * seq per token."""
    return tokens * (6 * n_params + 12 * layers * 768 * seq)


def notebook_flops(task: str, n_params: int, layers: int, padded: bool) -> float:
    lens = lengths(task, ROWS, seed=1)
    if padded:
        tokens, seq = ROWS * MAX_LEN, MAX_LEN
    else:
        batches = shuffled_batches(lens)
        tokens = sum(max(b) * len(b) for b in batches)
        seq = tokens / ROWS
    train = EPOCHS * train_flops(n_params, layers, tokens, seq)
    evaluate = EPOCHS * train_flops(n_params, layers, tokens, seq) / 3  # forward only
    return train + evaluate


def projected_minutes(task: str, layers: int) -> dict[str, float]:
    """Minutes of one notebook's training + evaluation on each assumed GPU set-up: FLOPs / throughput plus
    the fixed cost of every step (evaluation steps counted at a third)."""
    n_params = 85_000_000 * layers // 12  # encoder weights of BERT-base, without embeddings
    steps = EPOCHS * math.ceil(ROWS / BATCH) * (1 + 1 / 3)
    minutes = {}
    for setup, tflops in ASSUMED_TFLOPS.items():
        overhead = ASSUMED_STEP_OVERHEAD_S[setup.split()[0]]
        flops = notebook_flops(task, n_params, layers, padded="seed" in setup)
        minutes[setup] = (flops / (tflops * 1e12) + steps * overhead) / 60
    return minutes


def print_projections(tasks: list[str], layers: int) -> None:
    print(f"\nprojected minutes per notebook ({ROWS:,} rows x {EPOCHS} epochs + {EPOCHS} evaluations, batch {BATCH})"
          f" on GPUs that were not measured: FLOPs at an assumed sustained TFLOP/s of "
          f"{ {k: round(v, 1) for k, v in ASSUMED_TFLOPS.items()} }, plus an assumed fixed cost per step (s) of "
          f"{ASSUMED_STEP_OVERHEAD_S}")
    print(f"{'task':<6} " + " ".join(f"{k:>18}" for k in ASSUMED_TFLOPS) + f" {'T4 ratio':>9} {'H100 ratio':>11}")
    for task in tasks:
        m = projected_minutes(task, layers)
        t4 = m["T4 (fp32, seed)"] / m["T4 (fp16, ours)"]
        h100 = m["H100 (fp32, seed)"] / m["H100 (bf16, ours)"]
        print(f"{task:<6} " + " ".join(f"{v:>18.1f}" for v in m.values()) + f" {t4:>8.1f}x {h100:>10.1f}x")


def run(task: str, steps: int, layers: int, device) -> dict:
    torch.manual_seed(0)
    model = build_model(task, layers).to(device).train()
    # one epoch's batches of 1,000 rows; time an evenly spread sample of them (same rows in both set-ups)
    grouped = shuffled_batches(lengths(task, ROWS, seed=1))
    picks = [grouped[round(i * (len(grouped) - 1) / steps)] for i in range(steps + 1)]
    seed_batches = [make_batch(task, g, MAX_LEN, device) for g in picks]
    our_batches = [make_batch(task, g, max(g), device) for g in picks]
    # the timed sample stands for the whole epoch: weight each set-up by its epoch's padded tokens
    epoch_tokens_ours = sum(max(b) * len(b) for b in grouped)
    sample_tokens_ours = sum(max(b) * len(b) for b in picks[1:])
    seed_t = statistics.mean(time_steps(model, seed_batches, device, None))
    ours_sample = time_steps(model, our_batches, device, autocast_dtype(device))
    # seconds per token on the sample, scaled to the epoch's real token count
    ours_t = sum(ours_sample) / sample_tokens_ours * epoch_tokens_ours / len(grouped)
    result = {"task": task, "seed_samples_per_s": BATCH / seed_t, "ours_samples_per_s": BATCH / ours_t,
              "speedup": seed_t / ours_t, "mean_padded_length_ours": epoch_tokens_ours / ROWS,
              "max_logit_diff_pad512_vs_dynamic": padding_changes_nothing(model, task, device)}
    if device.type == "cuda":
        per_row_seed, per_row_ours = seed_t / BATCH, ours_t / BATCH
        result["measured_notebook_minutes"] = {
            "seed": EPOCHS * ROWS * per_row_seed * 4 / 3 / 60, "ours": EPOCHS * ROWS * per_row_ours * 4 / 3 / 60}
    result["projected_notebook_minutes"] = projected_minutes(task, layers)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3, help="timed steps per set-up (after one warm-up)")
    parser.add_argument("--layers", type=int, default=12, help="encoder layers (12 = BERT-base)")
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--project-only", action="store_true", help="print the GPU projections only (no timing)")
    args = parser.parse_args()
    if args.project_only:
        print_projections(args.tasks, args.layers)
        return
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    print(f"device: {name}; BERT-base-sized ({args.layers} layers), batch {BATCH}, {args.steps} timed steps")
    results = []
    for task in args.tasks:
        results.append(run(task, args.steps, args.layers, device))
        print(f"  {task}: {results[-1]['speedup']:.1f}x", flush=True)
    print(f"\n{'task':<6} {'seed samples/s':>15} {'ours samples/s':>15} {'speed-up':>9} {'mean padded len':>16}"
          f" {'max logit diff':>15}")
    for r in results:
        print(f"{r['task']:<6} {r['seed_samples_per_s']:>15.2f} {r['ours_samples_per_s']:>15.2f} {r['speedup']:>8.1f}x"
              f" {r['mean_padded_length_ours']:>16.0f} {r['max_logit_diff_pad512_vs_dynamic']:>15.1e}")
    print_projections(args.tasks, args.layers)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": name, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
