"""NLU benchmark: `dost nlu parse` latency (p50/p99) per utterance, model build time, memory.

Run: .venv/bin/python benchmarks/nlu_bench.py [--utterances 5000]
The utterances are the training phrasings recombined (so there are thousands of distinct ones)
with the dev set's texts and diacritic-stripped copies; the model is trained from scratch once
(build time) and then the full parse (intent, ranking, entities, service) is timed per call.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--utterances", type=int, default=5000)
    args = parser.parse_args()

    from knowledge.centers import default_centers
    from knowledge.store import default_passports
    from nlu.evaluate import read_rows, strip_letters
    from nlu.intents import load_examples
    from nlu.pipeline import NLU, load_classifier, passport_names
    from nlu.services import matcher_from_passports

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    passports = default_passports()
    started = time.perf_counter()
    classifier = load_classifier(passport_names(passports), cache_dir=None)  # trained, not cached
    build_seconds = time.perf_counter() - started
    nlu = NLU(classifier, matcher_from_passports(passports), default_centers().aliases())
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    rng = random.Random(7)
    pool = [t for texts in load_examples().values() for t in texts]
    dev = Path(__file__).resolve().parents[1] / "tests" / "data" / "nlu_dev.tsv"
    pool += [r.text for r in read_rows(dev)]
    tails = ["sabah saat 10-da", "25 dekabr", "050 123 45 67", "Xəzərdə", "ozunumesgulluq", ""]
    utterances = []
    while len(utterances) < args.utterances:
        text = f"{rng.choice(pool)} {rng.choice(tails)}".strip()
        utterances.append(strip_letters(text) if rng.random() < 0.3 else text)

    for text in utterances[:200]:  # warm-up
        nlu.parse(text)
    gc.collect()
    gc.disable()
    timings = []
    for text in utterances:
        t0 = time.perf_counter_ns()
        nlu.parse(text)
        timings.append((time.perf_counter_ns() - t0) / 1e6)
    gc.enable()
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"utterances: {len(utterances)}")
    mean = statistics.fmean(timings)
    print(f"parse latency: p50 {p50:.3f} ms, p99 {p99:.3f} ms, mean {mean:.3f} ms")
    print(f"model build (training from scratch): {build_seconds:.2f} s")
    print(f"peak RSS: {rss_after / 1024:.0f} MiB (before the NLU: {rss_before / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
