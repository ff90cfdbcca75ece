"""Property tests of the model call contract (inpaintlib.models.base), for every model.

Hypothesis draws batch sizes (0-3), image sizes the model takes (or not), mask dtypes and
contents, and what the caller leaves in the holes; the pixels themselves come from a
drawn seed (drawing 10,000 pixels one by one would be slow and shrink badly).

    valid call   -> shape and dtype kept, known pixels bit-exact, finite output in [0, 1]
    broken call  -> TypeError / ValueError whose message says what to do
"""

from __future__ import annotations

import functools

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inpaintlib.models import CLASSICAL, PRESETS, build, names

FAST = settings(max_examples=8, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
LEARNED = [n for n in names() if n not in CLASSICAL]


@functools.cache
def model(name: str):
    """A small eval-mode model: the ``quick`` preset where there is one."""
    if "quick" in PRESETS[name]:
        return build(name, preset="quick").eval()
    return build(name, width=8).eval() if name in ("unet", "convmixer_unet") else build(name).eval()


def sides(name: str, limit: int = 64) -> list[int]:
    """The image sides ``name`` accepts, up to ``limit``."""
    m = model(name)
    return [s for s in range(m.size_multiple, limit + 1, m.size_multiple) if s >= (m.min_size or 1)]


@st.composite
def valid_calls(draw, name: str):
    """``(masked, mask)`` that follow the contract; hole pixels hold junk (NaN, inf, 1e6)."""
    n, h, w = draw(st.integers(0, 3)), draw(st.sampled_from(sides(name))), draw(st.sampled_from(sides(name)))
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**32 - 1)))
    coverage = draw(st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
    image = torch.rand(n, 3, h, w, generator=gen)
    hole = torch.rand(n, 1, h, w, generator=gen) < coverage
    junk = draw(st.sampled_from([0.0, float("nan"), float("inf"), 1e6, -3.0]))
    masked = image.masked_fill(hole, junk)
    mask_dtype = draw(st.sampled_from([torch.float32, torch.bool, torch.uint8, torch.int64]))
    return masked, hole.to(mask_dtype)


def call(name: str, masked, mask):
    with torch.no_grad():
        return model(name)(masked, mask)


@pytest.mark.parametrize("name", names())
@FAST
@given(data=st.data())
def test_valid_calls_keep_known_pixels_and_give_an_image(name, data):
    masked, mask = data.draw(valid_calls(name))
    pred = call(name, masked, mask)
    assert pred.shape == masked.shape and pred.dtype == torch.float32
    known = ~mask.bool().expand_as(masked)
    assert torch.equal(pred[known], masked[known])                 # bit for bit
    assert torch.isfinite(pred).all()                              # junk in the holes is ignored
    assert pred.numel() == 0 or (pred.min() >= 0 and pred.max() <= 1)


@pytest.mark.parametrize("name", names())
@FAST
@given(data=st.data())
def test_wrong_dtypes_are_type_errors_that_say_how_to_convert(name, data):
    masked, mask = data.draw(valid_calls(name))
    if name in LEARNED:      # float32 weights: any other float dtype is refused
        dtype = data.draw(st.sampled_from([torch.float64, torch.float16, torch.bfloat16,
                                           torch.uint8, torch.int64]))
    else:                    # no weights: any float dtype works, integers do not
        dtype = data.draw(st.sampled_from([torch.uint8, torch.int32, torch.int64]))
    hint = r"\.float\(\)" if dtype.is_floating_point else "divide by 255"
    with pytest.raises(TypeError, match=hint):
        call(name, masked.nan_to_num(0.0, 0.0, 0.0).to(dtype), mask)


@pytest.mark.parametrize("name", names())
@FAST
@given(data=st.data())
def test_non_binary_masks_are_value_errors(name, data):
    masked, mask = data.draw(valid_calls(name).filter(lambda c: len(c[0]) > 0))
    mask = mask.float()
    i, y, x = (data.draw(st.integers(0, s - 1)) for s in (mask.shape[0], *mask.shape[-2:]))
    mask[i, 0, y, x] = data.draw(st.sampled_from([0.5, 2.0, -1.0, 1e-6, float("nan")]))
    with pytest.raises(ValueError, match="binary mask.*threshold"):
        call(name, masked, mask)


@pytest.mark.parametrize("name", names())
@FAST
@given(data=st.data())
def test_bad_known_pixels_are_value_errors_with_a_hint(name, data):
    masked, mask = data.draw(valid_calls(name).filter(lambda c: len(c[0]) > 0))
    masked, mask = masked.nan_to_num(0.0, 0.0, 0.0).clamp(0, 1), torch.zeros_like(mask)  # all known
    i, c, y, x = (data.draw(st.integers(0, s - 1)) for s in masked.shape)
    value, hint = data.draw(st.sampled_from([(float("nan"), "NaN or infinite"),
                                             (float("-inf"), "NaN or infinite"),
                                             (255.0, "0-255\\? divide by 255"),
                                             (1.01, "divide by 255"),
                                             (-0.2, "mean and std")]))
    masked[i, c, y, x] = value
    with pytest.raises(ValueError, match=hint):
        call(name, masked, mask)


@pytest.mark.parametrize("name", names())
@FAST
@given(data=st.data())
def test_sizes_the_model_cannot_take_are_value_errors(name, data):
    m = model(name)
    good = sides(name)
    bad = [s for s in range(0, 70) if s not in good and s <= good[-1]]
    h, w = data.draw(st.sampled_from(bad)), data.draw(st.sampled_from(good + bad))
    if data.draw(st.booleans()):
        h, w = w, h
    n = data.draw(st.integers(0, 2))
    smallest = m.min_size or m.size_multiple
    with pytest.raises(ValueError, match=f"divisible by {m.size_multiple}|at least {smallest}, got {h}x{w}"):
        call(name, torch.rand(n, 3, h, w), torch.zeros(n, 1, h, w))


@pytest.mark.parametrize("name", LEARNED)
def test_float32_images_are_accepted_under_autocast(name):
    """Mixed precision: autocast casts inside the model; the result keeps float32."""
    masked, mask = torch.rand(2, 3, 32, 32), (torch.rand(2, 1, 32, 32) < 0.3).float()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        assert model(name)(masked, mask).dtype == torch.float32


def test_a_float64_model_takes_float64_images():
    """The rule is "the weights' dtype", not "float32": a converted model takes its own dtype."""
    net = build("cnn", preset="tiny").double().eval()
    masked, mask = torch.rand(1, 3, 32, 32, dtype=torch.float64), torch.zeros(1, 1, 32, 32)
    with torch.no_grad():
        assert net(masked, mask).dtype == torch.float64
    with pytest.raises(TypeError, match=r"torch.float64 weights.*masked.to\(torch.float64\)"):
        net(masked.float(), mask)
