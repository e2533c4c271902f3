"""Optional step 4: deltac's safetensors export back in PyTorch (names mapped back by renames.txt).

    python back_to_torch.py finetuned.safetensors
"""
import sys

import torch
from safetensors.torch import load_file

from fashion_idx import load

tensors = load_file(sys.argv[1] if len(sys.argv) > 1 else "finetuned.safetensors")
print("tensors:", {k: tuple(v.shape) for k, v in tensors.items()})
to_torch = {}
for line in open("renames.txt"):
    if line.strip() and not line.startswith("#"):
        torch_name, nn_name = (s.strip() for s in line.split("="))
        to_torch[nn_name] = torch_name
net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
net.load_state_dict({to_torch[k]: v for k, v in tensors.items()})
x, y = (torch.from_numpy(a) for a in load("t10k"))
with torch.no_grad():
    print(f"PyTorch with deltac's weights: test accuracy {(net(x).argmax(1) == y).float().mean().item():.4f}")
