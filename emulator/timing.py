"""Timing parameters as data (reference README, machine §3).

An instruction takes CLOCKS_PER_INSTRUCTION clocks, plus
* the wait states of every access to external memory (fetch, operands and stores alike), and
* the conflict rule: within one instruction each memory (the external bus, each on-chip block)
  serves CONFLICT_RULE[name] accesses, the instruction fetch included; each further access to
  that memory costs one extra clock. Edit the table (or pass MachineConfig.conflict_rule) to try
  another rule; a region missing from the table serves DEFAULT_ACCESSES_PER_INSTRUCTION.
"""
CLOCK_HZ = 50_000_000
CLOCKS_PER_INSTRUCTION = 4
EXT_WAIT_STATES = 0
DEFAULT_ACCESSES_PER_INSTRUCTION = 2

CONFLICT_RULE = {
    "ext": 2,
    "ram0": 2,
    "ram1": 2,
    "ram2": 2,
}
