#!/usr/bin/env python3
"""Assemble LessonLens's real-audio dev / held-out set from recorded speech, noise and music that
Debian packages (and the silero-vad source distribution) ship.  See SampleMedia/real/README.md.

Usage: make_real_set.py OUTDIR [--seed N]   (normally run through make_real_set.sh)

Every output file X.wav / X.m4a gets X.truth.json (docs/TRUTH-FORMAT.md).  The reference timeline is
made from the CLEAN sources before mixing: an utterance's speech extent is where its own 10 ms frame
RMS is more than 15 dB above its own silence floor (floor = 2nd percentile of its frame levels,
clamped to >= -70 dBFS), padded 50 ms before and 100 ms after; music placed in the mix is `media`;
everything else (noise beds, noise events, fades) is `silence`; then the 1.5 s same-label merge rule.
No voice-activity detector runs on any audio to make a reference.

Only numpy/scipy and the ffmpeg CLI are used (no torch).  Deterministic for a given seed.
"""
import argparse
import glob
import io
import json
import os
import struct
import subprocess
import sys
import warnings

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

warnings.filterwarnings("ignore", message="Reached EOF prematurely")

SR = 16000
HOP = 160                      # 10 ms frames
FLOOR_PERCENTILE = 2
FLOOR_CLAMP_DBFS = -70.0
ABOVE_FLOOR_DB = 15.0
PAD_BEFORE = 0.05
PAD_AFTER = 0.10
MERGE_SECONDS = 1.5
GENERATOR_VERSION = 1

AST = "/usr/share/asterisk/sounds"
MOH = "/usr/share/asterisk/moh"
PS = "/usr/share/pocketsphinx/test/data"
MT = "/usr/share/games/minetest/games/minetest_game/mods"
SPI = "/usr/share/sonic-pi/samples"
OPENSFX = "/usr/share/games/openttd/baseset/opensfx/opensfx.cat"
SILERO_SDIST = os.environ.get("SILERO_SDIST", "/tmp/sdist/silero_vad-6.2.3")

LICENCES = {
    "asterisk-core-sounds-en-wav": "CC-BY-SA-3.0 (Allison Smith)",
    "asterisk-core-sounds-es-wav": "CC-BY-SA-3.0 (Allison Smith)",
    "asterisk-core-sounds-fr-wav": "CC-BY-SA-3.0 (June Wallack)",
    "asterisk-core-sounds-it-wav": "CC-BY-SA-3.0 (Carlo Flora)",
    "asterisk-core-sounds-ru-wav": "CC-BY-3.0 (Maxim Topal, ivrvoice.ru)",
    "asterisk-moh-opsound-wav": "CC-BY-SA-3.0 (Macroform, Manolo Camp, Reno Project)",
    "pocketsphinx-testdata": "BSD-2-clause (CMU); LibriVox recordings are public domain",
    "minetest-data": "CC-BY-SA-3.0 (minetest_game sounds; see each mod's license.txt)",
    "sonic-pi-samples": "CC0-1.0 (freesound.org recordings, see the package's copyright file)",
    "openttd-opensfx": "CC-BY-SA-3.0 as a collection (items CC-BY-3.0 / CC0, credited in the .cat)",
    "silero-vad sdist (PyPI)": "MIT (silero-vad repository)",
}


def die(msg):
    sys.stderr.write(f"make_real_set: {msg}\n")
    sys.exit(1)


def need(path):
    if not os.path.exists(path):
        die(f"missing source {path} (is its package installed? run make_real_set.sh)")
    return path


