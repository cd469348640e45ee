#!/usr/bin/env python3
"""Expected GE2E speaker embeddings (Resemblyzer 0.1.4's voice encoder) for a few real clips, for
Tests/AnalysisTests/Fixtures/resemblyzer-parity.json. Run once; the JSON is committed, not the runtime.

Honest note: this is NOT torch. torch (CPU, several hundred MB) and librosa were not installed on the
machine that made the fixture, so the forward pass is written here in numpy directly from the
converted state_dict, following resemblyzer/voice_encoder.py (nn.LSTM 40→256, 3 layers, gate order
i f g o; Linear 256→256; ReLU; L2 norm of the last layer's final hidden state) and resemblyzer/audio.py
(librosa.feature.melspectrogram defaults as of librosa 0.10: n_fft 400, hop 160, periodic Hann,
center=True with zero padding, power 2, Slaney mel scale with Slaney area normalisation, 0–8000 Hz,
40 bands, no log). Computed in float64, so it is a reference for our float32 kernels.

Window rule (ours, also used by the Swift encoder): a partial of 160 frames starting at mel frame i
covers samples [160 i, 160 i + 25600); it is volume-normalised as resemblyzer's preprocess_wav does
(normalize_volume to -30 dBFS, increase only), with the gain computed over those samples; frame t
is centred on sample 160 (i + t), zero outside the clip.

Usage: resemblyzer_parity.py WEIGHTS.safetensors OUT.json
"""
import json, struct, sys, wave
import numpy as np

SR, NFFT, HOP, NMELS, FRAMES = 16000, 400, 160, 40, 160
CLIPS = ["/usr/share/pocketsphinx/test/data/goforward.raw",
         "/usr/share/pocketsphinx/test/data/cards/001.wav",
         "/usr/share/pocketsphinx/test/data/numbers.raw",
         "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav"]


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4").reshape(v["shape"]).astype(np.float64)
            for k, v in header.items() if k != "__metadata__"}


def pcm16(path):
    if path.endswith(".wav"):
        with wave.open(path) as w:
            assert w.getframerate() == SR and w.getnchannels() == 1 and w.getsampwidth() == 2
            raw = w.readframes(w.getnframes())
    else:
        raw = open(path, "rb").read()
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_basis():
    fft_f = np.arange(NFFT // 2 + 1) * SR / NFFT
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SR / 2), NMELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    w = np.zeros((NMELS, len(fft_f)))
    for i in range(NMELS):
        w[i] = np.maximum(0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    w *= (2.0 / (mel_f[2:NMELS + 2] - mel_f[:NMELS]))[:, None]
    return w


def window_mels(x, start_frame, basis):
    s = start_frame * HOP
    seg = x[s:s + FRAMES * HOP]
    rms = np.sqrt(np.mean((seg * 32767) ** 2)) if len(seg) else 0
    gain = 1.0
    if rms > 0:
        change = -30 - 20 * np.log10(rms / 32767)
        if change > 0:
            gain = 10 ** (change / 20)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(NFFT) / NFFT)
    out = np.zeros((FRAMES, NMELS))
    for t in range(FRAMES):
        c = (start_frame + t) * HOP
        frame = np.zeros(NFFT)
        lo, hi = c - NFFT // 2, c + NFFT // 2
        a, b = max(lo, 0), min(hi, len(x))
        if b > a:
            frame[a - lo:b - lo] = x[a:b] * gain
        spec = np.abs(np.fft.rfft(frame * hann)) ** 2
        out[t] = basis @ spec
    return out


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def embed(mels, w):
    h_seq = mels
    for layer in range(3):
        wih, whh = w[f"lstm.weight_ih_l{layer}"], w[f"lstm.weight_hh_l{layer}"]
        b = w[f"lstm.bias_ih_l{layer}"] + w[f"lstm.bias_hh_l{layer}"]
        h, c = np.zeros(256), np.zeros(256)
        outs = []
        for x in h_seq:
            g = wih @ x + whh @ h + b
            i, f, gg, o = sigmoid(g[:256]), sigmoid(g[256:512]), np.tanh(g[512:768]), sigmoid(g[768:])
            c = f * c + i * gg
            h = o * np.tanh(c)
            outs.append(h)
        h_seq = np.array(outs)
    e = np.maximum(w["linear.weight"] @ h_seq[-1] + w["linear.bias"], 0)
    return e / np.linalg.norm(e)


def main():
    w = read_safetensors(sys.argv[1])
    basis = mel_basis()
    clips = []
    for path in CLIPS:
        x = pcm16(path)
        starts = list(range(0, max(1, len(x) // HOP - FRAMES + 1), FRAMES // 2))[:3]
        clips.append({"file": path, "startFrames": starts,
                      "embeddings": [[round(float(v), 7) for v in embed(window_mels(x, s, basis), w)] for s in starts]})
        print(path, len(x) / SR, "s", starts, file=sys.stderr)
    json.dump({"reference": "numpy float64 forward pass of resemblyzer 0.1.4 pretrained.pt (scripts/resemblyzer_parity.py; not torch)",
               "clips": clips}, open(sys.argv[2], "w"), indent=0)


if __name__ == "__main__":
    main()
