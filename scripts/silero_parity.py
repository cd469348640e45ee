#!/usr/bin/env python3
"""Expected speech probabilities for the Silero VAD parity test (run once; output committed).

Reference: Silero's own 16 kHz ONNX graph (silero_vad/data/silero_vad_16k_op15.onnx from the
silero-vad wheel) run by onnxruntime, with its initializers replaced by the tensors of
silero_vad_16k.safetensors from the same wheel -- the weights LessonLens runs. (The wheel's ONNX and
safetensors files hold different checkpoints; the graph is the same, which the swap makes explicit.)
Windows follow silero_vad.utils_vad.OnnxWrapper: 64 samples of context + 512 new samples, state
carried, the audio zero-padded to a multiple of 512.

usage: pip install onnx onnxruntime silero-vad==6.2.3
       python3 scripts/silero_parity.py > Tests/AnalysisTests/Fixtures/silero-parity.json
Clips: real read speech from Debian's pocketsphinx-testdata (16 kHz s16le).
"""
import json, os, struct, sys, wave
import numpy as np, onnx, onnxruntime as ort
from onnx import numpy_helper
import silero_vad

DATA = os.path.join(os.path.dirname(silero_vad.__file__), "data")
PS = "/usr/share/pocketsphinx/test/data"
CLIPS = ["librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
         "librivox/sense_and_sensibility_01_austen_64kb-0890.wav", "numbers.raw", "something.raw"]


def safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    return {k: np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], np.float32).reshape(v["shape"])
            for k, v in h.items() if k != "__metadata__"}


def model():
    w = safetensors(os.path.join(DATA, "silero_vad_16k.safetensors"))
    m = onnx.load(os.path.join(DATA, "silero_vad_16k_op15.onnx"))
    names = {"model.stft.forward_basis_buffer": "stft_conv.weight",
             "model.decoder.decoder.2.weight": "final_conv.weight", "model.decoder.decoder.2.bias": "final_conv.bias"}
    for i in range(4):
        for p in ("weight", "bias"):
            names[f"model.encoder.{i}.reparam_conv.{p}"] = f"conv{i + 1}.{p}"
    for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        names["model.decoder.rnn." + p] = "lstm_cell." + p
    for init in m.graph.initializer:
        if init.name in names:
            init.CopyFrom(numpy_helper.from_array(w[names[init.name]].copy(), init.name))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    return ort.InferenceSession(m.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"])


def samples(path):
    if path.endswith(".wav"):
        with wave.open(path) as f:
            assert f.getframerate() == 16000 and f.getnchannels() == 1 and f.getsampwidth() == 2
            raw = f.readframes(f.getnframes())
    else:
        raw = open(path, "rb").read()
    return np.frombuffer(raw, "<i2").astype(np.float32) / 32768


def probabilities(sess, x):
    if len(x) % 512:
        x = np.concatenate([x, np.zeros(512 - len(x) % 512, np.float32)])
    state, ctx, out = np.zeros((2, 1, 128), np.float32), np.zeros(64, np.float32), []
    for k in range(0, len(x), 512):
        chunk = np.concatenate([ctx, x[k:k + 512]])[None, :]
        p, state = sess.run(None, {"input": chunk, "state": state, "sr": np.array(16000, np.int64)})
        out.append(float(p[0, 0]))
        ctx = x[k + 448:k + 512]
    return out


sess = model()
json.dump({"reference": "onnxruntime " + ort.__version__ + ", silero_vad_16k_op15.onnx graph with silero_vad_16k.safetensors weights (silero-vad "
                        + getattr(silero_vad, "__version__", "6.2.3") + ")",
           "sampleFormat": "s16le 16 kHz mono, x / 32768",
           "clips": [{"file": os.path.join(PS, c), "probabilities": [round(p, 6) for p in probabilities(sess, samples(os.path.join(PS, c)))]}
                     for c in CLIPS]}, sys.stdout, indent=None)
print()
