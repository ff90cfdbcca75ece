"""What the assignment tests call: checks whose messages say by how much, where, and,
given the known mistakes of a question, what the likely bug is."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np


def defined(**objects) -> None:
    """``AssertionError`` naming the first of ``objects`` that is None, i.e. that the
    notebook never defined (otter passes None for a missing name)."""
    for name, value in objects.items():
        if value is None:
            raise AssertionError(f"`{name}` is not defined: run the cell that defines it (and keep its name)")


def _as_array(value, what: str) -> np.ndarray:
    """A tensor, array or number as float64 numpy (bf16 and fp16 included)."""
    try:
        import torch
        if isinstance(value, torch.Tensor):
            if value.is_complex():
                raise AssertionError(f"your {what} is a complex tensor, expected real numbers")
            return value.detach().to("cpu", torch.float64).numpy()
    except ImportError:  # pragma: no cover (torch is a dependency)
        pass
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"your {what} is a {type(value).__name__}, expected numbers "
                             "(a tensor, an array or a float)") from None


def _errors(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Absolute errors; NaN where only one side is NaN is an infinite error, NaN on both
    sides or the same infinity on both sides is none."""
    same = (np.isnan(got) & np.isnan(ref)) | (np.isinf(got) & (got == ref))
    with np.errstate(invalid="ignore"):
        err = np.abs(got - ref)
    return np.where(same, 0.0, np.nan_to_num(err, nan=np.inf, posinf=np.inf))


def _close(got: np.ndarray, value, atol: float) -> bool:
    ref = _as_array(value, "reference")
    return got.shape == ref.shape and bool((_errors(got, ref) <= atol).all())


def check_close(what: str, mine, reference, atol: float, hint: str = "",
                mistakes: Mapping[str, object] | None = None) -> None:
    """``AssertionError`` unless ``mine`` equals ``reference`` to ``atol`` (largest absolute
    difference), with a message a student can act on::

        your level-1 LL band differs from the reference by 0.5 (max abs) at [0, 0, 0, 0]
        (yours 2.5, reference 5; tolerance 1e-05): did you divide by 4 (the mean) instead of 2?

    ``mine``, ``reference``: tensors, arrays or numbers. ``mistakes`` maps the explanation of
    a known mistake to what that mistake would produce; if ``mine`` matches one (to
    ``atol``), its explanation is the hint, otherwise ``hint`` is. NaN matches NaN.
    """
    if mine is None:
        raise AssertionError(f"your {what} is None: the function returned nothing; replace the `...` "
                             "with your code and return the result")
    got, ref = _as_array(mine, what), _as_array(reference, "reference")
    if _close(got, ref, atol):
        return
    for explanation, value in (mistakes or {}).items():
        if _close(got, value, atol):
            hint = explanation
            break
    suffix = f": {hint}" if hint else ""
    if got.shape != ref.shape:
        raise AssertionError(f"your {what} has shape {tuple(got.shape)}, expected {tuple(ref.shape)}{suffix}")
    err = _errors(got, ref)
    where = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    raise AssertionError(f"your {what} differs from the reference by {err[where]:.3g} (max abs) at "
                         f"{[int(i) for i in where]} (yours {got[where]:.6g}, reference {ref[where]:.6g}; "
                         f"tolerance {atol:g}){suffix}")


def _float_tensors(weights) -> dict:
    """The floating-point tensors of a module's ``state_dict()`` (or of a state dict)."""
    state = weights.state_dict() if hasattr(weights, "state_dict") else dict(weights)
    return {k: v for k, v in state.items() if getattr(v, "is_floating_point", lambda: False)()}


def check_weights_close(what: str, mine, reference, atol: float, hint: str = "",
                        mistakes: Mapping[str, object] | None = None) -> None:
    """:func:`check_close` for the weights of two models (modules or state dicts), e.g.
    after a few training steps: ``AssertionError`` naming the parameter that differs most,
    by how much, and (``mistakes``: explanation -> the weights a known mistake gives) why."""
    got, ref = _float_tensors(mine), _float_tensors(reference)
    if set(got) != set(ref):
        raise AssertionError(f"{what}: the models have different parameters "
                             f"({sorted(set(got) ^ set(ref))[:4]} ...)")

    def all_close(other: dict) -> bool:
        return all(_close(_as_array(got[k], k), other[k], atol) for k in ref)

    if all_close(ref):
        return
    for explanation, weights in (mistakes or {}).items():
        if all_close(_float_tensors(weights)):
            hint = explanation
            break
    errors = {k: float(_errors(_as_array(got[k], k), _as_array(ref[k], k)).max()) for k in ref}
    # name a weight rather than a BatchNorm statistic when both differ
    weights = {k: e for k, e in errors.items() if e > atol and "running_" not in k} or errors
    worst = max(weights, key=weights.get)
    check_close(f"{what}: parameter {worst!r}", got[worst], ref[worst], atol, hint)


