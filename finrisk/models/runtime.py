"""How the transformers run on a device: the one place the CPU and the CUDA choices are made.

The GPU path is a config, not a fork: training (`finrisk.models.loop.fit`) and prediction
(`loop.predict_proba`, `fusion.embed`) call the same functions on both, and ask a `Runtime`
how to batch, in what precision and whether to compile.

- CPU: float32 weights (int8 Linear layers for scoring, `finrisk.models.quantize`) and one
  text per forward at prediction time. Dynamic int8 quantization scales a forward's
  activations by their range over the whole batch, so a batched text's vector depends on its
  batch mates (by up to 0.13 on the packaged MiniLM); a text run alone depends on nothing
  else, so shards, re-runs and stored vectors agree to the bit. Alone it is also unpadded,
  and on a 2-core CPU no slower than padded batches of 64 (README, Performance).
- CUDA: bf16 autocast, SDPA attention (the transformers default for BERT), length-sorted
  prediction batches of at least `CUDA_PREDICT_ROWS`, training batches of at least
  `CUDA_TRAIN_ROWS`, and `torch.compile` with dynamic shapes (padding varies per batch).

Tests force the CUDA choices on CPU (`Runtime.cuda_like`) so the code path runs in CI.
"""

from __future__ import annotations

import weakref
from contextlib import nullcontext
from dataclasses import dataclass

CUDA_PREDICT_ROWS = 4096  # texts per forward at prediction time on a GPU (length-sorted)
CUDA_TRAIN_ROWS = 256  # examples per optimisation step on a GPU, at least
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> (backend, compiled model)


def pick_device():
    """CUDA when present, else CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass(frozen=True)
class Runtime:
    """Precision, batching and compilation for one device."""

    device: object  # torch.device
    bf16: bool = False
    predict_rows: int = 1  # texts per forward at prediction time (0: the caller's batch size)
    train_rows: int = 0  # at least this many examples per optimisation step (0: the caller's)
    compile_backend: str | None = None  # torch.compile backend, or None for eager

    @classmethod
    def for_device(cls, device) -> Runtime:
        """The choices for `device` (a torch.device or its name)."""
        import torch

        device = torch.device(device)
        if device.type == "cuda":
            return cls.cuda_like(device)
        return cls(device)

    @classmethod
    def cuda_like(cls, device, compile_backend: str = "inductor") -> Runtime:
        """The CUDA choices on `device`; tests use it on CPU with the "eager" backend."""
        import torch

        return cls(
            torch.device(device),
            bf16=True,
            predict_rows=CUDA_PREDICT_ROWS,
            train_rows=CUDA_TRAIN_ROWS,
            compile_backend=compile_backend,
        )

    def autocast(self):
        """bf16 autocast when chosen; a no-op otherwise."""
        import torch

        if self.bf16:
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return nullcontext()

    def rows_per_forward(self, batch_size: int) -> int:
        """Texts per forward at prediction time given the caller's `batch_size`."""
        if self.predict_rows == 1:
            return 1
        return max(batch_size, self.predict_rows)

    def train_batch(self, batch_size: int) -> int:
        """Examples per optimisation step given the training arguments' `batch_size`."""
        return max(batch_size, self.train_rows)

    def prepare(self, model):
        """`model` as the forward passes should call it: compiled once per model and backend when chosen (the
        compiled wrapper shares the model's weights, so training it trains the model)."""
        if not self.compile_backend:
            return model
        compiled = _COMPILED.get(model)
        if compiled is None or compiled[0] != self.compile_backend:
            import torch

            compiled = (self.compile_backend, torch.compile(model, backend=self.compile_backend, dynamic=True))
            _COMPILED[model] = compiled
        return compiled[1]
