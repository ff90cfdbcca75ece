"""Maintainers' tools that no notebook imports: the headless notebook runner behind
``make run`` / ``make notebooks`` (:mod:`~inpaintlib.tools.notebook_runner`) and the GPU
machine check behind ``make gpu-check`` (:mod:`~inpaintlib.tools.gpu_check`)."""
