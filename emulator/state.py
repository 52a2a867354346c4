"""Index constants of the machine's flat state array, shared by the Numba core, the parallel
I/O unit, the board and the host driver.

The scalar state of one DSP32C lives in one int64 NumPy array `st` of length ST_SIZE. The
Numba core reads and writes it inside its run loop; the board and host (plain Python) read and
write it between run slices. Names follow the fact sheets (machine §5 for the PIO registers).
The core may append indices of its own below the marked line; nobody hard-codes a number.
"""

# --- core: program flow and counters -------------------------------------------------------
PC = 0               # address of the next instruction to execute (24-bit byte address)
CYCLES = 1           # clocks elapsed since reset (4 per instruction + wait + conflict clocks)
INSTRET = 2          # instructions executed
WAIT_CLOCKS = 3      # clocks added by external-memory wait states
CONFLICT_CLOCKS = 4  # clocks added by the memory-conflict rule
MACS = 5             # multiply-accumulates issued (DA formats 1-3 with a real product)
STOP_REASON = 6      # last run's status (see STATUS_* below)
FAULT_ADDR = 7       # address involved in a bus error / misalignment, or the illegal word's PC
FAULT_WORD = 8       # the instruction word at the faulting PC

# --- parallel I/O unit (machine §5). Registers hold their full value; flags live in PCR. ------
PIO_PAR = 16         # 16-bit DMA address (low)
PIO_PARE = 17        # 8-bit DMA address extension (bits 23..16)
PIO_PDR = 18         # 16-bit parallel data register
PIO_PDR2 = 19        # 16-bit second data register
PIO_PIR = 20         # 16-bit parallel interrupt register
PIO_PCR = 21         # 11-bit parallel control register (bit 5 PDF, bit 6 PIF, see PCR_*)
PIO_EMR = 22         # error mask register
PIO_ESR = 23         # error status register
PIO_EVENTS = 24      # bits DSP_* set by the core when the DSP touches pdr/pdr2/pir (board clears)
PCW = 25             # processor control word (I/O register 30)
PIOP = 26            # 8-bit parallel I/O port (I/O register 14)
IRQ_PENDING = 27     # bit k: interrupt source k requested (see IRQ_*); the core takes and clears
PIO_PDR_LATCH = 28   # host side: prefetched DMA read data (16-bit DMA) before the host reads it
PIO_EVENT_CYCLE = 29 # clock at which the latest instruction touching pdr/pdr2/pir started (core
                     # writes it; the board's flag-poll model needs the start, not the end)

# PCR bits, machine §5.2
PCR_RUN = 1 << 0
PCR_REGMAP = 1 << 1
PCR_ENI = 1 << 2
PCR_DMA = 1 << 3
PCR_AUTO = 1 << 4
PCR_PDF = 1 << 5
PCR_PIF = 1 << 6
PCR_DMA32 = 1 << 8
PCR_PIO16 = 1 << 9
PCR_FLG = 1 << 10

# PIO_EVENTS bits: what the DSP did to the port since the board last looked
DSP_READ_PDR = 1 << 0
DSP_WROTE_PDR = 1 << 1
DSP_READ_PIR = 1 << 2
DSP_WROTE_PIR = 1 << 3
DSP_READ_PDR2 = 1 << 4
DSP_WROTE_PDR2 = 1 << 5

# Interrupt sources (bit numbers in IRQ_PENDING) and their vector slots (reference README:
# vectors through r22 in 8-byte slots; pcw bit 15 - k enables slot k). Documented in docs/.
IRQ_IREQ1 = 0
IRQ_IREQ2 = 1
IRQ_PIO = 2

# Run statuses returned by the core (and stored in STOP_REASON)
STATUS_LIMIT = 0        # the cycle budget of this run slice is used up
STATUS_IDLE = 1         # `goto $` reached (unconditional branch to itself, after its slot)
STATUS_UNTIL = 2        # the --until address was reached (before executing it)
STATUS_PIO = 3          # the DSP touched pdr/pdr2/pir (only when the caller asked to stop on it)
STATUS_WAIT = 4         # the DSP spins on a conditional self-loop on a PIO flag: the board may
                        # skip ahead to the host's next action (reference README, end of run)
STATUS_HALTED = 5       # PCR RUN bit is 0: the DSP is held
STATUS_WATCH = 7        # a watched run (the board's batched DMA, docs/board-and-host.md) stopped
                        # before an instruction that could observe the host's DMA: it touches
                        # a watched page, pdr/pdr2/pir, tests pdf/pde, or closes a self-loop
STATUS_ILLEGAL = 16     # illegal instruction (fault)
STATUS_BUS_ERROR = 17   # access to an unmapped address (fault)
STATUS_MISALIGNED = 18  # 16-bit access at an odd address or 32-bit not on 4 (fault)
STATUS_FAULT_MIN = 16   # statuses >= this are faults

ST_SIZE = 64
# --- indices >= 32 are the core's own (latency queues bookkeeping, do-loop state, ...) ------
# (indices below are written by emulator/core.py; the Python side reads them through Machine)
CFLAGS = 32          # CAU flags n z c v (bits CF_*), as the next instruction sees them
DFLAGS = 33          # DAU flags N Z U V (bits of dsp32c.numbers FLAG_*), live values
BRANCH_PENDING = 34  # 1: a taken delayed branch takes effect after the next instruction
BRANCH_TARGET = 35   # its target address
LOOP_ACTIVE = 36     # a do loop is running (emulator/core.py: one level, no nesting)
LOOP_START = 37      # address of the first body instruction
LOOP_END = 38        # address of the last body instruction
LOOP_COUNT = 39      # passes still to run after the current one
IN_ISR = 40          # 1 between taking an interrupt and its `ireturn`: no other interrupt
STOP_AFTER_SLOT = 41 # status to return once the pending branch's delay slot has run (0: none)
IBUF = 42            # serial input buffer (serial I/O is not modelled: a plain register)
OBUF = 43            # serial output buffer (likewise)
IREQ_PINS = 44       # pin levels: bit 0 ireq1 high, bit 1 ireq2 high (board-driven; idle high)
LOADQ_N = 45         # CAU loads in flight (core latency queue, see core.py)
STOREQ_N = 46        # DA memory writes in flight
STOREQ_HEAD = 47     # oldest DA write in flight (ring index)
FLAGQ_HEAD = 48      # newest DAU-flag record (ring index)
TRACE_N = 49         # rows filled in the trace buffer
HAZARD_N = 50        # rows filled in the hazard buffer
FIRST_SLICE = 51     # internal: 1 while the first instruction of a run slice is pending

# CAU flag bits in CFLAGS
CF_N = 1 << 3
CF_Z = 1 << 2
CF_C = 1 << 1
CF_V = 1 << 0

STATUS_BUFFER = 6       # internal to Machine.run: trace/hazard buffer full, drained, resumed
