"""Counts of the fuzz suite's outcomes per entry point: ``python tests/fuzz_counts.py [examples]``.

Runs every entry point of ``tests/test_bad_input.py`` on hypothesis junk (deterministic) and prints, per entry
point, how many calls gave a named error, a failed result, an honest result, or (never, if all is well) a crash
of another exception type or a wrong answer.
"""

import collections
import pathlib
import sys
import warnings

import torch
from hypothesis import HealthCheck, given, settings


def main(examples: int) -> None:
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    import test_bad_input as T

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    counts = collections.defaultdict(collections.Counter)

    def make(entry):
        @settings(max_examples=examples, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
                  database=None)
        @given(a=T.JUNK, b=T.JUNK)
        def run(a, b):
            try:
                counts[entry][T.outcome(entry, a, b)] += 1
            except AssertionError:
                counts[entry]["WRONG"] += 1
            except Exception as exc:
                counts[entry][f"CRASH {type(exc).__name__}: {str(exc)[:60]}"] += 1

        return run

    for entry in T.ENTRY_POINTS:
        make(entry)()
    tot = collections.Counter()
    for e, c in counts.items():
        tot.update(c)
        print(f"{e:32s} {dict(c)}")
    print("total", dict(tot))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
