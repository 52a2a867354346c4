/* Delayed visibility (machine §3.2), no interlocks. a1 becomes 2.0 at I0 (a3 stays 0.0):
   the multiplier path reads the old a1 at I1 and I2 and the new one from I3 on; the adder path
   reads the new one at once. A DA memory write is still old for a read 3 instructions later
   and new 4 later. A CAU load is old for the next instruction and new for the one after. */
//;; stop idle
//;; hazards 3
//;; acc a0 = 0.0
//;; acc a2 = 2.0
//;; acc a3 = 3.0
//;; acc a1 = 2.0
//;; reg r5 = 0x000081
//;; reg r6 = 0x000080
//;; reg r7 = 7
//;; reg r8 = 9
//;; reg r9 = 9
start:  r1e = two
        r2e = one
        r3e = cell
        r4e = nine
        r9 = 7
        a1 = *r1                    /* I0: a1 = 2.0 */
        a0 = a3 + a1 * *r2          /* I1: multiplier path, old a1 = 0.0 */
        a3 = a1 + *r2 * *r2         /* I2: adder path, new a1: 2.0 + 1.0 */
        a2 = a0 + a1 * *r2          /* I3: multiplier path, new a1: 0 + 2.0 */
        *r3 = a1 = a1               /* write 2.0 over cell (1.0) */
        nop
        nop
        r6e = *r3                   /* 3 instructions later: still 1.0 (0x80) */
        r5e = *r3                   /* 4 later: 2.0 (0x81) */
        r9 = *r4                    /* load 9 */
        r7 = r9                     /* the very next instruction: still 7 */
        r8 = r9                     /* one between: 9 */
        goto $
        nop

        .rsect ".ram1"
two:    float 2.0
one:    float 1.0
cell:   float 1.0
nine:   int 9, 0
