"""Step 1: PyTorch makes the MLP, trains it for 3 epochs on the 2000 training images, and saves
its weights with safetensors under PyTorch's own names (0.weight, ..., 2.bias).

    python make_weights.py            # writes mlp.safetensors
"""
import torch
from safetensors.torch import save_file

from fashion_idx import load

torch.manual_seed(0)
x, y = load("train")
x, y = torch.from_numpy(x), torch.from_numpy(y)
tx, ty = (torch.from_numpy(a) for a in load("t10k"))
net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
for epoch in range(3):
    perm = torch.randperm(len(x))
    x, y = x[perm], y[perm]
    for i in range(0, len(x), 32):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x[i:i + 32]), y[i:i + 32]).backward()
        opt.step()
with torch.no_grad():
    acc = (net(tx).argmax(1) == ty).float().mean().item()
print(f"PyTorch: 3 epochs on {len(y)} images, test accuracy {acc:.4f} on {len(ty)} images")
save_file({k: v.contiguous() for k, v in net.state_dict().items()}, "mlp.safetensors",
          metadata={"format": "pt"})
print("wrote mlp.safetensors:", {k: tuple(v.shape) for k, v in net.state_dict().items()})
