"""CPU inference speed levers for scoring: int8 dynamic quantization and thread settings.

On a CPU the encoder's time goes almost all into its Linear layers (attention projections and
the feed-forward blocks). Dynamic int8 quantization stores those weights as int8 and
quantizes activations per batch on the fly; on the packaged MiniLM it scores about 2.5x
faster with holdout AUC within a few thousandths of float32 (see the README's Performance
section and bench/score.py). Small layers (the classifier or fusion head, a few hundred
inputs by two outputs) and the pooler stay in float32: they cost next to nothing and feed the
output directly.

On CUDA nothing here applies: the GPU path is bf16 autocast (finrisk.models.runtime).
"""

from __future__ import annotations

import logging
import os
import warnings

log = logging.getLogger(__name__)

MIN_QUANTIZED_WEIGHTS = 32 * 1024  # a Linear smaller than this (e.g. a 384x2 head) stays float32
HEAD_PARTS = {"pooler", "classifier", "head"}  # feed the output directly: kept float32 whatever their size


def quantizable_layers(model, min_weights: int = MIN_QUANTIZED_WEIGHTS) -> set[str]:
    """Names of the Linear submodules big enough to gain from int8."""
    import torch

    return {
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
        and module.weight.numel() >= min_weights
        and not HEAD_PARTS.intersection(name.split("."))
    }


def quantize_int8(model, min_weights: int = MIN_QUANTIZED_WEIGHTS):
    """A copy of `model` with its large Linear layers in dynamic int8 (CPU only; eval mode)."""
    import torch

    names = quantizable_layers(model, min_weights)
    if not names:
        return model
    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, which is not installed here
        warnings.simplefilter("ignore")
        quantized = torch.ao.quantization.quantize_dynamic(model.eval(), names, dtype=torch.qint8, inplace=False)
    quantized.is_int8 = True
    return quantized


def set_cpu_threads(threads: int | None = None) -> int:
    """Intra-op threads for scoring: `threads`, else one per core the process may use."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    wanted = threads or cores
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)
    return torch.get_num_threads()


def inference_encoder(encoder, device, int8: bool = True):
    """The encoder as scoring runs it on `device`: an int8 copy on CPU (when `int8` and it has layers big enough
    to gain), else `encoder` itself. Fused training embeds with it, so the head learns on the vectors it will be fed."""
    if not int8 or getattr(device, "type", str(device)) != "cpu" or getattr(encoder, "is_int8", False):
        return encoder
    if not quantizable_layers(encoder):
        return encoder
    set_cpu_threads()
    return quantize_int8(encoder)


ENCODER_ATTRIBUTES = ("model", "encoder")  # where a loaded scorer keeps its transformer


def _device_of(holder, module):
    device = getattr(holder, "device", None)
    if device is None:
        try:
            device = next(module.parameters()).device
        except StopIteration:
            return "cpu"
    return getattr(device, "type", str(device))


def for_cpu_scoring(classifier, enabled: bool = True):
    """Swap the loaded scorer's transformer (its `.model` or `.encoder`) for an int8 copy when it runs
    on CPU; returns `classifier`. A no-op on CUDA, when disabled, or when already quantized."""
    import torch

    if not enabled or not getattr(classifier, "cpu_int8", True):  # a fused model trained in float32 stays so
        return classifier
    for attribute in ENCODER_ATTRIBUTES:
        module = getattr(classifier, attribute, None)
        if not isinstance(module, torch.nn.Module) or getattr(module, "is_int8", False):
            continue
        if _device_of(classifier, module) != "cpu" or not quantizable_layers(module):
            continue
        set_cpu_threads()
        setattr(classifier, attribute, quantize_int8(module))
        log.info("scoring on CPU with int8 Linear layers (%d quantized)", len(quantizable_layers(module)))
    return classifier
