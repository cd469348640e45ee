#!/usr/bin/env python3
"""Baseline for `make bench` (suite vad): Silero VAD 16 kHz through onnxruntime on one thread.

usage: bench_silero_ort.py AUDIO.f32   (raw float32 little-endian, 16 kHz mono)
Prints one line: `onnxruntime SECONDS CPU_SECONDS WINDOWS` for the inference loop alone (session
creation excluded), windows of 512 samples with 64 of context, as silero_vad.utils_vad.OnnxWrapper.
"""
import os, sys, time
import numpy as np, onnxruntime as ort
import silero_vad

x = np.fromfile(sys.argv[1], dtype="<f4")
x = np.concatenate([x, np.zeros((-len(x)) % 512, np.float32)])
opts = ort.SessionOptions()
opts.intra_op_num_threads = opts.inter_op_num_threads = 1
sess = ort.InferenceSession(os.path.join(os.path.dirname(silero_vad.__file__), "data", "silero_vad_16k_op15.onnx"),
                            sess_options=opts, providers=["CPUExecutionProvider"])
state, ctx, sr = np.zeros((2, 1, 128), np.float32), np.zeros(64, np.float32), np.array(16000, np.int64)
t0, c0 = time.perf_counter(), time.process_time()
for k in range(0, len(x), 512):
    out, state = sess.run(None, {"input": np.concatenate([ctx, x[k:k + 512]])[None, :], "state": state, "sr": sr})
    ctx = x[k + 448:k + 512]
print(f"onnxruntime {time.perf_counter() - t0:.4f} {time.process_time() - c0:.4f} {len(x) // 512}")
