"""PyTorch twin of a Seg Studio network, built layer for layer from its tfjs Layers topology.

`segstudio bench --topology FILE` writes the network definition tfjs trains (model.toJSON());
this script builds the same graph in PyTorch (NCHW, PyTorch's native layout) from that file,
so the twin cannot drift from the network it is compared with. It refuses layer kinds it does
not know instead of approximating them, and prints its parameter counts so the benchmark can
check them against tfjs before it prints a ratio.

    python3 layers_twin.py --topology FILE [--mode train|inference] [--batch 8] [--classes C]
                           [--steps 10] [--warmup 2] [--threads 2]

Prints one JSON line: median_step_s, img_per_s, cpu_s_per_step, parameters (trainable) and
buffers (BatchNorm running statistics), torch version, threads.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class Same2d(nn.Module):
    """TensorFlow 'same' padding: symmetric when the kernel is odd (the idiomatic PyTorch
    form, identical output size), explicit asymmetric padding otherwise."""

    def __init__(self, conv, kernel, stride, padding):
        super().__init__()
        self.conv = conv
        self.kernel = kernel
        self.stride = stride
        self.explicit = padding == "same" and (kernel[0] % 2 == 0 or kernel[1] % 2 == 0)

    def forward(self, x):
        if self.explicit:
            pads = []
            for dim, k, s in ((3, self.kernel[1], self.stride[1]), (2, self.kernel[0], self.stride[0])):
                size = x.shape[dim]
                total = max((math.ceil(size / s) - 1) * s + k - size, 0)
                pads += [total // 2, total - total // 2]
            x = F.pad(x, pads)
        return self.conv(x)


def conv_layer(cfg, in_channels, depthwise):
    kernel = pair(cfg["kernel_size"])
    stride = pair(cfg["strides"])
    dilation = pair(cfg.get("dilation_rate", 1))
    same = cfg["padding"] == "same"
    padding = tuple((k // 2) * d for k, d in zip(kernel, dilation)) if same else 0
    if same and (kernel[0] % 2 == 0 or kernel[1] % 2 == 0):
        padding = 0
    if depthwise:
        out_channels = in_channels * cfg.get("depth_multiplier", 1)
        groups = in_channels
    else:
        out_channels = cfg["filters"]
        groups = 1
    conv = nn.Conv2d(
        in_channels,
        out_channels,
        kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        bias=cfg["use_bias"],
    )
    layer = Same2d(conv, kernel, stride, cfg["padding"])
    activation = cfg.get("activation", "linear")
    if activation == "relu":
        return nn.Sequential(layer, nn.ReLU(inplace=True)), out_channels
    if activation != "linear":
        raise SystemExit(f"unsupported activation {activation!r} in {cfg['name']}")
    return layer, out_channels


class Crop(nn.Module):
    def __init__(self, cropping):
        super().__init__()
        (self.top, self.bottom), (self.left, self.right) = cropping

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        return x[:, :, self.top : h - self.bottom, self.left : w - self.right]


class Upsample(nn.Module):
    def __init__(self, size, interpolation):
        super().__init__()
        self.size = pair(size)
        self.mode = "bilinear" if interpolation == "bilinear" else "nearest"

    def forward(self, x):
        kwargs = {"align_corners": False} if self.mode == "bilinear" else {}
        return F.interpolate(x, scale_factor=self.size, mode=self.mode, **kwargs)


class Graph(nn.Module):
    """Executes the Layers graph in its (topological) file order."""

    def __init__(self, topology):
        super().__init__()
        layers = topology["config"]["layers"]
        self.order = []  # (name, kind, input names)
        self.mods = nn.ModuleDict()
        channels = {}
        self.input_name = None
        self.output_name = topology["config"]["output_layers"][0][0]
        for layer in layers:
            name, kind, cfg = layer["name"], layer["class_name"], layer["config"]
            inputs = [n[0] for n in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else []
            cin = channels.get(inputs[0]) if inputs else None
            if kind == "InputLayer":
                self.input_name = name
                channels[name] = cfg["batch_input_shape"][-1]
                continue
            if kind in ("Conv2D", "DepthwiseConv2D"):
                mod, cout = conv_layer(cfg, cin, kind == "DepthwiseConv2D")
            elif kind == "BatchNormalization":
                # Keras momentum m keeps m of the old statistics; PyTorch's momentum is 1 - m.
                mod, cout = nn.BatchNorm2d(cin, eps=cfg["epsilon"], momentum=1 - cfg["momentum"]), cin
            elif kind == "ReLU":
                if cfg.get("max_value") is not None:
                    raise SystemExit(f"unsupported ReLU max_value in {name}")
                mod, cout = nn.ReLU(inplace=False), cin
            elif kind == "Add":
                mod, cout = None, cin
            elif kind == "Concatenate":
                mod, cout = None, sum(channels[i] for i in inputs)
            elif kind == "UpSampling2D":
                mod, cout = Upsample(cfg["size"], cfg.get("interpolation", "nearest")), cin
            elif kind == "Cropping2D":
                mod, cout = Crop(cfg["cropping"]), cin
            elif kind == "ZeroPadding2D":
                (t, b), (l, r) = cfg["padding"]
                mod, cout = nn.ZeroPad2d((l, r, t, b)), cin
            elif kind == "MaxPooling2D":
                if cfg["padding"] != "valid":
                    raise SystemExit(f"unsupported pooling padding in {name}")
                mod, cout = nn.MaxPool2d(pair(cfg["pool_size"]), pair(cfg["strides"])), cin
            else:
                raise SystemExit(f"layer {name}: {kind} has no PyTorch twin yet")
            if mod is not None:
                self.mods[name] = mod
            channels[name] = cout
            self.order.append((name, kind, inputs))

    def forward(self, x):
        values = {self.input_name: x}
        for name, kind, inputs in self.order:
            if kind == "Add":
                out = values[inputs[0]]
                for other in inputs[1:]:
                    out = out + values[other]
            elif kind == "Concatenate":
                out = torch.cat([values[i] for i in inputs], dim=1)
            else:
                out = self.mods[name](values[inputs[0]])
            values[name] = out
        return values[self.output_name]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--topology", required=True)
    p.add_argument("--mode", choices=["train", "inference"], default="train")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--memory-format",
        choices=["channels_last", "nchw"],
        default="channels_last",
        help="channels_last (default) is PyTorch's fast CPU layout for these convs (oneDNN); "
        "NCHW runs its depthwise backward several times slower",
    )
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with open(a.topology) as f:
        topology = json.load(f)
    net = Graph(topology)
    _, height, width, _ = topology["config"]["layers"][0]["config"]["batch_input_shape"]
    x = torch.randn(a.batch, 3, height, width)
    if a.memory_format == "channels_last":
        net = net.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)
    y = torch.randint(0, a.classes, (a.batch, height, width))
    y[:, :, :4] = 255  # some void, as in real data
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    if a.mode == "train":
        net.train()
    else:
        net.eval()

    def step():
        if a.mode == "inference":
            with torch.inference_mode():
                net(x)
            return
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y, ignore_index=255)
        loss.backward()
        opt.step()

    times = []
    cpu0 = None
    for i in range(a.warmup + a.steps):
        if i == a.warmup:
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    median = statistics.median(times)
    buffers = sum(b.numel() for n, b in net.named_buffers() if not n.endswith("num_batches_tracked"))
    print(
        json.dumps(
            {
                "mode": a.mode,
                "width": width,
                "height": height,
                "batch": a.batch,
                "classes": a.classes,
                "steps": a.steps,
                "median_step_s": median,
                "img_per_s": a.batch / median,
                "cpu_s_per_step": cpu / a.steps,
                "backend": "pytorch-cpu",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "memory_format": a.memory_format,
                "trainable_parameters": sum(q.numel() for q in net.parameters()),
                "parameters": sum(q.numel() for q in net.parameters()) + buffers,
            }
        )
    )


if __name__ == "__main__":
    main()
