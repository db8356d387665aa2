"""Writes float32 safetensors files by hand (no safetensors package needed), for the fixture scripts.

Layout: u64 little-endian header length, the JSON header (names sorted, padded with spaces to 8 bytes),
then the tensors' raw little-endian float32 data in name order.
"""
import json
import struct

import torch


def write(path, arrays, metadata):
    """Writes `arrays` (name -> tensor, stored as float32) with `metadata` (str -> str); returns the data bytes."""
    header, blobs, offset = {}, [], 0
    for name in sorted(arrays):
        raw = arrays[name].contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arrays[name].shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)
    return offset
