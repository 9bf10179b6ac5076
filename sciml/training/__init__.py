"""The training core that every iterative solver of sciml runs on.

- :class:`Stop`, :func:`finite`, :func:`callback_stop`, :func:`max_iter_stop`, :func:`relative_decrease_met`
  — why a loop ended, in the shared :class:`~sciml.results.Status` vocabulary, and the NaN guard.
- :func:`progress_bar` — an opt-in tqdm bar on stderr (``progress=True``); silent otherwise.
- :func:`checkpoint_path`, :func:`save_checkpoint`, :func:`load_checkpoint`, :class:`Checkpointer` — atomic,
  versioned, signature-checked checkpoints read with ``weights_only=True``, written when due.
- :func:`cached_evaluator`, :class:`AdamStepper`, :class:`LBFGSStepper` — torch's Adam and L-BFGS one
  iteration at a time on a flat parameter vector, with a state that checkpoints and resumes.
- :class:`Patience` — early stopping's bookkeeping: the best value of a monitored quantity and how long since
  it improved.

:func:`sciml.pinn.solve` and :func:`sciml.learn.train` run on this core; :func:`sciml.optimize.minimize` takes its
progress bar.
"""

from sciml.training._checkpoint import Checkpointer, checkpoint_path, load_checkpoint, save_checkpoint
from sciml.training._monitor import Patience
from sciml.training._optimizers import AdamStepper, LBFGSStepper, TorchStepper, cached_evaluator
from sciml.training._progress import progress_bar
from sciml.training._run import Stop, callback_stop, finite, max_iter_stop, relative_decrease_met

__all__ = [
    "AdamStepper",
    "Checkpointer",
    "LBFGSStepper",
    "Patience",
    "Stop",
    "TorchStepper",
    "cached_evaluator",
    "callback_stop",
    "checkpoint_path",
    "finite",
    "load_checkpoint",
    "max_iter_stop",
    "progress_bar",
    "relative_decrease_met",
    "save_checkpoint",
]