def unpack(what: str, value, n: int) -> tuple:
    """``value`` as a tuple of ``n`` results, or an ``AssertionError`` saying what came
    back instead (``None`` means the function body is still ``...``)."""
    if value is None:
        raise AssertionError(f"{what} returned None: replace the `...` with your code and return "
                             f"{n} values")
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = f"{len(value)} values" if isinstance(value, (tuple, list)) else f"a {type(value).__name__}"
        raise AssertionError(f"{what} must return {n} values, got {got}")
    return tuple(value)


def load_weights_file(path: str | os.PathLike, how: str) -> dict:
    """The state dict saved in ``path``, loaded with ``torch.load(..., weights_only=True)``, or
    an ``AssertionError`` saying what is wrong with the file; ``how`` says how to write it."""
    import torch
    path = Path(path)
    if not path.is_file():
        raise AssertionError(f"{path.name} is missing in {path.parent.name}/: {how}")
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # noqa: BLE001 (pickled modules, truncated files, ...)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise AssertionError(f"{path.name} cannot be loaded with torch.load(..., weights_only=True) "
                             f"({first[:120]}): "
                             f"{how}") from None
    if not isinstance(state, dict):
        raise AssertionError(f"{path.name} holds a {type(state).__name__}, expected a state dict: {how}")
    return state


# -- random masks: judged by their statistics ------------------------------------------

def check_masks(what: str, masks, n: int, size: int) -> np.ndarray:
    """``masks`` as a numpy array, or ``AssertionError`` unless it is ``n`` binary masks
    ``(n, size, size)`` of dtype uint8 (1 = hole). ``n = 0``: one mask ``(size, size)``."""
    if masks is None:
        raise AssertionError(f"your {what} is None: the function returned nothing; replace the `...` "
                             "with your code and return the mask")
    expected = (n, size, size) if n else (size, size)
    arr = np.asarray(masks)
    if arr.shape != expected:
        raise AssertionError(f"your {what} has shape {arr.shape}, expected {expected}")
    if arr.dtype != np.uint8:
        raise AssertionError(f"your {what} has dtype {arr.dtype}, expected uint8 (np.zeros(..., np.uint8))")
    values = np.unique(arr)
    if not set(values.tolist()) <= {0, 1}:
        raise AssertionError(f"your {what} holds the values {values[:6].tolist()}, expected only 0 and 1 "
                             "(1 = hole): draw with colour 1, not 255")
    return arr


QUANTILES = (0.1, 0.5, 0.9)


def coverage_summary(masks) -> dict[str, float]:
    """Coverage statistics of a mask set (n, H, W): the mean hole fraction and its 10 %,
    50 % and 90 % quantiles, ``{"mean": ..., "q10": ..., "q50": ..., "q90": ...}``."""
    from ..masks import coverage
    cov = coverage(masks)
    out = {"mean": float(cov.mean())}
    out.update({f"q{round(100 * q)}": float(np.quantile(cov, q)) for q in QUANTILES})
    return out


def _summary_text(s: Mapping[str, float]) -> str:
    return (f"{s['mean']:.3f} on average (10/50/90 % quantiles {s['q10']:.3f} / {s['q50']:.3f} / "
            f"{s['q90']:.3f})")


def _summary_distance(a: Mapping[str, float], b: Mapping[str, float], atol_mean: float,
                      atol_quantile: float) -> float:
    """How far apart two coverage summaries are, in tolerances (<= 1: within them)."""
    return max([abs(a["mean"] - b["mean"]) / atol_mean] +
               [abs(a[k] - b[k]) / atol_quantile for k in a if k != "mean"])


def check_coverage(what: str, mine, reference, atol_mean: float = 0.03, atol_quantile: float = 0.06,
                   hint: str = "", mistakes: Mapping[str, object] | None = None) -> None:
    """``AssertionError`` unless the masks ``mine`` (n, H, W) cover the image like the masks
    ``reference`` (m, H, W): mean coverage within ``atol_mean``, the 10/50/90 % quantiles
    within ``atol_quantile``. Random masks drawn in another order cannot match pixel for
    pixel, but a few hundred of them pin these statistics down to about 0.01.

    ``mistakes`` maps explanations to mask sets a known mistake produces; the one whose
    statistics are closest to those of ``mine``, if within twice the tolerances (a mistake's
    masks are random too), is the hint, otherwise ``hint`` is.
    """
    got, ref = coverage_summary(mine), coverage_summary(reference)
    if _summary_distance(got, ref, atol_mean, atol_quantile) <= 1:
        return
    distances = {explanation: _summary_distance(got, coverage_summary(masks), atol_mean, atol_quantile)
                 for explanation, masks in (mistakes or {}).items()}
    if distances and min(distances.values()) <= 2:
        hint = min(distances, key=distances.get)
    if not hint:
        hint = ("they cover too much" if got["mean"] > ref["mean"] else "they cover too little") + \
               "; compare your sizes, counts and scale with the table in the question"
    raise AssertionError(f"your {what} cover {_summary_text(got)}, the library's {_summary_text(ref)} "
                         f"over {len(mine)} and {len(reference)} masks; allowed: mean within {atol_mean:g}, "
                         f"quantiles within {atol_quantile:g}: {hint}")


