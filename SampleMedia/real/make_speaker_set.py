#!/usr/bin/env python3
"""Speaker-clustering check on real voices: two-speaker (and one three-speaker) "dialogues" whose
speakers have SIMILAR pitch.  See SampleMedia/real/README.md, "Speaker set".

Usage: make_speaker_set.py OUTDIR [SEED] [--split heldout|dev]
       (held-out: default seed 15; dev: default seed 16; deterministic per seed)

Built from the same Debian-packaged recordings as make_real_set.py, with its functions (decode,
Utterance, Mix, bed_pool ...): the reference is made the same way, from each CLEAN utterance before
mixing (frames > own floor + 15 dB, padded 50/100 ms, 1.5 s merge rule), never by a VAD.
Labels: the dominant speaker (most speech time) is `teacher`, every other voice `student`, the rest
`silence`.  `--split heldout` (the default, the original 8 files): `split: heldout`, `tuning: false`, only
measured, never tuned on.  `--split dev`: `split: dev`, `tuning: true`, for development: other voice
pairings, three voices the held-out files do not use (asterisk-prompt-fr-armelle, -es-co, -it-menardi),
and for the voices both splits share, only prompts the held-out files (seed 15) do not use.

Each speaker's median F0 is measured here on the clean utterances that go into the file (a plain
autocorrelation pitch estimate, numpy only; see median_f0) and written to the truth file
(`speakers`), with the pair's distance in semitones.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np
from scipy.signal import butter, sosfiltfilt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_real_set as R  # noqa: E402

GENERATOR_VERSION = 1
SPEECH_DBFS = -26.0

# ---------------------------------------------------------------------------------------------
# Pitch: autocorrelation of 40 ms Hann frames (10 ms hop) of the 60-900 Hz band; a frame is voiced when
# it is > 25 dB above the clip's own floor and its normalised autocorrelation peak in 60-400 Hz is >= 0.55;
# parabolic interpolation of the peak lag.  The median over all voiced frames of a speaker is its F0.

_SOS = butter(4, [60, 900], "bandpass", fs=R.SR, output="sos")


def f0_track(x, fmin=60.0, fmax=400.0, win=0.04, voiced_corr=0.55, above_floor_db=25.0):
    y = sosfiltfilt(_SOS, x)
    w, h = int(win * R.SR), R.HOP
    lo, hi = int(R.SR / fmax), int(R.SR / fmin)
    fdb = R.frame_db(x)
    floor = max(float(np.percentile(fdb, R.FLOOR_PERCENTILE)), R.FLOOR_CLAMP_DBFS)
    han = np.hanning(w)
    out = []
    for i in range(0, len(y) - w, h):
        if fdb[min(i // h, len(fdb) - 1)] < floor + above_floor_db:
            continue
        ac = np.fft.irfft(np.abs(np.fft.rfft(y[i:i + w] * han, 2 * w)) ** 2)[:w]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0]
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] < voiced_corr:
            continue
        a, b, c = ac[k - 1], ac[k], ac[k + 1]
        den = a - 2 * b + c
        out.append(R.SR / (k + (0.5 * (a - c) / den if den != 0 else 0.0)))
    return np.array(out)


def median_f0(utterances):
    v = np.concatenate([f0_track(u.x) for u in utterances])
    return float(np.median(v)), float(np.percentile(v, 25)), float(np.percentile(v, 75)), int(len(v))


def semitones(a, b):
    return abs(12 * np.log2(a / b))


# ---------------------------------------------------------------------------------------------

def dialogue(m, voices, start, end, teacher_share, gap_lo=0.3, gap_hi=2.5, rel=None):
    """voices: [(pool, role, speaker)], the first the teacher.  Turn-taking: the teacher speaks while its
    running share of speech time is below teacher_share, then one utterance of one of the others (in
    turn), then the teacher again.  rel: per-voice level offset range (dB) vs SPEECH_DBFS."""
    uses = [0] * len(voices)
    spoken = [0.0] * len(voices)
    t, cur, other = start, 0, 1
    while True:
        pool, role, _ = voices[cur]
        u = pool[uses[cur] % len(pool)]
        if t + len(u.x) / R.SR > end:
            break
        uses[cur] += 1
        lo, hi = rel[cur]
        lv = SPEECH_DBFS + m.rng.uniform(lo, hi)
        t = m.utter(u, t, lv, role)
        spoken[cur] += len(u.x) / R.SR
        t += m.rng.uniform(gap_lo, gap_hi)
        if cur != 0:
            cur = 0                              # a student turn is one utterance
        elif spoken[0] / sum(spoken) >= teacher_share:
            cur = other                          # the students take turns
            other = 1 + (other % (len(voices) - 1))
    return spoken


def prompt_pool(folder, package, speaker, language, rng, n, ext="wav", exclude=(), min_s=1.2, max_s=7.0):
    """Like make_real_set.asterisk_pool, for any prompt folder and extension (the asterisk-prompt-*
    packages ship GSM), leaving out the files in `exclude`."""
    files = sorted(glob.glob(os.path.join(R.need(os.path.join(R.AST, folder)), "*." + ext)))
    out = []
    for f in rng.permutation(files):
        if f in exclude:
            continue
        # es-co ships one prompt that ffmpeg cannot read (vm-first.gsm): skip what does not decode.
        if ext != "wav" and subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", f, "-f", "null", "-"],
                                           capture_output=True).returncode != 0:
            continue
        x = R.decode(f)
        if not (min_s <= len(x) / R.SR <= max_s):
            continue
        out.append(R.Utterance(package, f, x, speaker, language))
        if len(out) == n:
            break
    if len(out) < n:
        R.die(f"{folder}: only {len(out)} usable prompts")
    return out


HELDOUT_SEED = 15

# The dev split's extra voices (not used by make_real_set.py).
R.LICENCES.update({
    "asterisk-prompt-fr-armelle": "BSD-style (voice: Armelle Desjardins; (C) 2006 Michel Gutierrez)",
    "asterisk-prompt-es-co": "GPL-2 (Avatar Ltda. / July E. Jimenez)",
    "asterisk-prompt-it-menardi-wav": "CC-BY-SA-3.0 (Marco Menardi; voice: Paola Dal Zot)",
})


def heldout_pools(seed):
    rng = np.random.default_rng(seed)
    return {
        "allison-en": R.asterisk_pool("en_US_f_Allison", "asterisk-core-sounds-en-wav", "allison-en", "en", rng, 30),
        "allison-es": R.asterisk_pool("es_MX_f_Allison", "asterisk-core-sounds-es-wav", "allison-es", "es", rng, 30),
        "june-fr": R.asterisk_pool("fr_CA_f_June", "asterisk-core-sounds-fr-wav", "june-fr", "fr", rng, 30),
        "carlo-it": R.asterisk_pool("it_IT_m_Carlo", "asterisk-core-sounds-it-wav", "carlo-it", "it", rng, 30),
        "ivrvoice-ru": R.asterisk_pool("ru_RU_f_IvrvoiceRU", "asterisk-core-sounds-ru-wav", "ivrvoice-ru", "ru", rng, 30),
        "librivox": R.pocketsphinx_pool([os.path.relpath(p, R.PS) for p in sorted(glob.glob(R.PS + "/librivox/*.wav"))], "librivox-s&s"),
        "cards": R.pocketsphinx_pool([f"cards/00{i}.wav" for i in range(1, 6)], "cards"),
        "ps-misc": R.pocketsphinx_pool(["goforward.raw", "numbers.raw", "something.raw"], "pocketsphinx-misc"),
    }


def dev_pools(seed):
    """Dev voices: the three asterisk-prompt-* voices no held-out file uses, and the shared voices with
    only prompts the held-out files (seed 15) leave unused.  The pocketsphinx male pools are too small
    to split (8-23 s each): they are the same clips in both splits, in another pairing."""
    used = {u.path for k, p in heldout_pools(HELDOUT_SEED).items() if not k.startswith(("librivox", "cards", "ps-"))
            for u in p}
    rng = np.random.default_rng(seed)
    P = prompt_pool
    return {
        "armelle-fr": P("fr", "asterisk-prompt-fr-armelle", "armelle-fr", "fr", rng, 30, ext="gsm"),
        "esco-es": P("es", "asterisk-prompt-es-co", "esco-es", "es", rng, 30, ext="gsm"),
        "menardi-it": P("it_IT_f_Menardi", "asterisk-prompt-it-menardi-wav", "menardi-it", "it", rng, 30),
        "allison-en": P("en_US_f_Allison", "asterisk-core-sounds-en-wav", "allison-en", "en", rng, 30, exclude=used),
        "allison-es": P("es_MX_f_Allison", "asterisk-core-sounds-es-wav", "allison-es", "es", rng, 30, exclude=used),
        "june-fr": P("fr_CA_f_June", "asterisk-core-sounds-fr-wav", "june-fr", "fr", rng, 30, exclude=used),
        "carlo-it": P("it_IT_m_Carlo", "asterisk-core-sounds-it-wav", "carlo-it", "it", rng, 30, exclude=used),
        "ivrvoice-ru": P("ru_RU_f_IvrvoiceRU", "asterisk-core-sounds-ru-wav", "ivrvoice-ru", "ru", rng, 30, exclude=used),
        "cards": R.pocketsphinx_pool([f"cards/00{i}.wav" for i in range(1, 6)], "cards"),
        "ps-misc": R.pocketsphinx_pool(["goforward.raw", "numbers.raw", "something.raw"], "pocketsphinx-misc"),
    }


same = (-2.0, 2.0)          # teacher level range (dB vs -26 dBFS)
stud = (-3.0, 1.0)          # student: about as loud as the teacher (loudness is no cue)
# (name, duration, [speakers, teacher first], bed, teacher share, level ranges, language, description)
HELDOUT_RECIPES = [
    ("spk-f-allison-june", 75, ["allison-en", "june-fr"], "water", 0.65, [same, stud], "en+fr", "two women of similar pitch"),
    ("spk-f-allisones-ru", 70, ["allison-es", "ivrvoice-ru"], "printer", 0.65, [same, stud], "es+ru", "two women of similar pitch"),
    ("spk-f-ru-june", 80, ["ivrvoice-ru", "june-fr"], "hiss", 0.65, [same, stud], "ru+fr", "two women of similar pitch"),
    ("spk-m-librivox-cards", 65, ["librivox", "cards"], "furnace", 0.58, [same, stud], "en", "two men of similar pitch"),
    ("spk-m-librivox-psmisc", 65, ["librivox", "ps-misc"], "wind", 0.65, [same, stud], "en", "two men of similar pitch"),
    ("spk-x-carlo-allison", 75, ["carlo-it", "allison-en"], "sauna", 0.65, [same, stud], "it+en", "a man and a woman of similar pitch"),
    ("spk-3-allison-june-ru", 90, ["allison-en", "june-fr", "ivrvoice-ru"], "fire", 0.62, [same, stud, stud], "en+fr+ru",
     "three women of similar pitch: the teacher and two students"),
    ("spk-q-june-allison", 75, ["june-fr", "allison-en"], "printer", 0.67, [(-8.0, -4.0), (-1.0, 1.0)], "fr+en",
     "two women of similar pitch; the teacher (dominant) is 6 dB quieter than the student"),
]
# Dev: other pairings (all within 2 semitones), other beds per kind, other teacher shares.
DEV_RECIPES = [
    ("dev-f-armelle-esco", 75, ["armelle-fr", "esco-es"], "sauna", 0.63, [same, stud], "fr+es", "two women of similar pitch"),
    ("dev-f-allisones-armelle", 70, ["allison-es", "armelle-fr"], "water", 0.66, [same, stud], "es+fr", "two women of similar pitch"),
    ("dev-f-esco-ru", 80, ["esco-es", "ivrvoice-ru"], "fire", 0.65, [same, stud], "es+ru", "two women of similar pitch"),
    ("dev-f-menardi-allison", 75, ["menardi-it", "allison-en"], "hiss", 0.64, [same, stud], "it+en", "two women of similar pitch"),
    ("dev-m-cards-psmisc", 60, ["ps-misc", "cards"], "printer", 0.6, [same, stud], "en", "two men of similar pitch"),
    ("dev-x-carlo-menardi", 75, ["carlo-it", "menardi-it"], "furnace", 0.66, [same, stud], "it", "a man and a woman of similar pitch"),
    ("dev-3-armelle-esco-june", 90, ["armelle-fr", "esco-es", "june-fr"], "wind", 0.6, [same, stud, stud], "fr+es+fr",
     "three women of similar pitch: the teacher and two students"),
    ("dev-q-esco-armelle", 75, ["esco-es", "armelle-fr"], "water", 0.68, [(-8.0, -4.0), (-1.0, 1.0)], "es+fr",
     "two women of similar pitch; the teacher (dominant) is 6 dB quieter than the student"),
]


def build(outdir, seed, split="heldout"):
    pools = heldout_pools(seed) if split == "heldout" else dev_pools(seed)
    recipes = HELDOUT_RECIPES if split == "heldout" else DEV_RECIPES
    f0 = {k: median_f0(v) for k, v in pools.items()}
    for k, (med, q1, q3, n) in f0.items():
        print(f"F0 {k:12s} median {med:6.1f} Hz  IQR {q1:5.0f}-{q3:5.0f}  ({n} voiced frames, {len(pools[k])} clips, "
              f"{sum(len(u.x) for u in pools[k]) / R.SR:.1f} s)")
    M = R.MT
    beds = {
        "water": R.bed_pool([("minetest-data", f"{M}/env_sounds/sounds/env_sounds_water.{i}.ogg") for i in (1, 2, 3, 4)]),
        "furnace": R.bed_pool([("minetest-data", f"{M}/default/sounds/default_furnace_active.ogg")]),
        "fire": R.bed_pool([("minetest-data", f"{M}/fire/sounds/fire_small.ogg"), ("minetest-data", f"{M}/fire/sounds/fire_fire.1.ogg")]),
        "printer": R.bed_pool([("sonic-pi-samples", f"{R.SPI}/loop_3d_printer.flac")]),
        "hiss": R.bed_pool([("sonic-pi-samples", f"{R.SPI}/vinyl_hiss.flac")]),
        "sauna": R.bed_pool([("sonic-pi-samples", f"{R.SPI}/ambi_sauna.flac")]),
        "wind": R.bed_pool([("openttd-opensfx", 52), ("openttd-opensfx", 57)]),
    }
    d = os.path.join(outdir)
    os.makedirs(d, exist_ok=True)
    rows = []
    for k, (name, dur, spk, bed, share, rel, lang, desc) in enumerate(recipes):
        fseed = seed * 100 + k
        m = R.Mix(dur, np.random.default_rng(fseed))
        snr = float(m.rng.uniform(15, 20))
        m.bed(beds[bed], 0, dur, SPEECH_DBFS - snr)
        voices = [(pools[s], "teacher" if i == 0 else "student", s) for i, s in enumerate(spk)]
        spoken = dialogue(m, voices, m.rng.uniform(0.5, 2.0), dur - 0.5, share, rel=rel)
        fname = name + ".wav"
        m.write(os.path.join(d, fname))
        tl = m.timeline()
        talk = {l + "Seconds": round(sum(s["end"] - s["start"] for s in tl if s["label"] == l), 2)
                for l in ("teacher", "student", "multi", "silence", "media")}
        levels = {}
        for s in m.speech:
            levels.setdefault(s["speaker"], []).append(s["levelDBFS"])
        speakers = []
        for i, s in enumerate(spk):
            sid = pools[s][0].speaker
            speakers.append({"id": sid, "role": voices[i][1], "medianF0Hz": round(f0[s][0], 1),
                             "f0IQRHz": [round(f0[s][1]), round(f0[s][2])],
                             "cleanSpeechSeconds": round(spoken[i], 2),
                             "meanLevelDBFS": round(float(np.mean(levels.get(sid, [np.nan]))), 1)})
        tot = sum(spoken)
        truth = {
            "file": fname, "durationSeconds": float(dur), "language": lang, "seed": fseed,
            "command": f"python3 SampleMedia/real/make_speaker_set.py OUTDIR {seed} --split {split}",
            "timeline": tl, "tuning": split == "dev", "split": split, "real": True,
            "generatorVersion": GENERATOR_VERSION,
            "description": f"speaker check: {desc}; alternating with 0.3-2.5 s gaps; bed SNR {snr:.1f} dB",
            "referenceMethod": ("speech = frames of the clean utterance (before mixing) whose 10 ms RMS exceeds its own floor "
                                "(p2 of its frame levels, clamped >= -70 dBFS) by 15 dB, padded 50 ms before / 100 ms after; "
                                "the dominant speaker = teacher, the others = student; all else silence; "
                                "then the 1.5 s same-label merge rule; no VAD involved"),
            "audio": {"sampleRate": R.SR, "channels": 1, "codec": "pcm_s16le"}, "container": "wav",
            "talk": talk, "snrDB": round(snr, 1),
            "speakers": speakers,
            "f0DistanceSemitones": round(max(semitones(f0[a][0], f0[b][0]) for a in spk for b in spk), 2),
            "teacherShareOfSpeech": round(spoken[0] / tot, 3),
            "speech": m.speech, "noise": m.noise, "media": [],
            "sources": sorted(m.sources.values(), key=lambda s: s["file"]),
        }
        with open(os.path.join(d, name + ".truth.json"), "w") as f:
            json.dump(truth, f, indent=1, ensure_ascii=False)
        rows.append(truth)
        print(f"{fname:28s} {dur:3d} s  SNR {snr:4.1f} dB  teacher share {spoken[0] / tot:.2f}  "
              f"F0 {' / '.join(f'{f0[s][0]:.0f}' for s in spk)} Hz ({truth['f0DistanceSemitones']:.2f} st)  "
              f"ref T {talk['teacherSeconds']:.1f} s S {talk['studentSeconds']:.1f} s")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("seed", nargs="?", type=int, default=None, help="default 15 (heldout), 16 (dev)")
    ap.add_argument("--split", choices=("heldout", "dev"), default="heldout")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else (HELDOUT_SEED if a.split == "heldout" else 16)
    if a.split == "dev" and seed == HELDOUT_SEED:
        ap.error("the dev split needs a seed other than the held-out seed 15")
    rows = build(a.outdir, seed, a.split)
    print(f"{len(rows)} files in {a.outdir}")


if __name__ == "__main__":
    main()
