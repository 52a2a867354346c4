/* 4-tap FIR y[n] = sum h[k] x[n-k] over 6 samples (zeros before x[0]), one output per pass
   of a do loop; the last tap's post-modifies rewind h (r16 = -12) and advance x (r15 = 16).
   h = 1, 0.5, 0.25, 0.125; x = 1..6:
   y = 1, 2.5, 4.25, 6.125, 8, 9.875 (worked by hand).
   Steps: 5 set-up + do + 6 passes x 4 + goto $, slot = 32; r1 ends back at h (0xfff000).
   Clocks: code external (0 wait states), h in ram0, x in ram1, y in ram2: one access per
   memory besides the fetch, no conflict clock: 32 x 4 = 128. */
//;; stop idle
//;; memf y+0 = 1.0
//;; memf y+4 = 2.5
//;; memf y+8 = 4.25
//;; memf y+12 = 6.125
//;; memf y+16 = 8.0
//;; memf y+20 = 9.875
//;; reg r1 = 0xfff000
//;; steps 32
//;; cycles 128
start:  r1e = h
        r2e = x + 12                /* x[0]; three zeros before it */
        r4e = y
        r15e = 16
        r16e = -12
        do 3, 5
        a0 = *r1++ * *r2--
        a0 = a0 + *r1++ * *r2--
        a0 = a0 + *r1++ * *r2--
        *r4++ = a0 = a0 + *r1++r16 * *r2++r15
        goto $
        nop

        .rsect ".ram0"
h:      float 1.0, 0.5, 0.25, 0.125
        .rsect ".ram1"
x:      3*float 0.0
        float 1.0, 2.0, 3.0, 4.0, 5.0, 6.0
        .rsect ".ram2"
y:      6*float 0.0
