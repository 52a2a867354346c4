/*
 * lenet.s - the 1989 LeCun zip-code network ("LeNet-1") on the AT&T DSP32C.
 *
 * One digit: 16x16 pixels in, 10 outputs and the class out (docs/protocol.md).
 *   H1   12 x 8x8   5x5 kernels, stride 2, on a 19x19 buffer whose ring holds the -1 border
 *   H2   12 x 4x4   8 of 12 H1 maps, in-bounds taps only (the border is folded into its biases)
 *   H3   30         fully connected to the 192 H2 units
 *   out  10         fully connected to H3; the class is the largest output
 * Every unit is squashed by f(a) = A tanh(S a): a 4-instruction clamp inline after its MACs,
 * then 12 one-instruction "stages" looped over a block of units (squash.inc) and the caller's
 * final multiply into wherever the layer's outputs go (lenet_firmware/tanh_approx.py).
 *
 * Cycle budget per digit, in instructions (4 clocks = 80 ns each at 50 MHz, no wait states, no
 * conflicts); counted from this code by hand in tests/lenet_firmware/test_firmware.py and
 * equal to the emulator's count (docs/firmware.md):
 *   receive 256 pixels (int16 -> float)       261
 *   H1  768 x (bias + 25 MACs + clamp) ...  25,092   19,200 MACs; + 2 x 768 output copies
 *   H1  squashing, 12 blocks of 64           9,900   12 x (12 x 64 + 57)
 *   H2  192 units, in-bounds taps           29,615   27,744 MACs
 *   H2  squashing, 3 blocks of 64            2,475
 *   H3  30 x 192                             6,044   + 417 squashing
 *   output layer 10 x 30                       404   + 177 squashing
 *   class and PIR                               41
 *   total                                   74,426   = 5.954 ms -> 168 digits/s
 *
 * Pipeline rules this code keeps (reference README; `dsp32c run --hazards` finds none):
 *  - an accumulator feeds the multiplier only 3+ instructions after it was written (the
 *    constants a2/a3 and the stage constants are loaded well ahead);
 *  - a DA write to memory is read back 4+ instructions later (stage loops touch element i
 *    once; consecutive stages are separated by their set-up);
 *  - a CAU register loaded from memory or pir is used 2+ instructions later;
 *  - ifalt/ifagt read the live DAU flags of the instruction just before them.
 * Memory conflicts: code runs from RAM0; each instruction touches every other memory at most
 * twice (the external bus included), so no instruction pays a conflict clock.
 */

#include "lenet.inc"

/* ---------------- reset entry, one-time set-up and tables (external memory) ---------------- */
start:  goto init
        nop
init:   r1e = RING                       /* the whole buffer := -16384.0; digits overwrite */
        r2e = ringval                    /* the 16x16 interior, the ring stays */
        nop
        a0 = *r2
        do 0, 360
        *r1++ = a0 = a0
        goto wait
        nop

ringval: float -16384.0                  /* -1.0 in Q14 pixel units (H1 weights are x 2^-14) */
digits: float 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0
/* H1 map m -> its two places in the group arrays (slot s at +32 s; pack.GROUP_MAPS) */
h1dest: int24 G0+0*32, G2+4*32, G0+1*32, G2+5*32, G0+2*32, G2+6*32, G0+3*32, G2+7*32
        int24 G0+4*32, G1+0*32, G0+5*32, G1+1*32, G0+6*32, G1+2*32, G0+7*32, G1+3*32
        int24 G1+4*32, G2+0*32, G1+5*32, G2+1*32, G1+6*32, G2+2*32, G1+7*32, G2+3*32
/* H2 unit row u -> (offset of its first window row in a group array, 8 x rows - 1) */
urows:  int24 0*256, 8*3-1, 0*256, 8*5-1, 2*256, 8*5-1, 4*256, 8*4-1

/* ---------------- the per-digit loop (on-chip RAM0) ---------------------------------------- */
        .rsect ".ram0"
