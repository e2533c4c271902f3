"""Step 3: runs deltac's ONNX export in ONNX Runtime on the test images; given the CSV of
`deltac predict ... -o predictions.csv`, also the largest difference from deltac's predict.

    python run_onnx.py mlp.onnx [predictions.csv]
"""
import sys

import numpy as np
import onnx
import onnxruntime as ort

from fashion_idx import load

path = sys.argv[1] if len(sys.argv) > 1 else "mlp.onnx"
onnx.checker.check_model(onnx.load(path), full_check=True)
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
print("inputs:", [(i.name, i.shape) for i in session.get_inputs()],
      "outputs:", [(o.name, o.shape) for o in session.get_outputs()])
x, y = load("t10k")
(probs,) = session.run(["probs"], {"image": x})
print(f"ONNX Runtime: test accuracy {(probs.argmax(1) == y).mean():.4f} on {len(y)} images;"
      f" probabilities sum to 1 within {np.abs(probs.sum(1) - 1).max():.1e}")
if len(sys.argv) > 2:
    ours = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)[:, :10]
    print(f"largest |ONNX Runtime - deltac predict| over {probs.size} probabilities:"
          f" {np.abs(probs - ours).max():.1e}")
