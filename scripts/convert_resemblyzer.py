#!/usr/bin/env python3
"""Resemblyzer's pretrained.pt (a legacy, non-zip torch.save of {"model_state": state_dict, ...}) to
safetensors, without torch: stdlib pickle with a custom Unpickler (torch's persistent_load storages and
torch._utils._rebuild_tensor_v2), numpy for the raw little-endian storage bytes.

Usage: convert_resemblyzer.py pretrained.pt out.safetensors
Only the encoder's tensors are written (lstm.*, linear.*; float32); the rest of the checkpoint
(optimizer state, step) is dropped.
"""
import json, pickle, struct, sys
import numpy as np

DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
          "LongStorage": np.int64, "IntStorage": np.int32, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class StorageType:
    def __init__(self, name):
        self.name = name


class Storage:
    def __init__(self, dtype):
        self.dtype = dtype
        self.array = None


class LazyTensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def numpy(self):
        base = self.storage.array
        item = base.itemsize
        if not self.size:
            return base[self.offset:self.offset + 1].reshape(())
        return np.lib.stride_tricks.as_strided(base[self.offset:], shape=self.size,
                                               strides=[s * item for s in self.stride]).copy()


def rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    return LazyTensor(storage, offset, size, stride)


class Unpickler(pickle.Unpickler):
    def __init__(self, f, storages):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return rebuild_tensor_v2
        if module == "torch" and name in DTYPES:
            return StorageType(name)
        if module == "collections" and name == "OrderedDict":
            import collections
            return collections.OrderedDict
        if module.startswith("torch"):
            # Anything else torch (e.g. optimizer classes) is kept as an opaque placeholder.
            return lambda *a, **k: None
        return super().find_class(module, name)

    def persistent_load(self, pid):
        kind, storage_type, key, location, size = pid[:5]
        assert kind == "storage", pid
        if key not in self.storages:
            self.storages[key] = Storage(DTYPES[storage_type.name])
        return self.storages[key]


def load(path):
    with open(path, "rb") as f:
        magic = pickle.load(f)
        assert magic == 0x1950A86A20F9469CFC6C, "not a legacy torch.save file"
        pickle.load(f)  # protocol version
        pickle.load(f)  # sys info
        storages = {}
        obj = Unpickler(f, storages).load()
        keys = pickle.load(f)
        for key in keys:
            st = storages[key]
            (n,) = struct.unpack("<q", f.read(8))
            itemsize = np.dtype(st.dtype).itemsize
            st.array = np.frombuffer(f.read(n * itemsize), dtype=np.dtype(st.dtype).newbyteorder("<"))
    return obj


def save_safetensors(tensors, path):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name].astype("<f4"))
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(h)))
        out.write(h)
        for b in blobs:
            out.write(b)


def main():
    obj = load(sys.argv[1])
    state = obj["model_state"]
    tensors = {k: v.numpy() for k, v in state.items() if k.startswith(("lstm.", "linear."))}
    save_safetensors(tensors, sys.argv[2])
    for k in sorted(tensors):
        print(k, tensors[k].shape, file=sys.stderr)


if __name__ == "__main__":
    main()