wait:   if (pie) goto wait               /* until the host writes PIR: the input block address */
        nop
        r1 = pir                         /* reading pir clears PIF */
        r2e = RING+(2*RINGW+2)*4         /* first interior pixel of the H1 buffer */
        r15 = (RINGW-16+1)*4             /* after column 17: on to column 2 of the next row */
/* pixels: 256 x int16 Q14 -> float, into the interior. 256 + 5 instructions */
        do 15, 15
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++ = a0 = float(*r1++)
        *r2++r15 = a0 = float(*r1++)
        r13e = r1e                       /* the result block follows the 256 pixels */

/* ---------------- H1: 12 maps x 64 units x 25 MACs ----------------------------------------
 * Per unit row (8 units) one do-loop of 30 instructions: bias, 25 MACs walking the 5x5 window
 * (r15 jumps to the next window row, r16 on to the next unit's window, r17 back to the
 * kernel's first weight), then the clamp a_c = min(max(a, -B), B) stored to XC.
 * Per map: 8 x (1 + 240 + 2) = 1,944; then the block of 64 is squashed into the group arrays.
 */
h1:     r10e = TANH
        r1e = RING
        a3 = *r10++                      /* B: multiplier input of the clamp, 25+ ahead */
        a2 = *r10++                      /* -B */
        r2e = H1W
        r4e = H1B
        r15 = (RINGW-4)*4                /* window row end -> next row */
        r16 = -(4*RINGW+2)*4             /* last tap -> next unit's window (2 columns on) */
        r17 = -24*4                      /* last weight -> the kernel's first */
        r18 = (64-7)*4                   /* group array: column 7 -> column 0 of the next row */
        r11e = h1dest
        r12 = 12-2                       /* dec-branch loops run count + 2 times */
h1_map: r5e = XC
        r9 = 8-2
h1_row: do 29, 7
        a0 = *r4++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r15 * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r15 * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r15 * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r15 * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r16 * *r2++r17
        CLAMP(r5)                        /* a_c = min(max(a, -B), B) -> *r5++ (4 instructions) */
        if (r9-- >= 0) goto h1_row
        r1e = r1e + (2*RINGW-16)*4       /* next unit row: 2 rows down, column 0 */
        r9 = 63
        call tanh_stages (r14)
        nop
        r6e = *r11++                     /* the map's two places in the group arrays */
        r8e = *r11++
        r1e = PA
        r3e = SA
        do 7, 7                          /* f = (a_c P) y into the first group array */
        *r6++ = a0 = *r1++ * *r3++
        *r6++ = a0 = *r1++ * *r3++
        *r6++ = a0 = *r1++ * *r3++
        *r6++ = a0 = *r1++ * *r3++
        *r6++ = a0 = *r1++ * *r3++
        *r6++ = a0 = *r1++ * *r3++
        *r6++ = a0 = *r1++ * *r3++
        *r6++r18 = a0 = *r1++ * *r3++
        r1e = PA
        r3e = SA
        do 7, 7                          /* and into the second */
        *r8++ = a0 = *r1++ * *r3++
        *r8++ = a0 = *r1++ * *r3++
        *r8++ = a0 = *r1++ * *r3++
        *r8++ = a0 = *r1++ * *r3++
        *r8++ = a0 = *r1++ * *r3++
        *r8++ = a0 = *r1++ * *r3++
        *r8++ = a0 = *r1++ * *r3++
        *r8++r18 = a0 = *r1++ * *r3++
        r10e = TANH+4
        a2 = *r10                        /* -B again (tanh_stages used a2) */
        r2e = r2e + 25*4                 /* next kernel */
        if (r12-- >= 0) goto h1_map
        r1e = RING

/* ---------------- H2: 12 maps x 16 units, in-bounds taps only ------------------------------
 * Group g (H2 maps 4g..4g+3) reads group array Gg: [row][slot][col], so a window of r rows and
 * c columns over 8 slots is c taps, a jump of 9 - c floats, repeated 8r times: one do-loop of c
 * instructions per unit. Columns (3, 5, 5, 4 taps) differ per unit v, so the 4 units of a row
 * are written out; rows (3, 5, 5, 4) come from the urows table.
 * Per unit: 3 + 8rc MACs + 4 clamp; per unit row 5 more.
 */
