"""Two processes train an exported package under DistributedDataParallel (gloo, CPU).

argv[1]: the package folder. Each rank builds the model from the same seed, trains a few
AdamW steps on its own batch, and rank 0 prints JSON: whether both ranks hold identical
parameters afterwards and whether training changed them."""
import importlib
import json
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP


def load(path):
    sys.path.insert(0, os.path.dirname(path))
    try:
        return importlib.import_module(os.path.basename(path))
    finally:
        sys.path.pop(0)


def worker(rank, world, port, path, queue):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    pkg = load(path)
    torch.manual_seed(0)
    model = pkg.build()
    before = [p.detach().clone() for p in model.parameters()]
    ddp = DDP(model)
    opt = torch.optim.AdamW(ddp.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(100 + rank)  # each rank its own data
    vocab = model.config.vocab
    for _ in range(3):
        ids = torch.randint(0, vocab, (2, 6), generator=g)
        logits = ddp(ids)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(world)]
    dist.all_gather(gathered, flat)
    if rank == 0:
        changed = any(not torch.equal(a, b.detach()) for a, b in zip(before, model.parameters()))
        queue.put({"identical": all(torch.equal(gathered[0], x) for x in gathered[1:]), "changed": changed, "world": world})
    dist.barrier()
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    mp.spawn(worker, args=(2, free_port(), sys.argv[1], queue), nprocs=2, join=True)
    print(json.dumps(queue.get()))
