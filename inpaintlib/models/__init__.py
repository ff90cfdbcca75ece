"""The course's inpainting architectures, one file each.

* :mod:`.wavemix`: WaveMix blocks (2D DWT token mixing) and the WaveMix inpainting network.
"""
