# Writes distributed_sampler.json: the indices torch.utils.data.DistributedSampler
# (PyTorch 1.13) gives each rank, for the cases data/distributed_test.go checks.
# Run with Debian's python3-torch: /usr/bin/python3 gen_distributed_sampler.py
import json

import torch
from torch.utils.data import DistributedSampler

cases = []
for n in [1, 3, 7, 10, 11, 1000]:
    for replicas in [1, 2, 3, 4]:
        for shuffle in [False, True]:
            for drop_last in [False, True]:
                for seed, epoch in [(0, 0), (0, 1), (42, 5)]:
                    if not shuffle and (seed, epoch) != (0, 0):
                        continue
                    if drop_last and n < replicas:
                        continue  # no samples per rank
                    ranks = []
                    for rank in range(replicas):
                        s = DistributedSampler(list(range(n)), num_replicas=replicas, rank=rank,
                                               shuffle=shuffle, seed=seed, drop_last=drop_last)
                        s.set_epoch(epoch)
                        ranks.append(list(iter(s)))
                        assert len(s) == len(ranks[-1])
                    cases.append(dict(n=n, replicas=replicas, shuffle=shuffle, drop_last=drop_last,
                                      seed=seed, epoch=epoch, indices=ranks))

with open("distributed_sampler.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