def _pcm_wav(src):
    """16 kHz mono float64 from a PCM WAV (path or bytes) with scipy, or None when it is not plain PCM."""
    try:
        rate, x = wavfile.read(io.BytesIO(src) if isinstance(src, bytes) else src)
    except Exception:
        return None
    if x.dtype != np.int16:
        return None
    x = x.astype(np.float64) / 32768.0
    if x.ndim == 2:
        x = x.mean(1)
    if rate != SR:
        from math import gcd
        g = gcd(SR, rate)
        x = resample_poly(x, SR // g, rate // g)
    return x


def decode(path=None, data=None, raw=False):
    """Decode to 16 kHz mono: PCM WAV with scipy (fast), anything else with the ffmpeg CLI."""
    if raw:
        return np.fromfile(path, "<i2").astype(np.float64) / 32768.0
    if path is None or path.endswith(".wav"):
        x = _pcm_wav(data if path is None else path)
        if x is not None:
            return x
    args = ["ffmpeg", "-v", "error", "-nostdin"]
    if raw:
        args += ["-f", "s16le", "-ar", "16000", "-ac", "1"]
    args += ["-i", path if path else "pipe:0", "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"]
    r = subprocess.run(args, input=data, capture_output=True)
    if r.returncode != 0:
        die(f"ffmpeg could not decode {path or 'opensfx entry'}: {r.stderr.decode()[:200]}")
    return np.frombuffer(r.stdout, np.float32).astype(np.float64)


_opensfx = None


def opensfx(index):
    """One RIFF wave out of OpenSFX's opensfx.cat (a table of (offset, size) pairs, each entry a
    length-prefixed description followed by the RIFF file)."""
    global _opensfx
    if _opensfx is None:
        _opensfx = open(need(OPENSFX), "rb").read()
    d = _opensfx
    off, size = struct.unpack_from("<II", d, 8 * index)
    off &= 0x7FFFFFFF
    size &= 0x7FFFFFFF
    nl = d[off]
    name = d[off + 1:off + 1 + nl].rstrip(b"\0").decode("latin1")
    return decode(data=d[off + 1 + nl:off + size]), name


def frame_db(x):
    n = len(x) // HOP
    if n == 0:
        return np.array([-120.0])
    fr = x[:n * HOP].reshape(n, HOP)
    return 10 * np.log10((fr ** 2).mean(1) + 1e-12)


def db(x):
    return 10 * np.log10((x ** 2).mean() + 1e-12)


class Source:
    def __init__(self, package, path, x, kind, note=None):
        self.package, self.path, self.x, self.kind, self.note = package, path, x, kind, note

    def describe(self):
        d = {"package": self.package, "file": self.path, "licence": LICENCES[self.package], "kind": self.kind}
        if self.note:
            d["note"] = self.note
        return d


class Utterance(Source):
    """A clean recorded utterance trimmed to its speech extent (from its own floor)."""

    def __init__(self, package, path, x, speaker, language, note=None):
        fdb = frame_db(x)
        floor = max(float(np.percentile(fdb, FLOOR_PERCENTILE)), FLOOR_CLAMP_DBFS)
        thr = floor + ABOVE_FLOOR_DB
        on = fdb > thr
        if not on.any():
            die(f"{path}: no frame above its floor + {ABOVE_FLOOR_DB} dB")
        # speech mask at frame resolution, padded
        idx = np.flatnonzero(on)
        mask = np.zeros(len(fdb), bool)
        pb, pa = int(round(PAD_BEFORE * 100)), int(round(PAD_AFTER * 100))
        for i in idx:
            mask[max(0, i - pb):i + pa + 1] = True
        first, last = int(np.flatnonzero(mask)[0]), int(np.flatnonzero(mask)[-1])
        seg = x[first * HOP:(last + 1) * HOP].copy()
        fade = min(len(seg) // 4, int(0.01 * SR))
        if fade > 0:
            seg[:fade] *= np.linspace(0, 1, fade)
            seg[-fade:] *= np.linspace(1, 0, fade)
        super().__init__(package, path, seg, "speech", note)
        self.mask = mask[first:last + 1]          # speech frames inside the trimmed clip
        self.active_db = db(seg[np.repeat(self.mask, HOP)[:len(seg)]])
        self.floor_db, self.threshold_db = floor, thr
        self.speaker, self.language = speaker, language


# ---------------------------------------------------------------------------------------------
# Source pools.  Split by SOURCE: dev and held-out share no speaker, no noise recording and no music.

def asterisk_pool(folder, package, speaker, language, rng, n, min_s=1.2, max_s=7.0):
    files = sorted(glob.glob(os.path.join(need(os.path.join(AST, folder)), "*.wav")))
    if len(files) < n:
        die(f"{folder}: only {len(files)} prompts")
    out = []
    for f in rng.permutation(files):
        x = decode(f)
        if not (min_s <= len(x) / SR <= max_s):
            continue
        out.append(Utterance(package, f, x, speaker, language))
        if len(out) == n:
            break
    return out


def pocketsphinx_pool(names, speaker):
    out = []
    for name in names:
        p = need(os.path.join(PS, name))
        out.append(Utterance("pocketsphinx-testdata", p, decode(p, raw=p.endswith(".raw")), speaker, "en"))
    return out


def bed_pool(items):
    out = []
    for pkg, path in items:
        if pkg == "openttd-opensfx":
            x, name = opensfx(path)
            out.append(Source(pkg, f"{OPENSFX}#{path}", x, "noise", name[:160]))
        else:
            out.append(Source(pkg, need(path), decode(path), "noise"))
    return out


def music(path):
    return Source("asterisk-moh-opsound-wav", need(path), decode(path), "music")


# ---------------------------------------------------------------------------------------------

class Mix:
    def __init__(self, seconds, rng):
        self.n = int(round(seconds * SR))
        self.y = np.zeros(self.n)
        self.labels = np.array(["silence"] * (self.n // HOP + 1), dtype=object)
        self.rng = rng
        self.speech, self.noise, self.media, self.sources = [], [], [], {}

    def _src(self, s):
        self.sources[s.path] = s.describe()

    def add(self, x, at, gain_db):
        i = int(round(at * SR))
        j = min(self.n, i + len(x))
        if j > i:
            self.y[i:j] += x[:j - i] * 10 ** (gain_db / 20)

    def bed(self, sources, start, end, level_dbfs, xfade=0.25):
        """A continuous bed from random stretches of the given recordings, cross-faded, at level_dbfs RMS."""
        need_n = int(round((end - start) * SR))
        out = np.zeros(0)
        xf = int(xfade * SR)
        used = []
        while len(out) < need_n + xf:
            s = sources[self.rng.integers(len(sources))]
            x = s.x
            a = int(self.rng.integers(0, max(1, len(x) - xf * 4)))
            piece = x[a:].copy()
            if len(piece) < 3 * xf:
                piece = x.copy()
            piece = piece / (np.sqrt((piece ** 2).mean()) + 1e-12)
            used.append(s)
            if len(out) == 0:
                out = piece
            else:
                r = np.linspace(0, 1, xf)
                out[-xf:] = out[-xf:] * np.sqrt(1 - r) + piece[:xf] * np.sqrt(r)
                out = np.concatenate([out, piece[xf:]])
        out = out[:need_n]
        f = min(len(out) // 4, int(0.3 * SR))
        out[:f] *= np.linspace(0, 1, f)
        out[-f:] *= np.linspace(1, 0, f)
        self.add(out, start, level_dbfs)
        for s in {id(s): s for s in used}.values():
            self._src(s)
        self.noise.append({"start": round(start, 3), "end": round(end, 3), "kind": "bed",
                           "levelDBFS": round(level_dbfs, 1), "sources": sorted({s.path for s in used})})

    def event(self, s, at, level_dbfs):
        """A noise event whose loudest 100 ms has RMS level_dbfs."""
        x = s.x
        k = int(0.1 * SR)
        if len(x) > k:
            e = np.convolve(x ** 2, np.ones(k) / k, mode="valid").max()
        else:
            e = (x ** 2).mean()
        peak = 10 * np.log10(e + 1e-12)
        self.add(x, at, level_dbfs - peak)
        self._src(s)
        self.noise.append({"start": round(at, 3), "end": round(min(at + len(x) / SR, self.n / SR), 3), "kind": "event",
                           "peakDBFS": round(level_dbfs, 1), "source": s.path})

    def events(self, pool, start, end, every, lo, hi):
        t = start + self.rng.uniform(0, every)
        while t < end - 0.5:
            s = pool[self.rng.integers(len(pool))]
            self.event(s, t, self.rng.uniform(lo, hi))
            t += self.rng.uniform(0.5 * every, 1.5 * every)

    def utter(self, u, at, level_dbfs, role):
        g = level_dbfs - u.active_db
        self.add(u.x, at, g)
        f0 = int(round(at * 100))
        for k, on in enumerate(u.mask):
            if on and 0 <= f0 + k < len(self.labels):
                self.labels[f0 + k] = role
        ext = np.flatnonzero(u.mask)
        self.speech.append({"start": round(at + ext[0] / 100, 2), "end": round(at + (ext[-1] + 1) / 100, 2),
                            "speaker": u.speaker, "role": role, "language": u.language, "source": u.path,
                            "levelDBFS": round(level_dbfs, 1), "sourceFloorDBFS": round(u.floor_db, 1),
                            "thresholdDBFS": round(u.threshold_db, 1)})
        self._src(u)
        return at + len(u.x) / SR

    def music(self, m, start, end, level_dbfs):
        need_n = int(round((end - start) * SR))
        a = int(self.rng.integers(0, max(1, len(m.x) - need_n)))
        x = m.x[a:a + need_n].copy()
        x /= np.sqrt((x ** 2).mean()) + 1e-12
        f = int(0.05 * SR)
        x[:f] *= np.linspace(0, 1, f)
        x[-f:] *= np.linspace(1, 0, f)
        self.add(x, start, level_dbfs)
        self.labels[int(round(start * 100)):int(round(end * 100))] = "media"
        self.media.append({"start": round(start, 2), "end": round(end, 2), "kind": "music", "source": m.path,
                           "offsetSeconds": round(a / SR, 2), "levelDBFS": round(level_dbfs, 1)})
        self._src(m)

    def talk(self, voices, start, end, level, gap_lo, gap_hi, student_rel=(-9, -3)):
        """Utterances from voices [(pool, role)], alternating when there are two, separated by real gaps."""
        t = start
        turn = 0
        uses = {id(p): 0 for p, _ in voices}
        while True:
            pool, role = voices[turn % len(voices)]
            u = pool[uses[id(pool)] % len(pool)]
            if t + len(u.x) / SR > end:
                break
            uses[id(pool)] += 1
            lv = level + self.rng.uniform(-2, 2) + (self.rng.uniform(*student_rel) if role == "student" else 0)
            t = self.utter(u, t, lv, role)
            t += self.rng.uniform(gap_lo, gap_hi)
            if len(voices) > 1 and self.rng.random() < 0.7:
                turn += 1
        return t

    def timeline(self):
        dur = self.n / SR
        nf = int(round(dur * 100))
        lab = list(self.labels[:nf])
        segs = []
        for k, l in enumerate(lab):
            if segs and segs[-1][2] == l:
                segs[-1][1] = k + 1
            else:
                segs.append([k, k + 1, l])
        # 1.5 s same-label merge rule: a silence shorter than 1.5 s between two stretches of one label
        # belongs to that label.
        changed = True
        while changed:
            changed = False
            for i in range(1, len(segs) - 1):
                a, g, b = segs[i - 1], segs[i], segs[i + 1]
                if g[2] == "silence" and a[2] == b[2] and a[2] != "silence" and (g[1] - g[0]) < MERGE_SECONDS * 100:
                    segs[i - 1:i + 2] = [[a[0], b[1], a[2]]]
                    changed = True
                    break
        out = [{"start": round(s / 100, 2), "end": round(e / 100, 2), "label": l} for s, e, l in segs]
        out[-1]["end"] = round(dur, 3)
        return out

    def write(self, path, container="wav", rate=SR):
        peak = np.abs(self.y).max()
        if peak > 0.99:
            die(f"{path}: clipped mix (peak {peak:.2f}); adjust levels")
        pcm = np.clip(self.y * 32767, -32768, 32767).astype(np.int16)
        if container == "wav" and rate == SR:
            wavfile.write(path, SR, pcm)
            return
        buf = io.BytesIO()
        wavfile.write(buf, SR, pcm)
        args = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", "pipe:0", "-ar", str(rate), "-ac", "1"]
        args += ["-c:a", "aac", "-b:a", "96k"] if container == "m4a" else []
        r = subprocess.run(args + [path], input=buf.getvalue(), capture_output=True)
        if r.returncode != 0:
            die(f"ffmpeg could not write {path}: {r.stderr.decode()[:200]}")


# ---------------------------------------------------------------------------------------------

def build(outdir, base_seed):
    t_dev = np.random.default_rng(base_seed)
    # --- dev sources -----------------------------------------------------------------------
    dev_teacher_en = asterisk_pool("en_US_f_Allison", "asterisk-core-sounds-en-wav", "allison-en", "en", t_dev, 40)
    dev_teacher_es = asterisk_pool("es_MX_f_Allison", "asterisk-core-sounds-es-wav", "allison-es", "es", t_dev, 20)
    dev_student_libri = pocketsphinx_pool([os.path.relpath(p, PS) for p in sorted(glob.glob(PS + "/librivox/*.wav"))], "librivox-s&s")
    dev_student_cards = pocketsphinx_pool([f"cards/00{i}.wav" for i in range(1, 6)], "cards")
    dev_beds = {
        "water": bed_pool([("minetest-data", f"{MT}/env_sounds/sounds/env_sounds_water.{i}.ogg") for i in (1, 2, 3, 4)]),
        "furnace": bed_pool([("minetest-data", f"{MT}/default/sounds/default_furnace_active.ogg")]),
        "fire": bed_pool([("minetest-data", f"{MT}/fire/sounds/fire_small.ogg"), ("minetest-data", f"{MT}/fire/sounds/fire_fire.1.ogg")]),
    }
    dev_events = bed_pool(
        [("minetest-data", f"{MT}/doors/sounds/{n}.ogg") for n in ("doors_door_open", "doors_door_close", "doors_fencegate_open", "doors_fencegate_close", "doors_steel_door_close")]
        + [("minetest-data", f"{MT}/default/sounds/{n}.ogg") for n in ("default_chest_open", "default_chest_close", "default_wood_footstep.1", "default_wood_footstep.2", "default_hard_footstep.1", "default_hard_footstep.2", "default_hard_footstep.3", "default_place_node_hard.1", "default_dug_node.1", "default_break_glass.1")]
        + [("minetest-data", f"{MT}/carts/sounds/carts_cart_moving.{i}.ogg") for i in (1, 2)])
    dev_music = [music(f"{MOH}/macroform-cold_day.wav"), music(f"{MOH}/macroform-robot_dity.wav"), music(f"{MOH}/macroform-the_simplicity.wav")]

    # --- held-out sources --------------------------------------------------------------------
    t_ho = np.random.default_rng(base_seed + 1)
    ho_teacher_fr = asterisk_pool("fr_CA_f_June", "asterisk-core-sounds-fr-wav", "june-fr", "fr", t_ho, 30)
    ho_teacher_it = asterisk_pool("it_IT_m_Carlo", "asterisk-core-sounds-it-wav", "carlo-it", "it", t_ho, 30)
    ho_teacher_ru = asterisk_pool("ru_RU_f_IvrvoiceRU", "asterisk-core-sounds-ru-wav", "ivrvoice-ru", "ru", t_ho, 30)
    ho_student = pocketsphinx_pool(["goforward.raw", "numbers.raw", "something.raw", "tidigits/dhd.2934z.raw"], "pocketsphinx-misc")
    sil = need(os.path.join(SILERO_SDIST, "tests/data/test.wav"))
    ho_long = Utterance("silero-vad sdist (PyPI)", sil, decode(sil), "silero-test", "en",
                        note="60 s of one talker; speech extent from its own floor frame by frame")
    ho_beds = {
        "printer": bed_pool([("sonic-pi-samples", f"{SPI}/loop_3d_printer.flac")]),
        "hiss": bed_pool([("sonic-pi-samples", f"{SPI}/vinyl_hiss.flac")]),
        "sauna": bed_pool([("sonic-pi-samples", f"{SPI}/ambi_sauna.flac")]),
        "wind": bed_pool([("openttd-opensfx", 52), ("openttd-opensfx", 57)]),
    }
    ho_events = bed_pool([("openttd-opensfx", i) for i in (25, 27, 28, 33, 39, 40, 11, 20, 15, 16)]
                         + [("sonic-pi-samples", f"{SPI}/perc_door.flac"), ("sonic-pi-samples", f"{SPI}/perc_till.flac")])
    ho_music = [music(f"{MOH}/manolo_camp-morning_coffee.wav"), music(f"{MOH}/reno_project-system.wav")]

    recipes = []

    def lecture(name, split, dur, teacher, beds, events, snr, ev_every, ev_rel, gaps=(0.5, 8.0), lang="en", **kw):
        def make(m):
            lvl = -26.0
            m.bed(beds, 0, dur, lvl - snr)
            if events:
                m.events(events, 0, dur, ev_every, lvl - ev_rel[1], lvl - ev_rel[0])
            m.talk([(teacher, "teacher")], m.rng.uniform(0.5, 3.0), dur - 0.5, lvl, *gaps)
        recipes.append((name, split, dur, make, lang, f"lecture: one voice, real gaps {gaps[0]}-{gaps[1]} s, bed SNR {snr} dB, events", kw))

    def dialogue(name, split, dur, teacher, student, beds, events, snr, lang="en", **kw):
        def make(m):
            lvl = -26.0
            m.bed(beds, 0, dur, lvl - snr)
            if events:
                m.events(events, 0, dur, 7.0, lvl - 12, lvl - 3)
            m.talk([(teacher, "teacher"), (student, "student")], m.rng.uniform(0.5, 2.0), dur - 0.5, lvl, 0.3, 2.5)
        recipes.append((name, split, dur, make, lang, f"two voices alternating with short gaps, bed SNR {snr} dB", kw))

    def noise_only(name, split, dur, beds, events, bed_dbfs, ev_every, ev_dbfs, **kw):
        def make(m):
            m.bed(beds, 0, dur, bed_dbfs)
            if events:
                m.events(events, 0, dur, ev_every, *ev_dbfs)
        recipes.append((name, split, dur, make, None, f"noise only: bed {bed_dbfs} dBFS, events {ev_dbfs} dBFS peak", kw))

    def music_only(name, split, dur, m_src, **kw):
        def make(m):
            m.music(m_src, 0, dur, -24.0)
        recipes.append((name, split, dur, make, None, "music only", kw))

    def sequence(name, split, dur, m_src, beds, events, teacher, snr, lang="en", **kw):
        def make(m):
            lvl = -26.0
            t1 = m.rng.uniform(12, 18)
            t2 = t1 + m.rng.uniform(8, 14)
            m.music(m_src, 0, t1, -24.0 + m.rng.uniform(-3, 3))
            m.bed(beds, t1 - 0.3, dur, lvl - snr)
            m.events(events, t1, t2, 4.0, lvl - 12, lvl - 3)
            m.talk([(teacher, "teacher")], t2, dur - 0.5, lvl, 0.5, 6.0)
        recipes.append((name, split, dur, make, lang, f"music -> noise -> speech, bed SNR {snr} dB", kw))

    # dev (tuning allowed)
    lecture("dev-lecture-quiet-en", "dev", 60, dev_teacher_en, dev_beds["water"], None, 32, 0, (0, 0))
    lecture("dev-lecture-water-en", "dev", 75, dev_teacher_en, dev_beds["water"], dev_events, 15, 6.0, (3, 12))
    lecture("dev-lecture-furnace-en", "dev", 60, dev_teacher_en, dev_beds["furnace"], dev_events, 6, 6.0, (0, 10))
    lecture("dev-lecture-fire-es", "dev", 60, dev_teacher_es, dev_beds["fire"], dev_events, 20, 8.0, (3, 12), lang="es")
    dialogue("dev-dialogue-libri", "dev", 75, dev_teacher_en, dev_student_libri, dev_beds["water"], dev_events, 15)
    dialogue("dev-dialogue-cards", "dev", 60, dev_teacher_es, dev_student_cards, dev_beds["furnace"], dev_events, 10, lang="es+en")
    noise_only("dev-noise-water-events", "dev", 40, dev_beds["water"], dev_events, -40, 3.0, (-36, -20))
    noise_only("dev-noise-furnace-events", "dev", 30, dev_beds["furnace"] + dev_beds["fire"], dev_events, -34, 2.5, (-32, -18))
    noise_only("dev-noise-quiet-room", "dev", 30, dev_beds["water"], dev_events, -58, 9.0, (-45, -35))
    music_only("dev-music-cold-day", "dev", 35, dev_music[0])
    sequence("dev-sequence-robot", "dev", 75, dev_music[1], dev_beds["water"], dev_events, dev_teacher_en, 15)
    sequence("dev-sequence-simplicity", "dev", 60, dev_music[2], dev_beds["furnace"], dev_events, dev_teacher_en, 10,
             container="m4a", rate=48000)
    # held-out (never tuned on)
    lecture("ho-lecture-quiet-fr", "heldout", 60, ho_teacher_fr, ho_beds["hiss"], None, 30, 0, (0, 0), lang="fr")
    lecture("ho-lecture-printer-it", "heldout", 75, ho_teacher_it, ho_beds["printer"], ho_events, 12, 6.0, (3, 12), lang="it")
    lecture("ho-lecture-sauna-ru", "heldout", 60, ho_teacher_ru, ho_beds["sauna"], ho_events, 8, 7.0, (0, 10), lang="ru")

    def long_talk(m, dur=75):
        lvl = -26.0
        m.bed(ho_beds["wind"] + ho_beds["printer"], 0, dur, lvl - 15)
        m.events(ho_events, 0, dur, 8.0, lvl - 12, lvl - 3)
        m.utter(ho_long, m.rng.uniform(5, 9), lvl, "teacher")
    recipes.append(("ho-long-talker-en", "heldout", 75, long_talk, "en", "one 60 s real talk (silero test.wav) over wind/machinery, SNR 15 dB", {}))
    dialogue("ho-dialogue-fr", "heldout", 60, ho_teacher_fr, ho_student, ho_beds["printer"], ho_events, 15, lang="fr+en")
    dialogue("ho-dialogue-it", "heldout", 60, ho_teacher_it, ho_student, ho_beds["wind"], ho_events, 10, lang="it+en")
    noise_only("ho-noise-printer-traffic", "heldout", 40, ho_beds["printer"], ho_events, -40, 3.0, (-36, -20))
    noise_only("ho-noise-wind-events", "heldout", 30, ho_beds["wind"], ho_events, -34, 2.5, (-32, -18))
    noise_only("ho-noise-quiet-room", "heldout", 30, ho_beds["hiss"], ho_events, -58, 9.0, (-45, -35))
    music_only("ho-music-morning-coffee", "heldout", 35, ho_music[0])
    sequence("ho-sequence-system", "heldout", 75, ho_music[1], ho_beds["sauna"], ho_events, ho_teacher_it, 15, lang="it")
    sequence("ho-sequence-coffee", "heldout", 60, ho_music[0], ho_beds["printer"], ho_events, ho_teacher_ru, 10, lang="ru",
             container="m4a", rate=48000)

    index = []
    for k, (name, split, dur, make, lang, desc, kw) in enumerate(recipes):
        seed = base_seed * 100 + k
        m = Mix(dur, np.random.default_rng(seed))
        make(m)
        container = kw.get("container", "wav")
        rate = kw.get("rate", SR)
        d = os.path.join(outdir, split)
        os.makedirs(d, exist_ok=True)
        fname = f"{name}.{container}"
        m.write(os.path.join(d, fname), container, rate)
        tl = m.timeline()
        talk = {l + "Seconds": round(sum(s["end"] - s["start"] for s in tl if s["label"] == l), 2)
                for l in ("teacher", "student", "multi", "silence", "media")}
        truth = {
            "file": fname, "durationSeconds": round(dur, 3), "language": lang, "seed": seed,
            "command": f"SampleMedia/real/make_real_set.sh OUTDIR {base_seed}",
            "timeline": tl, "tuning": split == "dev", "split": split, "real": True,
            "generatorVersion": GENERATOR_VERSION, "description": desc,
            "referenceMethod": (f"speech = frames of the clean utterance (before mixing) whose 10 ms RMS exceeds its own floor "
                                f"(p{FLOOR_PERCENTILE} of its frame levels, clamped >= {FLOOR_CLAMP_DBFS:.0f} dBFS) by {ABOVE_FLOOR_DB:.0f} dB, "
                                f"padded {int(PAD_BEFORE * 1000)} ms before / {int(PAD_AFTER * 1000)} ms after; music = media; all else silence; "
                                f"then the 1.5 s same-label merge rule; no VAD involved"),
            "audio": {"sampleRate": rate, "channels": 1, "codec": "aac" if container == "m4a" else "pcm_s16le"},
            "container": container,
            "talk": talk, "speech": m.speech, "noise": m.noise, "media": m.media,
            "sources": sorted(m.sources.values(), key=lambda s: s["file"]),
        }
        with open(os.path.join(d, name + ".truth.json"), "w") as f:
            json.dump(truth, f, indent=1, ensure_ascii=False)
        index.append((split, fname, dur))
        print(f"{split:8s} {fname:34s} {dur:5.0f} s  speech {talk['teacherSeconds'] + talk['studentSeconds']:5.1f} s  media {talk['mediaSeconds']:5.1f} s")
    # aepyx.wav: real multi-speaker broadcast, but no honest frame reference can be made here (no hand
    # labels, speech over background); copied WITHOUT a truth file, for speaker-count checks only.
    ae = os.path.join(SILERO_SDIST, "examples/c++/aepyx.wav")
    if os.path.exists(ae):
        os.makedirs(os.path.join(outdir, "unscored"), exist_ok=True)
        subprocess.run(["cp", ae, os.path.join(outdir, "unscored", "aepyx.wav")], check=True)
    return index


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("seed", nargs="?", type=int, default=11)
    a = ap.parse_args()
    idx = build(a.outdir, a.seed)
    print(f"{len(idx)} files, {sum(d for _, _, d in idx) / 60:.1f} min in {a.outdir}/dev and {a.outdir}/heldout")


if __name__ == "__main__":
    main()
