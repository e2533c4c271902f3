"""Writes the PyTorch-made safetensors fixtures of the exchange tests.

Run from this folder with the project's torch venv (PY=$(/work/shared/tools/torch-venv.sh)):
    $PY make_fixture.py
It writes torch_mlp{,_f64,_f16,_bf16}.safetensors (one MLP's state_dict, PyTorch's names
0.weight ... 2.bias, in four dtypes) and torch_mlp.json (inputs, and the softmax outputs of the
model in float32 with each file's weights as float32), which SafeTensorsTorchTest compares with
deltac's predict of torch_mlp.nn after --rename by torch_mlp.renames.
"""
import json

import torch
from safetensors.torch import save_file

torch.manual_seed(18)
net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
x = torch.randn(6, 5)
out = {"inputs": x.tolist(), "outputs": {}}
for suffix, dtype in [("", torch.float32), ("_f64", torch.float64),
                      ("_f16", torch.float16), ("_bf16", torch.bfloat16)]:
    sd = {k: v.detach().to(dtype).contiguous() for k, v in net.state_dict().items()}
    save_file(sd, f"torch_mlp{suffix}.safetensors", metadata={"format": "pt"})
    # the model deltac reads: the file's weights rounded to float32, run in float32
    ref = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    ref.load_state_dict({k: v.float() for k, v in sd.items()})
    with torch.no_grad():
        out["outputs"][f"torch_mlp{suffix}.safetensors"] = torch.softmax(ref(x), dim=1).tolist()
with open("torch_mlp.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote torch_mlp*.safetensors and torch_mlp.json")
