"""inpaintlib: the shared code of the resource-efficient image inpainting course.

The notebooks in ``notebooks/`` tell the story; this package holds every piece of code
that more than one notebook, a test or the command line needs. Conventions used
throughout:

* images are float tensors ``(N, 3, H, W)`` with values in ``[0, 1]``;
* masks are ``(N, 1, H, W)`` tensors (or ``(n, H, W)`` uint8 numpy arrays) with
  ``1 = hole`` (pixel to fill) and ``0 = known``;
* devices are passed explicitly; nothing here keeps global state.

Submodules are imported on demand (``import inpaintlib.data``), so ``import inpaintlib``
stays cheap.
"""

__version__ = "0.1.0"