h2:     r2e = H2W
        r4e = H2B
        r7e = G0
        r11e = H2OUT
        r15 = (9-5)*4
        r16 = (9-4)*4
        r17 = (9-3)*4
        r12 = 3-2
h2_grp: r5e = XC
        r3 = 4-2
h2_map: r10e = urows
        r9 = 4-2
h2_row: r8e = *r10++                     /* first window row's offset */
        r6e = *r10++                     /* 8 x rows - 1 */
        r8e = r8e + r7e
        r1e = r8e                        /* v = 0: columns 0..2 */
        a0 = *r4++
        do 2, r6
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r17 * *r2++
        CLAMP(r5)
        r1e = r8e                        /* v = 1: columns 0..4 */
        a0 = *r4++
        do 4, r6
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r15 * *r2++
        CLAMP(r5)
        r1e = r8e + 2*4                  /* v = 2: columns 2..6 */
        a0 = *r4++
        do 4, r6
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r15 * *r2++
        CLAMP(r5)
        r1e = r8e + 4*4                  /* v = 3: columns 4..7 */
        a0 = *r4++
        do 3, r6
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        a0 = a0 + *r1++r16 * *r2++
        CLAMP(r5)
        if (r9-- >= 0) goto h2_row
        nop
        if (r3-- >= 0) goto h2_map
        nop
        r9 = 63                          /* squash the group's 64 units into H2OUT */
        call tanh_stages (r14)
        nop
        r1e = PA
        r3e = SA
        do 0, 63
        *r11++ = a0 = *r1++ * *r3++
        r10e = TANH+4
        a2 = *r10
        r7e = r7e + 0x800                /* next group array */
        if (r12-- >= 0) goto h2_grp
        nop

/* ---------------- H3: 30 units x 192 MACs; output layer: 10 x 30 --------------------------- */
h3:     r1e = H2OUT
        r2e = H3W
        r4e = H3B
        r5e = XC
        r12 = 30-2
h3_unit: a0 = *r4++
        do 0, 191
        a0 = a0 + *r1++ * *r2++
        CLAMP(r5)
        if (r12-- >= 0) goto h3_unit
        r1e = H2OUT
        r9 = 29
        call tanh_stages (r14)
        nop
        r1e = PA
        r3e = SA
        r6e = H3OUT
        do 0, 29
        *r6++ = a0 = *r1++ * *r3++
        r10e = TANH+4
        a2 = *r10

out:    r1e = H3OUT
        r2e = OUTW
        r4e = OUTB
        r5e = XC
        r12 = 10-2
out_unit: a0 = *r4++
        do 0, 29
        a0 = a0 + *r1++ * *r2++
        CLAMP(r5)
        if (r12-- >= 0) goto out_unit
        r1e = H3OUT
        r9 = 9
        call tanh_stages (r14)
        nop
        r1e = PA
        r3e = SA
        r6e = r13e                       /* the 10 outputs into the result block */
        do 0, 9
        *r6++ = a0 = *r1++ * *r3++
        r10e = TANH+4
        a2 = *r10

/* ---------------- the class: the first largest output (as numpy's argmax) ------------------ */
class:  r1e = r13e
        r2e = digits
        a0 = *r1++                       /* best output so far */
        a1 = *r2++                       /* its digit, as a float */
        do 2, 8
        a2 = -a0 + *r1                   /* flags of out[i] - best */
        a0 = ifagt(*r1++)
        a1 = ifagt(*r2++)
        *r1 = a1 = int(a1)               /* the class, int16, after the 10 outputs */
        nop
        nop
        nop
        r2 = *r1                         /* the DA write above has landed */
        nop
        pir = r2                         /* PIF: result ready, PIR = the class */
done:   if (pif) goto done               /* until the host has read PIR (one flag, both ways) */
        nop
        goto wait
        nop

/* ---------------- the squashing stages ------------------------------------------------------ */
#include "squash.inc"
