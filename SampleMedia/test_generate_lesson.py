#!/usr/bin/env python3
"""Unit tests for the truth rules of generate_lesson.py: python3 SampleMedia/test_generate_lesson.py"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_lesson import build_timeline, st_analysis  # noqa: E402


def seg(s, e, lab):
    return {"start": s, "end": e, "label": lab}


class TimelineTests(unittest.TestCase):
    def test_short_same_label_pause_is_merged(self):
        tl = build_timeline([(1.0, 5.0, "teacher"), (6.4, 9.0, "teacher")], 10.0)
        self.assertEqual(tl, [seg(0.0, 1.0, "silence"), seg(1.0, 9.0, "teacher"), seg(9.0, 10.0, "silence")])

    def test_pause_of_1_5_s_is_silence(self):
        tl = build_timeline([(0.0, 2.0, "teacher"), (3.5, 5.0, "teacher")], 5.0)
        self.assertEqual([s["label"] for s in tl], ["teacher", "silence", "teacher"])

    def test_short_gap_between_different_labels_stays_silence(self):
        tl = build_timeline([(0.0, 2.0, "teacher"), (2.3, 4.0, "student")], 4.0)
        self.assertEqual(tl, [seg(0.0, 2.0, "teacher"), seg(2.0, 2.3, "silence"), seg(2.3, 4.0, "student")])

    def test_overlapping_different_labels_is_an_error(self):
        with self.assertRaises(ValueError):
            build_timeline([(0.0, 3.0, "teacher"), (2.0, 4.0, "student")], 4.0)


class STTests(unittest.TestCase):
    def test_window_majority_and_modes(self):
        # windows: T (20 s teacher), S (10 s teacher), T (15 s media = exactly half), partial window ignored
        tl = [seg(0, 20, "teacher"), seg(20, 40, "silence"), seg(40, 50, "teacher"), seg(50, 60, "multi"),
              seg(60, 75, "media"), seg(75, 100, "student")]
        st = st_analysis(tl, 100.0)
        self.assertEqual(st["sequence"], "TST")
        self.assertAlmostEqual(st["rt"], 2 / 3, places=3)
        self.assertAlmostEqual(st["ch"], 2 / 3, places=3)
        self.assertEqual(st["mode"], "dialogue")

    def test_lecture_and_practice(self):
        self.assertEqual(st_analysis([seg(0, 120, "teacher")], 120.0)["mode"], "lecture")
        self.assertEqual(st_analysis([seg(0, 120, "silence")], 120.0)["mode"], "practice")
        tl = [seg(0, 60, "teacher"), seg(60, 120, "multi")]
        self.assertEqual(st_analysis(tl, 120.0)["mode"], "mixed")


if __name__ == "__main__":
    unittest.main()
