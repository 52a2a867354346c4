"""The AT&T WE DSP32C as an architecture: ISA table, number formats, assembler, disassembler.

Imports nothing else of this project (see docs/architecture.md).
"""
