/* dot4.s: the dot product of two 4-vectors on the DSP32C (dsp32c run examples/dot4.s) */
#define N 4
start:  r1e = xs                    /* pointers to the two vectors */
        r2e = ys
        a0 = *r1++ * *r2++          /* first product */
        do 0, N-2                   /* the next 1 instruction, N-1 more times */
        a0 = a0 + *r1++ * *r2++
        r3e = result
        *r3 = a0 = a0               /* store the 40-bit sum as a 32-bit float */
done:   goto done                   /* idle: `dsp32c run` stops here */
        nop
xs:     float 1.0, 2.0, 3.0, 4.0
ys:     float 0.5, 0.25, -1.0, 2.0
result: float 0.0
