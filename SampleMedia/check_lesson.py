#!/usr/bin/env python3
"""Check generated lessons against their truth sidecars.

For each media file: ffprobe streams and duration; the truth timeline is contiguous over
[0, durationSeconds] with valid labels and the 1.5 s merge rule holds; decoded audio levels per label
and per speaker (teacher must be louder than every student); at each slide change the decoded frames
before and after differ far more than consecutive frames elsewhere.

Usage: python3 SampleMedia/check_lesson.py FILE [FILE...]   (exit status 1 if a check fails)
"""

import json
import math
import os
import subprocess
import sys

import numpy as np

LABELS = {"teacher", "student", "multi", "silence", "media"}
AUDIO_SR = 16000   # what the analyser decodes to (Hz)
VIDEO_FPS = 5      # frames per second sampled for the slide check
VW, VH = 160, 90   # luma thumbnail size for the slide check


def probe(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return json.loads(r.stdout)


def decode_audio(path):
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vn", "-ac", "1", "-ar", str(AUDIO_SR),
                        "-f", "f32le", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return np.frombuffer(r.stdout, dtype="<f4")


def decode_luma(path):
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-an", "-vf",
                        "fps=%d,scale=%d:%d,format=gray" % (VIDEO_FPS, VW, VH), "-f", "rawvideo", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return np.frombuffer(r.stdout, dtype=np.uint8).reshape(-1, VH, VW).astype(np.int16)


def level_db(x):
    return 20 * math.log10(max(float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))), 1e-9)) if len(x) else None


def check(path):
    problems = []
    base = os.path.splitext(path)[0]
    truth = json.load(open(base + ".truth.json", encoding="utf-8"))
    info = probe(path)
    dur = truth["durationSeconds"]
    fmt = info["format"]
    start = float(fmt.get("start_time", 0) or 0)
    pdur = float(fmt["duration"])
    streams = {s["codec_type"]: s for s in info["streams"]}
    print("%s: %s, %d bytes, start %.3f s, duration %.3f s (truth %.3f), streams %s" % (
        os.path.basename(path), fmt["format_name"], int(fmt["size"]), start, pdur, dur,
        ", ".join("%s %s" % (k, v["codec_name"]) for k, v in streams.items())))
    if abs(pdur - dur) > 0.15:
        problems.append("container duration %.3f differs from truth %.3f" % (pdur, dur))
    # -- truth structure
    tl = truth["timeline"]
    if tl[0]["start"] != 0 or abs(tl[-1]["end"] - dur) > 1e-6:
        problems.append("timeline does not cover [0, duration]")
    for a, b in zip(tl, tl[1:]):
        if abs(a["end"] - b["start"]) > 1e-6:
            problems.append("gap/overlap at %.3f" % a["end"])
        if a["label"] == b["label"]:
            problems.append("adjacent equal labels at %.3f" % a["end"])
    for i in range(1, len(tl) - 1):
        if tl[i]["label"] == "silence" and tl[i - 1]["label"] == tl[i + 1]["label"] and \
                tl[i]["end"] - tl[i]["start"] < 1.5:
            problems.append("merge rule violated at %.3f" % tl[i]["start"])
    for s in tl:
        if s["label"] not in LABELS or s["end"] <= s["start"]:
            problems.append("bad segment %r" % s)
    # -- audio levels
    if "audio" in streams:
        a = decode_audio(path)
        lv = {}
        for lab in sorted(LABELS):
            idx = np.concatenate([np.arange(int(s["start"] * AUDIO_SR), min(len(a), int(s["end"] * AUDIO_SR)))
                                  for s in tl if s["label"] == lab] or [np.zeros(0, int)])
            lv[lab] = level_db(a[idx])
        print("  RMS dBFS by label: " + ", ".join("%s %s" % (k, "-" if v is None else "%.1f" % v)
                                                  for k, v in lv.items()))
        spk = {}
        for u in truth["speech"]:
            if u["kind"] in ("discussion", "chorus"):
                continue
            spk.setdefault(u["speaker"], []).append(a[int(u["start"] * AUDIO_SR):int(u["end"] * AUDIO_SR)])
        sl = {k: level_db(np.concatenate(v)) for k, v in spk.items()}
        print("  RMS dBFS by speaker (solo speech): " + ", ".join("%s %.1f" % kv for kv in sorted(sl.items())))
        if "T" in sl:
            for k, v in sl.items():
                if k != "T" and v > sl["T"] - 4:
                    problems.append("student %s (%.1f dB) not clearly quieter than teacher (%.1f dB)" % (k, v, sl["T"]))
    # -- slide changes
    if "video" in streams and truth.get("slideChanges"):
        fr = decode_luma(path)
        d = np.abs(np.diff(fr, axis=0)).mean(axis=(1, 2))  # d[i]: frame i -> i+1
        changes = truth["slideChanges"]
        near = np.zeros(len(d), bool)
        cuts = [(c["start"], c["end"]) for c in truth.get("cameraCuts", [])]
        for t in changes + [x for c in cuts for x in c]:
            i = int(round(t * VIDEO_FPS))
            near[max(0, i - 3):i + 3] = True
        at = [float(d[max(0, int(math.ceil(t * VIDEO_FPS)) - 2):int(math.ceil(t * VIDEO_FPS)) + 1].max())
              for t in changes]
        other = d[~near]
        print("  slide changes: %d; luma diff at changes min %.1f median %.1f; elsewhere median %.2f p99 %.2f max %.2f"
              % (len(changes), min(at), float(np.median(at)), float(np.median(other)),
                 float(np.percentile(other, 99)), float(other.max())))
        for t, v in zip(changes, at):
            if v < 3.0 or v <= float(np.percentile(other, 99)):
                problems.append("slide change at %.2f barely visible (diff %.2f)" % (t, v))
    for p in problems:
        print("  PROBLEM: " + p)
    return not problems


def main():
    ok = True
    for p in sys.argv[1:]:
        ok = check(p) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
