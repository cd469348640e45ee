#!/usr/bin/env python3
"""Peers on the real set, for COMPARISON ONLY (they are not the reference; the reference comes from
the clean sources, see README.md).

Usage: reference_vads.py DIR... [--lessonlens EVAL.json] [--json OUT.json]

For every media file with a .truth.json beside it, computes the same speech / no-speech metric as
`lessonlens eval` (Analysis/Evaluation/TimelineScoring.swift, SpeechScore):
  10 ms frames sampled at their centres; speech = teacher|student|multi, non-speech = silence|media;
  a non-speech pause < 1.5 s with speech on both sides counts as speech, in reference and hypothesis.
Peers:
  * Silero VAD: the silero-vad wheel's silero_vad.onnx via onnxruntime (one thread), 16 kHz, windows of
    512 samples with 64 samples of context and the LSTM state carried (as the package's OnnxWrapper),
    RAW per-window probabilities >= 0.5 are speech (not get_speech_timestamps: no hysteresis, padding
    or minimum durations beyond the shared 1.5 s pause rule).
  * webrtcvad mode 2 (package webrtcvad-wheels or webrtcvad), 30 ms frames at 16 kHz, when importable.
They only say speech / non-speech, so the noise-share columns report their 'speech' share of the
reference silence.  With --lessonlens (the JSON of `lessonlens eval --json`) LessonLens's numbers are
printed next to theirs, per file and pooled per split.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np

SR = 16000
STEP = 0.01
MERGE = 150     # frames (1.5 s)
MEDIA_EXT = {"mp4", "mov", "ts", "flv", "mkv", "m4a", "mp3", "wav"}


def lessons(path):
    if os.path.isfile(path):
        t = os.path.splitext(path)[0] + ".truth.json"
        return [(path, t)] if os.path.exists(t) else []
    out = []
    for name in sorted(os.listdir(path)):
        if name.rsplit(".", 1)[-1].lower() in MEDIA_EXT:
            m = os.path.join(path, name)
            t = os.path.splitext(m)[0] + ".truth.json"
            if os.path.exists(t):
                out.append((m, t))
    return out


def decode(path):
    r = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-ac", "1", "-ar", str(SR), "-f", "s16le", "-"],
                       capture_output=True, check=True)
    return np.frombuffer(r.stdout, "<i2")


def frame_labels(segs, n):
    """Label at each frame centre; uncovered = silence (same as TimelineScoring.frameLabels)."""
    segs = sorted(segs, key=lambda s: s["start"])
    out, c = [], 0
    for k in range(n):
        t = (k + 0.5) * STEP
        while c < len(segs) and segs[c]["end"] <= t:
            c += 1
        out.append(segs[c]["label"] if c < len(segs) and segs[c]["start"] <= t else "silence")
    return out


def merge(speech):
    out = speech.copy()
    n, k = len(out), 0
    while k < n:
        if out[k]:
            k += 1
            continue
        e = k
        while e < n and not out[e]:
            e += 1
        if k > 0 and e < n and e - k < MERGE:
            out[k:e] = True
        k = e
    return out


def score(ref_labels, hyp_speech):
    """Counts as in SpeechScore (hypothesis speech only: no labels)."""
    ref_labels = np.array(ref_labels, dtype=object)
    rs = merge(np.isin(ref_labels, ["teacher", "student", "multi"]))
    hs = merge(np.asarray(hyp_speech, bool))
    sil = ref_labels == "silence"
    return {"frames": len(rs), "referenceSpeechFrames": int(rs.sum()), "missedFrames": int((rs & ~hs).sum()),
            "falseAlarmFrames": int((~rs & hs).sum()), "referenceSilenceFrames": int(sil.sum()),
            "silenceAsSpeechFrames": int((sil & np.asarray(hyp_speech, bool)).sum())}


def to_frames(window_speech, window_seconds, n):
    """Per-window decisions sampled at the 10 ms frame centres."""
    t = (np.arange(n) + 0.5) * STEP
    idx = np.minimum((t / window_seconds).astype(int), len(window_speech) - 1)
    return np.asarray(window_speech)[idx] if len(window_speech) else np.zeros(n, bool)


class Silero:
    def __init__(self):
        import onnxruntime
        import silero_vad
        path = os.path.join(os.path.dirname(silero_vad.__file__), "data", "silero_vad.onnx")
        o = onnxruntime.SessionOptions()
        o.inter_op_num_threads = 1
        o.intra_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(path, sess_options=o, providers=["CPUExecutionProvider"])
        self.name = "silero"

    def __call__(self, pcm, n):
        x = pcm.astype(np.float32) / 32768.0
        w = 512
        state = np.zeros((2, 1, 128), np.float32)
        ctx = np.zeros((1, 64), np.float32)
        sr = np.array(SR, dtype=np.int64)
        probs = []
        for a in range(0, len(x), w):
            chunk = x[a:a + w]
            if len(chunk) < w:
                chunk = np.pad(chunk, (0, w - len(chunk)))
            inp = np.concatenate([ctx, chunk[None, :]], axis=1)
            out, state = self.session.run(None, {"input": inp, "state": state, "sr": sr})
            ctx = inp[:, -64:]
            probs.append(float(out[0][0]))
        return to_frames(np.array(probs) >= 0.5, w / SR, n)


class WebRTC:
    def __init__(self, mode=2):
        import webrtcvad
        self.vad = webrtcvad.Vad(mode)
        self.name = "webrtc2"

    def __call__(self, pcm, n):
        w = 480
        dec = []
        for a in range(0, len(pcm) - w + 1, w):
            dec.append(self.vad.is_speech(pcm[a:a + w].tobytes(), SR))
        return to_frames(np.array(dec, bool), w / SR, n)


def pooled(rows):
    keys = rows[0].keys() if rows else []
    return {k: sum(r[k] for r in rows) for k in keys}


def err(c):
    return (c["missedFrames"] + c["falseAlarmFrames"]) / c["frames"] if c and c["frames"] else float("nan")


def sil_speech(c):
    return c["silenceAsSpeechFrames"] / c["referenceSilenceFrames"] if c and c.get("referenceSilenceFrames") else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--lessonlens", help="JSON written by `lessonlens eval --json`")
    ap.add_argument("--json", help="write per-file counts here")
    a = ap.parse_args()
    peers = [Silero()]
    try:
        peers.append(WebRTC(2))
    except ImportError:
        print("webrtcvad not importable (pip install webrtcvad-wheels): left out", file=sys.stderr)
    ll = {}
    if a.lessonlens:
        for s in json.load(open(a.lessonlens)):
            if s.get("speech"):
                ll[s["file"]] = s
    rows = []
    for d in a.dirs:
        for media, truth_path in lessons(d):
            truth = json.load(open(truth_path))
            pcm = decode(media)
            dur = min(truth["durationSeconds"], len(pcm) / SR)
            n = int(dur / STEP + 1e-9)
            ref = frame_labels(truth["timeline"], n)
            split = truth.get("split") or ({True: "dev", False: "heldout"}.get(truth.get("tuning"), "-"))
            row = {"file": os.path.basename(media), "split": split}
            for p in peers:
                row[p.name] = score(ref, p(pcm, n))
            rows.append(row)
    names = [p.name for p in peers]
    cols = (["lessonlens"] if ll else []) + names
    print("speech/no-speech frame error (10 ms, pauses < 1.5 s inside speech = speech); in brackets the share of "
          "reference silence called speech (LessonLens: teacher|student|multi)")
    print(f"{'file':34s} {'split':8s} " + " ".join(f"{c:>16s}" for c in cols))

    def ll_counts(f):
        s = ll.get(f)
        if not s:
            return None
        c = dict(s["speech"])
        c["silenceAsSpeechFrames"] = c["silenceAsSpeechFrames"] + c["silenceAsMultiFrames"]
        return c

    def cell(c):
        return f"{err(c):6.3f} [{sil_speech(c):5.2f}]".rjust(16) if c else f"{'-':>16s}"

    for r in rows:
        cs = ([ll_counts(r["file"])] if ll else []) + [r[nm] for nm in names]
        print(f"{r['file'][:34]:34s} {r['split']:8s} " + " ".join(cell(c) for c in cs))
    print()
    for split in ("dev", "heldout", "-"):
        grp = [r for r in rows if r["split"] == split]
        if not grp:
            continue
        cs = []
        if ll:
            got = [ll_counts(r["file"]) for r in grp]
            cs.append(pooled([g for g in got if g]) if all(got) else None)
        cs += [pooled([r[nm] for r in grp]) for nm in names]
        print(f"{'POOLED ' + split + f' ({len(grp)} files)':34s} {split:8s} " + " ".join(cell(c) for c in cs))
    if a.json:
        json.dump(rows, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
