"""Writes the PyTorch-made fixture of the recurrent ONNX test (OnnxTorchRecurrentTest).

Run from this folder with the project's torch venv (PY=$(/work/shared/tools/torch-venv.sh)):
    $PY make_recurrent_fixture.py
It writes torch_recurrent.safetensors (the state_dict of PyTorch's twin of
../onnx/recurrent.nn: LSTM -> GRU -> RNN tanh -> RNN relu, batch_first, and a Linear head on
the last step and the mean over the steps; PyTorch's names a.weight_ih_l0 ... out.bias) and
torch_recurrent.json (inputs [5, 6, 3] and, per sample, the head's 4 outputs then the GRU's
hidden states [6, 4] flattened: the model's outputs out, b).
"""
import json

import torch
from safetensors.torch import save_file


class Recurrent(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.LSTM(3, 5, batch_first=True)
        self.b = torch.nn.GRU(5, 4, batch_first=True)
        self.c = torch.nn.RNN(4, 3, batch_first=True)
        self.d = torch.nn.RNN(3, 4, batch_first=True, nonlinearity="relu")
        self.out = torch.nn.Linear(8, 4)

    def forward(self, x):
        ha, _ = self.a(x)
        hb, _ = self.b(ha)
        hc, _ = self.c(hb)
        hd, _ = self.d(hc)
        o = self.out(torch.cat([hd[:, 5], hd.mean(1)], 1))
        return torch.cat([o, hb.reshape(x.shape[0], -1)], 1)


torch.manual_seed(18)
net = Recurrent()
x = torch.rand(5, 6, 3) * 2 - 1
with torch.no_grad():
    y = net(x)
save_file({k: v.contiguous() for k, v in net.state_dict().items()}, "torch_recurrent.safetensors",
          metadata={"format": "pt"})
with open("torch_recurrent.json", "w") as f:
    json.dump({"inputs": x.reshape(5, -1).tolist(), "outputs": y.tolist()}, f, indent=1)
print("wrote torch_recurrent.safetensors and torch_recurrent.json")
