#!/usr/bin/env python3
"""Writes backfeed-fault.cfg/.dat: an IEEE C37.111-1999 COMTRADE record (BINARY .dat) of one 415 V, 60 Hz
three-phase feed sampled at 4800 S/s, as a merging unit or a relay would record it, independently of the
project's own COMTRADE writer (plain Python: struct, math, random).

0.25 s healthy (a PSU load: 5th and 7th harmonics, 3 % and 2 %; white noise, sigma 0.5 % of nominal; 100 A at
PF 0.95), then the utility source opens (trigger, 0.25 s after the first sample) and the bus is held up by motors
and PSU capacitors: every voltage decays to 5 % over 5 cycles while the frequency falls 2 Hz per cycle, the
currents collapse with it; 0.25 s recorded after the trigger. Seeded: the same bytes every run.

    python3 make_backfeed_fault.py    # in this folder
"""
import math
import random
import struct

RATE = 4800
HZ = 60.0
N = 2400                    # 0.5 s
ONSET = 1200                # 0.25 s
VPEAK = 415 / math.sqrt(3) * math.sqrt(2)
IPEAK = 100 * math.sqrt(2)
TAU = 5 / HZ / math.log(20)  # to 5 % in 5 cycles
K = 2 * HZ                  # Hz/s
VSCALE = VPEAK * 1.2 / 32767
ISCALE = IPEAK * 1.2 / 32767

rnd = random.Random(17)
rows = []
for k in range(N):
    t = k / RATE
    if k < ONSET:
        amp, shift = 1.0, 0.0
    else:
        u = (k - ONSET) / RATE
        amp, shift = math.exp(-u / TAU), -math.pi * K * u * u
    v, i = [], []
    for p in range(3):
        th = 2 * math.pi * HZ * t - p * 2 * math.pi / 3 + shift
        x = math.sin(th) + 0.03 * math.sin(5 * th + 0.4) + 0.02 * math.sin(7 * th + 1.1)
        v.append(amp * VPEAK * x + 0.005 * VPEAK / math.sqrt(2) * rnd.gauss(0, 1))
        i.append(amp * IPEAK * math.sin(th - math.acos(0.95)) + 0.2 * rnd.gauss(0, 1))
    rows.append(v + i)

with open("backfeed-fault.dat", "wb") as f:
    for k, r in enumerate(rows):
        codes = [max(-32767, min(32767, round(x / (VSCALE if c < 3 else ISCALE)))) for c, x in enumerate(r)]
        f.write(struct.pack("<II6h", k + 1, round(k * 1e6 / RATE), *codes))

names = [("VA", "A", "V", VSCALE), ("VB", "B", "V", VSCALE), ("VC", "C", "V", VSCALE),
         ("IA", "A", "A", ISCALE), ("IB", "B", "A", ISCALE), ("IC", "C", "A", ISCALE)]
with open("backfeed-fault.cfg", "w", newline="\r\n") as f:
    f.write("HEADROOM TEST BUS,PY-GEN,1999\n")
    f.write("6,6A,0D\n")
    for n, (cid, ph, unit, a) in enumerate(names, 1):
        f.write(f"{n},{cid},{ph},FEED A,{unit},{a:.9g},0,0,-32767,32767,1,1,P\n")
    f.write("60\n1\n4800,2400\n")
    f.write("07/12/2026,12:00:00.000000\n07/12/2026,12:00:00.250000\n")
    f.write("BINARY\n1\n")
