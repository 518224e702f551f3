"""A generic-3phase meter served by pymodbus (an implementation nobody here wrote).

usage: /usr/bin/python3 pymodbus_meter.py PORT UNIT V I P
Serves holding registers 0..23 as big-endian float32 per the generic-3phase profile and prints
"ready" once the socket is listening.
"""
import asyncio
import struct
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncTcpServer


def words(values):
    out = []
    for v in values:
        hi, lo = struct.unpack(">HH", struct.pack(">f", v))
        out += [hi, lo]
    return out


async def main():
    port, unit = int(sys.argv[1]), int(sys.argv[2])
    v, i, p = (float(x) for x in sys.argv[3:6])
    regs = words([v, v, v, i, i, i, p / 3, p / 3, p / 3, p, 0.98, 60.0])
    store = ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, regs), zero_mode=True)
    context = ModbusServerContext(slaves={unit: store}, single=False)
    server = await StartAsyncTcpServer(context=context, address=("127.0.0.1", port), defer_start=True)
    print("ready", flush=True)
    await server.serve_forever()


asyncio.run(main())
