"""A minimal Kafka wire client for the APIs Debian's confluent-kafka (1.7) and kafkajs do not
expose (IncrementalAlterConfigs, DescribeLogDirs, OffsetForLeaderEpoch, ListOffsets v7): encodes
requests field by field from Kafka's message JSON, reads responses the same way. Written
independently of Laminar's codec so the tests check the broker against Kafka's layouts."""
import socket
import struct


class Writer:
    def __init__(self, flexible):
        self.flexible = flexible
        self.out = bytearray()

    def int8(self, v): self.out += struct.pack(">b", v); return self
    def int16(self, v): self.out += struct.pack(">h", v); return self
    def int32(self, v): self.out += struct.pack(">i", v); return self
    def int64(self, v): self.out += struct.pack(">q", v); return self
    def float64(self, v): self.out += struct.pack(">d", v); return self
    def boolean(self, v): return self.int8(1 if v else 0)

    def uvarint(self, v):
        while v >= 0x80:
            self.out.append((v & 0x7F) | 0x80)
            v >>= 7
        self.out.append(v)
        return self

    def string(self, v):
        if v is None:
            return self.uvarint(0) if self.flexible else self.int16(-1)
        data = v.encode()
        if self.flexible:
            self.uvarint(len(data) + 1)
        else:
            self.int16(len(data))
        self.out += data
        return self

    def bytes_(self, v):
        if self.flexible:
            self.uvarint(len(v) + 1)
        else:
            self.int32(len(v))
        self.out += v
        return self

    def array(self, items, each):
        if items is None:
            return self.uvarint(0) if self.flexible else self.int32(-1)
        if self.flexible:
            self.uvarint(len(items) + 1)
        else:
            self.int32(len(items))
        for item in items:
            each(self, item)
        return self

    def tags(self):
        if self.flexible:
            self.uvarint(0)
        return self


class Reader:
    def __init__(self, data, flexible):
        self.data = data
        self.at = 0
        self.flexible = flexible

    def _take(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.at)[0]
        self.at += struct.calcsize(fmt)
        return value

    def int8(self): return self._take(">b")
    def int16(self): return self._take(">h")
    def int32(self): return self._take(">i")
    def int64(self): return self._take(">q")
    def float64(self): return self._take(">d")
    def boolean(self): return self.int8() != 0

    def uvarint(self):
        shift = value = 0
        while True:
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    def string(self):
        length = self.uvarint() - 1 if self.flexible else self.int16()
        if length < 0:
            return None
        value = self.data[self.at:self.at + length].decode()
        self.at += length
        return value

    def bytes_(self):
        length = self.uvarint() - 1 if self.flexible else self.int32()
        if length < 0:
            return None
        value = bytes(self.data[self.at:self.at + length])
        self.at += length
        return value

    def array(self, each):
        count = self.uvarint() - 1 if self.flexible else self.int32()
        return None if count < 0 else [each(self) for _ in range(count)]

    def tags(self):
        if self.flexible:
            for _ in range(self.uvarint()):
                self.uvarint()
                self.at += self.uvarint()

    def done(self):
        assert self.at == len(self.data), f"{len(self.data) - self.at} bytes left"


class Connection:
    def __init__(self, bootstrap):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=15)
        self.correlation = 0

    def close(self):
        self.sock.close()

    def _read_exactly(self, count):
        data = bytearray()
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed by the broker")
            data += chunk
        return bytes(data)

    def call(self, key, version, flexible, body):
        """Sends `body` (a Writer) as request (key, version); returns a Reader of the response
        body."""
        self.correlation += 1
        header = Writer(False).int16(key).int16(version).int32(self.correlation).string("compat")
        if flexible:
            header.uvarint(0)
        frame = bytes(header.out) + bytes(body.out)
        self.sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", self._read_exactly(4))[0]
        response = Reader(self._read_exactly(size), flexible)
        assert response.int32() == self.correlation
        response.tags()
        return response


def call_once(bootstrap, key, version, flexible, body):
    """One request on a connection of its own; a Reader of the response body."""
    connection = Connection(bootstrap)
    try:
        return connection.call(key, version, flexible, body)
    finally:
        connection.close()
