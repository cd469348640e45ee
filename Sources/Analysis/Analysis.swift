// Analysis module; see docs/ARCHITECTURE.md.
