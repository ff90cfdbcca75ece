"""Run by ``torchrun`` in test_train.py: train a tiny model, save this rank's weights.

    torchrun --standalone --nproc_per_node 2 tests/ddp_worker.py OUT_DIR [cpu|cuda]

On ``cuda`` each process takes the GPU of its ``LOCAL_RANK`` and the group uses NCCL.
"""

import os
import sys

import torch

from inpaintlib.train import TrainConfig, Trainer

if __name__ == "__main__":
    out = sys.argv[1]
    device = sys.argv[2] if len(sys.argv) > 2 else "cpu"
    if device == "cuda":
        device = f"cuda:{os.environ['LOCAL_RANK']}"
    torch.set_num_threads(1)
    cfg = TrainConfig(model="wavemix", preset="tiny", dataset="samples", train_images=16, val_images=4,
                      epochs=2, sgd_epochs=1, batch=8, amp="off", device=device, progress=False,
                      out=os.path.join(out, "run"))
    result = Trainer(cfg).fit()
    rank = os.environ["RANK"]
    torch.save(result.model.state_dict(), os.path.join(out, f"rank{rank}.pt"))
