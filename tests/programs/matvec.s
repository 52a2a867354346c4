/* y = M v for a 3x3 matrix stored by rows, one row per pass of a do loop.
   M = [[1,2,3],[4,5,6],[7,8,9]], v = (1, 0.5, 0.25): y = (2.75, 8, 13.25).
   Steps: 4 set-up + do + 3 passes x 3 + goto $, slot = 16; r2 ends back at v (0xfff800).
   Clocks: code external (0 wait states), m in ram0, v and the Z store to y in ram1 (two
   accesses to one block, which it serves): no conflict clock: 16 x 4 = 64. */
//;; stop idle
//;; memf y+0 = 2.75
//;; memf y+4 = 8.0
//;; memf y+8 = 13.25
//;; reg r2 = 0xfff800
//;; steps 16
//;; cycles 64
start:  r1e = m
        r2e = v
        r3e = y
        r15e = -8
        do 2, 2
        a0 = *r1++ * *r2++
        a0 = a0 + *r1++ * *r2++
        *r3++ = a0 = a0 + *r1++ * *r2++r15
        goto $
        nop

        .rsect ".ram0"
m:      float 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0
        .rsect ".ram1"
v:      float 1.0, 0.5, 0.25
y:      3*float 0.0
