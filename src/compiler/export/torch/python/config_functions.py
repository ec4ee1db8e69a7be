"""Functions of config expressions (the .arch evaluator's builtins) with archc's semantics,
and reading config.json through the `<-` mappings of the .arch file."""
import builtins
import inspect
import math
import struct
from typing import Any, Dict, List


class ConfigError(ValueError):
    pass


def div(a, b):
    """a / b; two ints that divide exactly give an int (archc's numbers do not tell 2 from 2.0)."""
    q = a / b
    return int(q) if isinstance(a, int) and isinstance(b, int) and q == int(q) else q


def coalesce(a, b):
    return b if a is None else a


def concat(a, b):
    return f"{a}{b}"


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _flat(args):
    return list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)


def sum(*args):  # noqa: A001 - the .arch builtin of this name
    total = 0
    for v in _flat(args):
        total += v
    return total


def make_divisible(v, divisor, min_value=None):
    """OpenELM / MobileNet rounding: the nearest multiple of divisor, never below 90% of v."""
    min_value = divisor if min_value is None else min_value
    nv = max(min_value, math.floor((v + divisor / 2) / divisor) * divisor)
    if nv < 0.9 * v:
        nv += divisor
    return nv


def concat_lists(lists):
    return [x for part in lists for x in part]


def str(v):  # noqa: A001 - the .arch builtin of this name
    """A value as archc prints it: integral numbers without a fraction, null, true/false."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v == int(v):
        return builtins.str(int(v))
    return builtins.str(v)


def require(ok, what, message):
    if not ok:
        raise ConfigError(f"requirement {what} does not hold: {message}")


def missing(name):
    raise ConfigError(f"hyperparameter {name} has no default and no value was given")


def known_names(given: Dict[str, Any], names: List[str]) -> None:
    unknown = [k for k in given if k not in names]
    if unknown:
        raise ConfigError(f"no hyperparameter {', '.join(unknown)}; the hyperparameters are {', '.join(names)}")


def read_hf_config(config: Dict[str, Any], keys: Dict[str, List[List[str]]], optional: List[str]) -> Dict[str, Any]:
    """Hyperparameter values from a config.json: for each, the first of its keys that is present;
    a key present as null gives None to an optional hyperparameter unless a later key has a value."""
    given: Dict[str, Any] = {}
    for name, alternatives in keys.items():
        for path in alternatives:
            cur: Any = config
            for p in path:
                cur = cur.get(p) if isinstance(cur, dict) else None
                if cur is None:
                    break
            present = _present(config, path)
            if not present:
                continue
            if cur is None:
                if name in optional:
                    given[name] = None
                continue
            given[name] = cur
            break
    return given


def _present(config, path):
    cur = config
    for p in path:
        if not isinstance(cur, dict) or p not in cur:
            return False
        cur = cur[p]
    return True


def param_init(shape):
    """A fresh parameter tensor (checkpoints overwrite it): small random values."""
    import torch

    return torch.randn(*shape) * 0.02


def apply(module, *args, ctx):
    """Applies a submodule chosen when the model was built: blocks take the context, layers not."""
    if "ctx" in inspect.signature(module.forward).parameters:
        return module(*args, ctx=ctx)
    return module(*args)


def pyvalue(v):
    """A value as archc's `print` formats it in class names and reprs (Python's repr of numbers)."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (int, float)):
        if math.isfinite(v) and float(v).is_integer() and not (v == 0 and math.copysign(1.0, v) < 0):
            return builtins.str(int(v))
        return repr(float(v))
    if isinstance(v, (list, tuple)):
        return "(" + ", ".join(pyvalue(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return builtins.str(v)
