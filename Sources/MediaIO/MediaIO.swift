// MediaIO module; see docs/ARCHITECTURE.md.
