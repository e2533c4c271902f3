#!/usr/bin/env python3
"""Regenerates the seeded sample data: regression/sine.csv and sequence/next_sine.csv."""
import math
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
r = random.Random(20261125)
with open(os.path.join(here, '..', 'regression', 'sine.csv'), 'w') as f:
    f.write('x,y\n')
    for _ in range(256):
        x = r.uniform(-math.pi, math.pi)
        f.write('%.6f,%.6f\n' % (x, math.sin(x) + r.gauss(0, 0.1)))
with open(os.path.join(here, '..', 'sequence', 'next_sine.csv'), 'w') as f:
    f.write(','.join(['x%d' % i for i in range(8)] + ['y%d' % i for i in range(8)]) + '\n')
    for _ in range(512):
        t0 = r.uniform(0, 2 * math.pi)
        xs = [math.sin(t0 + 0.4 * k) for k in range(9)]
        f.write(','.join('%.6f' % v for v in xs[:8] + xs[1:9]) + '\n')
