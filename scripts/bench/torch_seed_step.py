"""PyTorch CPU twin of Seg Studio's seed workload, for scripts/bench-train.mjs.

The seed project's network: torchvision AlexNet `features` (defined inline so torchvision is
not needed), a 1x1 conv to the classes (`conv_to101`), bilinear upsample to the input; Adam,
cross-entropy with void (255) ignored. Random weights and synthetic data: only speed matters.

    python3 torch_seed_step.py [--size 240] [--batch 16] [--classes 101] [--steps 10]
                               [--warmup 2] [--freeze] [--threads N]

Prints one JSON line: median_step_s, img_per_s, cpu_s_per_step, backend, torch version, threads.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SeedNet(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.conv_to101 = nn.Conv2d(256, classes, kernel_size=1)

    def forward(self, x):
        y = self.conv_to101(self.features(x))
        return F.interpolate(y, size=x.shape[2:], mode="bilinear", align_corners=False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=240)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--classes", type=int, default=101)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--freeze", action="store_true", help="freeze the AlexNet features (seed)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = SeedNet(a.classes)
    if a.freeze:
        for param in net.features.parameters():
            param.requires_grad_(False)
    params = [q for q in net.parameters() if q.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-4)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch, a.size, a.size))
    y[:, :, :4] = 255  # some void, as in real data

    times = []
    cpu0 = None
    for i in range(a.warmup + a.steps):
        if i == a.warmup:
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y, ignore_index=255)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        if i >= a.warmup:
            times.append(dt)
    cpu = time.process_time() - cpu0
    median = statistics.median(times)
    print(
        json.dumps(
            {
                "preset": "seed-alexnet-fcn",
                "width": a.size,
                "height": a.size,
                "batch": a.batch,
                "classes": a.classes,
                "steps": a.steps,
                "frozen": a.freeze,
                "median_step_s": median,
                "img_per_s": a.batch / median,
                "cpu_s_per_step": cpu / a.steps,
                "backend": "pytorch-cpu",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "parameters": sum(q.numel() for q in net.parameters()),
                "trainable_parameters": sum(q.numel() for q in params),
            }
        )
    )


if __name__ == "__main__":
    main()
