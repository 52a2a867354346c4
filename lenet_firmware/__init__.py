"""The 1989 LeCun digit network: data, NumPy reference and trainer, DSP32C firmware and its driver."""
