/** Exchange formats: safetensors in and out, ONNX out. */
package dev.deltac.exchange;
