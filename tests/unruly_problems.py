"""Problems that misbehave on purpose, for the tests of sciml verify's worker processes: one hangs, one kills
its own process (as the OS does to a process out of memory), one passes. Importable by name in spawned workers."""

import dataclasses
import os
import signal
import time

from sciml.problems import Problem


@dataclasses.dataclass(eq=False)
class Unruly(Problem):
    """``behaviour``: ``"pass"`` returns 1.0 (the exact answer), ``"hang"`` sleeps, ``"die"`` kills its process."""

    kind = "unruly"
    reference_labels = {"exact": "the number 1"}
    behaviour: str = "pass"

    def statement(self) -> str:
        return f"a problem that will {self.behaviour}"

    def solve(self, **options):
        if self.behaviour == "hang":
            time.sleep(300)
        if self.behaviour == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        return 1.0

    def references(self):
        return self._compare_with({"exact": lambda: 1.0}, lambda r, ref: abs(r - ref))

    @classmethod
    def from_spec(cls, spec, **common):
        raise NotImplementedError


def unruly(behaviour: str, name: str | None = None) -> Unruly:
    return Unruly(behaviour=behaviour, name=name or behaviour, tolerances={"exact": 1e-12})
