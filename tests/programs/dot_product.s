/* 8-term dot product with a decrement-and-branch loop, result stored through Z.
   x = 1..8, y = 0.5 each: sum = 36 * 0.5 = 18.
   Steps: 4 set-up + 7 x (branch, slot) + r4e, store, goto $, slot = 22. The branch tests
   r3 = 5, 4, ..., -1 (taken 6 times) and leaves r3 = -2 = 0xfffffe. Clocks: 4 each; the code
   is external (0 wait states), X in ram0, Y and the Z store in ram1: at most two accesses to
   one memory, no conflict clock: 22 x 4 = 88. */
//;; stop idle
//;; memf result = 18.0
//;; acc a0 = 18.0
//;; reg r3 = 0xfffffe
//;; steps 22
//;; cycles 88
start:  r1e = x
        r2e = y
        r3 = 8 - 3                  /* the loop body runs r3 + 2 = 7 times */
        a0 = *r1++ * *r2++          /* first term */
loop:   if (r3-- >= 0) goto loop
        a0 = a0 + *r1++ * *r2++     /* delay slot: the remaining 7 terms */
        r4e = result
        *r4 = a0 = a0
        goto $
        nop

        .rsect ".ram0"
x:      float 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0
        .rsect ".ram1"
y:      8*float 0.5
result: float 0.0
