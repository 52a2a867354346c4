"""The DSP32C machine: Numba core, memory and timing, parallel I/O, the board and the 486 host."""