# -- the graded function must be the student's own ---------------------------------------

def _module_of(value) -> str:
    if isinstance(value, types.ModuleType):
        return value.__name__
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)):
        return getattr(value, "__module__", None) or ""
    return type(value).__module__ or ""


def library_uses(fn: Callable, forbidden: Iterable) -> list[str]:
    """The names through which ``fn``, or a notebook function it calls, reaches something
    ``forbidden``: objects (functions, classes) or module names (``"inpaintlib.wavelets"``
    covers the module, everything defined in it and instances of its classes).

    A static look at the names the code refers to (globals, attributes and imports inside
    the body; nested functions and lambdas included), resolved in ``fn``'s global namespace
    or among the imported modules. It cannot see through ``getattr`` with computed names."""
    forbidden = list(forbidden)
    prefixes = tuple(f for f in forbidden if isinstance(f, str))
    objects = [f for f in forbidden if not isinstance(f, str)]

    def bad(value) -> bool:
        if any(value is o for o in objects):
            return True
        module = _module_of(value)
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    found: list[str] = []
    seen: set[int] = set()

    def walk(func) -> None:
        if id(func) in seen or not hasattr(func, "__code__"):
            return
        seen.add(id(func))
        used, stack = set(), [func.__code__]
        while stack:
            code = stack.pop()
            used |= set(code.co_names)
            stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        scope = func.__globals__
        for name in sorted(used):
            if name in scope:
                value = scope[name]
            elif name in sys.modules:                          # `from inpaintlib.x import y` in the body
                value = sys.modules[name]
            else:
                continue
            if bad(value):
                found.append(name)
            elif isinstance(value, types.FunctionType) and value.__globals__ is scope:
                walk(value)                                    # a helper of the notebook
            elif isinstance(value, types.ModuleType):
                for attr in sorted(used):                      # e.g. inpaintlib.wavelets.haar_dwt
                    try:
                        inner = getattr(value, attr, None)
                    except Exception:  # noqa: BLE001 (a module's lazy __getattr__)
                        inner = None
                    if inner is not None and not isinstance(inner, (int, float, str)) and bad(inner):
                        found.append(f"{name}.{attr}")

    walk(getattr(fn, "__wrapped__", fn))          # with_helpers: the student's own function
    return sorted(set(found))


def with_helpers(fn: Callable, **helpers) -> Callable:
    """A copy of the notebook function ``fn`` that calls ``helpers`` (name -> function, e.g.
    the reference for an earlier question) instead of the notebook's own functions of
    those names. A later question that builds on an earlier one is then graded on its own
    code: one wrong helper does not cost the points of every question that uses it.
    ``__wrapped__`` keeps ``fn`` for :func:`check_own_code`."""
    scope = {**fn.__globals__, **helpers}
    copy = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__, copy.__wrapped__ = fn.__kwdefaults__, fn
    return copy


def graded(name: str, fn: Callable) -> Callable:
    """The notebook function ``name`` (``fn``) as its tests grade it: ``AssertionError`` if the
    notebook never defined it (:func:`defined`); for a later question that calls earlier
    questions' functions, a copy that calls the library's versions of those instead
    (:func:`with_helpers`, the rule :data:`~.assignments.REFERENCE_HELPERS`); else ``fn``.

    Every test calls this rather than spelling the substitution out, so the rule of which
    question is graded with which reference helpers has one owner."""
    from . import references
    from .assignments import reference_helpers
    defined(**{name: fn})
    helpers = reference_helpers(name)
    return with_helpers(fn, **{h: getattr(references, h) for h in helpers}) if helpers else fn


#: What a graded function may not call by default: the course's library (any module of it,
#: under any alias) and the packages that already do what the assignments ask for.
LIBRARY_CODE = ("inpaintlib", "pywt", "pytorch_wavelets", "torchmetrics", "skimage", "kornia", "piq",
                "pytorch_msssim", "cv2", "scipy", "torchvision")
#: The words every failure of :func:`check_own_code` contains; the grader scores the whole
#: question 0 when it sees them (:func:`inpaintlib.coursework.grading.apply_rules`).
OWN_CODE = "the graded code must compute this itself"


def check_own_code(what: str, fn: Callable, forbidden: Iterable = LIBRARY_CODE, reason: str = "",
                   allow: Iterable[str] = ()) -> None:
    """``AssertionError`` if the graded function ``fn`` (named ``what``) uses anything
    ``forbidden`` (see :func:`library_uses`; default :data:`LIBRARY_CODE`) but the module
    names in ``allow`` (a question that draws with OpenCV allows ``"cv2"``): the library is
    what it is compared with. The grader then scores the whole question 0."""
    allow = set(allow)
    uses = library_uses(fn, [f for f in forbidden if f not in allow])
    if uses:
        raise AssertionError(f"{what} uses {', '.join(uses)}, code that does the work; {OWN_CODE}"
                             f"{': ' + reason if reason else ''} (the question scores 0 while it does)")
